#!/bin/bash
# SPDX-License-Identifier: ISC
# idle.sh -- idle-timeout (accept = no): a daemon with no connection and
# no client waiting is stopped after N seconds and its service goes back
# to listening; the next client activates it again. A held connection
# keeps it up (tcp, unix, handoff = proxy); a client that comes at the
# moment of the stop is served; -t refuses it where it has no meaning.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 P3 P4 P5 P6 P7 P8 <<<"$(free_port -n 8 | tr '\n' ' ')"
TC="$HELPERS/tclient"
FD="$HELPERS/fakedaemon"
PY=$(command -v python3) || skip_all "python3 is needed"

# A daemon that keeps every connection until the client closes it: the
# LISTEN_FDS sockets, or (handoff = proxy) tcp://127.0.0.1:PORT it binds.
cat >"$T/holdd.py" <<'EOF'
import os, selectors, socket, sys, threading
if len(sys.argv) > 1:
    ls = [socket.create_server(("127.0.0.1", int(sys.argv[1])))]
else:
    ls = [socket.socket(fileno=3 + i)
          for i in range(int(os.environ["LISTEN_FDS"]))]
def serve(c):
    with c:
        c.setblocking(True)
        c.sendall(b"OK %d\n" % os.getpid())
        while c.recv(4096):
            pass
sel = selectors.DefaultSelector()
for s in ls:
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
while True:
    for k, _ in sel.select():
        try:
            c, _ = k.fileobj.accept()
        except (BlockingIOError, InterruptedError):
            continue
        threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
# A client that holds its connection until $T/release-ID exists (60 s
# at most); the reply line goes to $T/reply-ID.
cat >"$T/hold.py" <<'EOF'
import os, socket, sys, time
addr, out, release = sys.argv[1:4]
if addr.startswith("unix:"):
    s = socket.socket(socket.AF_UNIX)
    s.connect(addr[5:])
else:
    host, port = addr[len("tcp://"):].rsplit(":", 1)
    s = socket.create_connection((host.strip("[]"), int(port)))
s.settimeout(10)
line = s.makefile().readline()
with open(out + ".tmp", "w") as f:
    f.write(line)
os.rename(out + ".tmp", out)
end = time.time() + 60
while not os.path.exists(release) and time.time() < end:
    time.sleep(0.05)
s.close()
EOF

# A real daemon (a test dependency, see bind-daemons.sh), with handoff =
# bind: memcached holds its clients' connections.
MC=
if [ "$(id -u)" = 0 ] && [ -x /usr/bin/memcached ]; then
	MC="service mc {
    listen  = { \"tcp://127.0.0.1:$P8\" }
    command = \"/usr/bin/memcached -d -u root -l 127.0.0.1:$P8 -P $T/mc.pid\"
    handoff = bind
    idle-timeout = 1
}"
fi

activator_start <<EOF || bail "activator did not start"
$MC
service fd {
    listen  = { "tcp://127.0.0.1:$P1", "tcp://[::1]:$P1" }
    command = "$FD listen-fds --tag $T"
    type    = simple
    idle-timeout = 1
}
service held {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "$PY $T/holdd.py"
    type    = simple
    idle-timeout = 2
}
service ux {
    listen  = { "unix:$T/ux.sock" }
    command = "$PY $T/holdd.py"
    type    = simple
    idle-timeout = 1
}
service race {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$FD listen-fds --tag $T"
    type    = simple
    idle-timeout = 1
    start-limit-burst = 1000
}
service stubborn {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$FD listen-fds --ignore-term --tag $T"
    type    = simple
    stop-timeout = 1
    idle-timeout = 1
}
service px {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "$PY $T/holdd.py $P6"
    type    = simple
    handoff = proxy
    proxy-to = "tcp://127.0.0.1:$P6"
    idle-timeout = 1
}
service never {
    listen  = { "tcp://127.0.0.1:$P7" }
    command = "$FD listen-fds --tag $T"
    type    = simple
    # idle-timeout: set by the reload below
}
EOF

stops() { grep -c "$1: idle for $2 s, stopping" "$LOG"; }
stops_at_least() { [ "$(stops "$1" "$2")" -ge "$3" ]; }
hold() {	# ID ADDR: a held connection in the background, its pid in HPID
	rm -f "$T/reply-$1" "$T/release-$1"
	"$PY" "$T/hold.py" "$2" "$T/reply-$1" "$T/release-$1" &
	HPID=$!
	wait_file "$T/reply-$1" 10
}
release() {	# ID PID
	: >"$T/release-$1"
	wait "$2"
}

# (a) A LISTEN_FDS daemon, no connection: stopped, listening again.
like "$("$TC" "tcp://127.0.0.1:$P1")" '^OK [0-9]+$' "fd: the first client is served"
ok "fd: idle for 1 s, stopped (the log says so)" \
    wait_for "the idle stop" 10 stops_at_least fd 1 1
ok "fd: back to listening, not stopped" wait_state fd listening
is "$(svc_field fd main_pid)" None "fd: no process left"
like "$("$TC" "tcp://[::1]:$P1")" '^OK [0-9]+$' "fd: the next client (IPv6) is served"
is "$(svc_field fd activations)" 2 "fd: it activated the service again"
ok "fd: and it stops again once idle" \
    wait_for "the second idle stop" 10 stops_at_least fd 1 2
ok "fd: listening" wait_state fd listening

# (b) A held connection keeps the daemon up well beyond its timeout.
hold b "tcp://127.0.0.1:$P2"
like "$(cat "$T/reply-b" 2>/dev/null)" '^OK [0-9]+' "held: the held connection was served"
sleep 4
is "$(stops held 2)" 0 "held: no idle stop in 4 s (timeout 2 s) with a connection open"
is "$(svc_field held state)" running "held: still running"
release b "$HPID"
ok "held: once the connection is closed, it is stopped" \
    wait_for "the idle stop" 10 stops_at_least held 2 1
ok "held: listening" wait_state held listening
like "$("$TC" -s "x
" "tcp://127.0.0.1:$P2")" '^OK [0-9]+$' "held: the next client is served"
is "$(svc_field held activations)" 2 "held: activations 2"

# (c) A unix socket service, the same.
hold c "unix:$T/ux.sock"
like "$(cat "$T/reply-c" 2>/dev/null)" '^OK [0-9]+' "ux: the held connection was served"
sleep 3
is "$(stops ux 1)" 0 "ux: no idle stop in 3 s (timeout 1 s) with a unix connection open"
release c "$HPID"
ok "ux: once it is closed, it is stopped" \
    wait_for "the idle stop" 10 stops_at_least ux 1 1
ok "ux: listening" wait_state ux listening
like "$("$TC" -s "x
" "unix:$T/ux.sock")" '^OK [0-9]+$' "ux: the next client is served"
is "$(svc_field ux activations)" 2 "ux: activations 2"

# (d) Clients at the moment of the stop: after each idle stop, connect
# at once (the tree is frozen or ending then); between stops, connect
# at varying delays around the timeout. Every client gets its reply.
served=0 tries=0
"$TC" "tcp://127.0.0.1:$P3" >/dev/null 2>&1
for d in 0 0.01 0.05 0.1 0 0.01 0.05 0.1; do
	n=$(stops race 1)
	# Generous: a sanitizer build on a loaded machine is slow.
	if ! wait_for "an idle stop of race" 30 stops_at_least race 1 $((n + 1)); then
		grep "race: " "$LOG" | tail -n 20 | sed 's/^/# /'
		break
	fi
	sleep "$d"
	tries=$((tries + 1))
	r=$("$TC" -t 10 "tcp://127.0.0.1:$P3" 2>&1)
	case $r in OK\ *) served=$((served + 1)) ;; *) diag "race: $r" ;; esac
done
is "$served/$tries" "8/8" "race: every client at an idle stop is served"
for ms in 900 1100 1300 1500 1800 2200; do
	sleep "$(printf '0.%03d' $((ms % 1000)))"
	[ "$ms" -ge 1000 ] && sleep 1
	tries=$((tries + 1))
	r=$("$TC" -t 10 "tcp://127.0.0.1:$P3" 2>&1)
	case $r in OK\ *) served=$((served + 1)) ;; *) diag "race: $r" ;; esac
done
is "$served/$tries" "14/14" "race: clients at delays around the timeout are all served"
ok "race: it was stopped and activated again each time" \
    test "$(svc_field race activations)" -ge 10

# A daemon that ignores TERM is killed at stop-timeout; a client that
# comes meanwhile is served, by it or by the next activation.
like "$("$TC" "tcp://127.0.0.1:$P4")" '^OK [0-9]+$' "stubborn: served"
ok "stubborn: idle stop" wait_for "the idle stop" 10 stops_at_least stubborn 1 1
like "$("$TC" -t 15 "tcp://127.0.0.1:$P4")" '^OK [0-9]+$' \
    "stubborn: a client during its (killed) stop is served"
ok "stubborn: listening or running again after the kill" \
    wait_for "stubborn up" 10 eval '[ "$(svc_field stubborn state)" = listening ] || [ "$(svc_field stubborn state)" = running ]'


# (e) handoff = proxy: the relay's live connections count.
hold e "tcp://127.0.0.1:$P5"
like "$(cat "$T/reply-e" 2>/dev/null)" '^OK [0-9]+' "px: the relayed connection was served"
sleep 3
is "$(stops px 1)" 0 "px: no idle stop in 3 s with a relayed connection open"
release e "$HPID"
ok "px: once it is closed, it is stopped" \
    wait_for "the idle stop" 10 stops_at_least px 1 1
ok "px: listening" wait_state px listening
like "$("$TC" -s "x
" "tcp://127.0.0.1:$P5")" '^OK [0-9]+$' "px: the next client is served"
is "$(svc_field px activations)" 2 "px: activations 2"

# memcached: a held connection (the test shell's fd 7) keeps it up.
mc_version() {	# FD: ask, print the answer
	printf 'version\r\n' >&"$1"
	read -r -t 10 line <&"$1" && printf '%s\n' "${line%$'\r'}"
}
if [ -n "$MC" ]; then
	exec 7<>"/dev/tcp/127.0.0.1/$P8"
	like "$(mc_version 7)" '^VERSION ' "memcached: activated, answers on a held connection"
	sleep 3
	is "$(stops mc 1)" 0 "memcached: no idle stop in 3 s with its connection open"
	like "$(mc_version 7)" '^VERSION ' "memcached: the same connection still answers"
	exec 7>&- 7<&-
	ok "memcached: once it is closed, it is stopped" \
	    wait_for "the idle stop" 10 stops_at_least mc 1 1
	ok "memcached: listening" wait_state mc listening
	like "$("$TC" -s $'version\r\n' "tcp://127.0.0.1:$P8")" '^VERSION ' \
	    "memcached: the next client is served"
	is "$(svc_field mc activations)" 2 "memcached: activations 2"
else
	for i in 1 2 3 4 5 6 7; do
		skip "memcached" "needs root and /usr/bin/memcached"
	done
fi

# Without idle-timeout nothing changes.
like "$("$TC" "tcp://127.0.0.1:$P7")" '^OK [0-9]+$' "never: served"
is "$(svc_field never state)" running "never: no idle-timeout, still running"
nok "never: no idle stop" grep -q "never: idle" "$LOG"
# A reload sets it on the running service: it applies at once.
sed -i 's/# idle-timeout: set by the reload below/idle-timeout = 1/' \
    "$T/activator.conf"
ok "reload with idle-timeout = 1 for never" ctl reload
ok "never: stopped by the reloaded idle-timeout" \
    wait_for "the idle stop" 10 stops_at_least never 1 1
ok "never: listening" wait_state never listening
is "$(svc_field never restarts)" 0 "never: the reload did not restart it"

activator_stop
is "$AEXIT" 0 "activator exits 0"
nok "no netlink error logged" grep -q "cannot count the connections" "$LOG"
ok "(g) no leftover process" no_leftovers
ok "(g) no zombie" no_zombies

# (f) -t refuses it where it has no meaning, naming the line.
bad() {	# DESC WANT  (config on stdin)
	cat >"$T/bad.conf"
	err=$("$ACTIVATOR" -t -f "$T/bad.conf" 2>&1 >/dev/null)
	rc=$?
	is "$rc" 1 "$1: -t exits 1"
	like "$err" "$2" "$1: the error says why"
}
bad "accept = yes" 'bad\.conf:5: service a: idle-timeout needs accept = no' <<EOF
service a {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "/bin/cat"
    accept  = yes
    idle-timeout = 5
}
EOF
bad "a udp address" "bad\\.conf:4: service u: idle-timeout needs stream sockets: 'udp://127\\.0\\.0\\.1:$P1'" <<EOF
service u {
    listen  = { "tcp://127.0.0.1:$P1", "udp://127.0.0.1:$P1" }
    command = "/bin/cat"
    idle-timeout = 5
}
EOF
bad "a negative value" "idle-timeout: invalid value '-1'" <<EOF
service n {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "/bin/cat"
    idle-timeout = -1
}
EOF
cat >"$T/good.conf" <<EOF
service z {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "/bin/cat"
    accept  = yes
    idle-timeout = 0
}
EOF
out=$("$ACTIVATOR" -t -f "$T/good.conf" 2>&1)
is "$?" 0 "-t accepts idle-timeout = 0 (never) with accept = yes" || diag "$out"
done_testing
