#!/bin/bash
# SPDX-License-Identifier: ISC
# nowait.sh -- accept = yes (inetd nowait): one instance per connection,
# with max-instances, max-per-source, allow/deny and descriptor exhaustion.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 P3 P4 P5 P6 P7 P8 P9 <<<"$(free_port -n 9 | tr '\n' ' ')"
F="$HELPERS/fakedaemon"
_gone() { ! proc_alive "$1"; }
BUSYBOX=$(command -v busybox)
mkdir "$T/www"
# A program that writes hostile text to stderr (SEC-13).
cat >"$T/noisy" <<'EON'
#!/bin/sh
printf 'esc\033[31mred\r\n' >&2
head -c 3000 /dev/zero | tr '\0' x >&2
echo >&2
echo ok
EON
chmod 0755 "$T/noisy"
echo "hello from busybox" >"$T/www/index.html"

activator_start <<EOF || bail "activator did not start"
service httpd {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$BUSYBOX httpd -i -h $T/www"
    accept  = yes
}
service env {
    listen  = { "tcp://127.0.0.1:$P2", "tcp://[::1]:$P2" }
    command = "$F nowait --tag $T"
    accept  = yes
}
service limited {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$F nowait --tag $T --sleep-ms 200"
    accept  = yes
    max-instances = 5
}
service persource {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$F nowait --tag $T --sleep-ms 1500"
    accept  = yes
    max-per-source = 2
}
service denied {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "$F nowait --tag $T"
    accept  = yes
    deny    = { "127.0.0.0/8" }
}
service allowed {
    listen  = { "tcp://127.0.0.1:$P6" }
    command = "$F nowait --tag $T"
    accept  = yes
    allow   = { "127.0.0.2/32", "::1/128" }
    deny    = { "127.0.0.3" }
}
service stubborn {
    listen  = { "tcp://127.0.0.1:$P8" }
    command = "$F nowait --tag $T --ignore-term --sleep-ms 30000 --report $T/stubborn.report"
    accept  = yes
    stop-timeout = 1
}
service noisy {
    listen  = { "tcp://127.0.0.1:$P9" }
    command = "$T/noisy"
    accept  = yes
}
service storm {
    listen  = { "tcp://127.0.0.1:$P7" }
    command = "$F nowait --tag $T --sleep-ms 700"
    accept  = yes
    max-instances = 1000
}
EOF

# A real per-connection program.
reply=$("$HELPERS/tclient" -s $'GET /index.html HTTP/1.0\r\n\r\n' "tcp://127.0.0.1:$P1")
like "$reply" '^HTTP/1\.[01] 200' "busybox httpd -i answers a real HTTP request"
is "$(printf 'GET /index.html HTTP/1.0\r\n\r\n' | python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
data = b""
while True:
    b = s.recv(4096)
    if not b: break
    data += b
print(data.split(b"\r\n\r\n", 1)[1].decode().strip())' "$P1")" "hello from busybox" \
    "... with the page's content"

# The instance sees its peer.
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P2")" '^OK [0-9]+ 127\.0\.0\.1 [0-9]+$' \
    "REMOTE_ADDR and REMOTE_PORT over IPv4"
like "$("$HELPERS/tclient" "tcp://[::1]:$P2")" '^OK [0-9]+ ::1 [0-9]+$' \
    "REMOTE_ADDR and REMOTE_PORT over IPv6"
is "$(svc_field env state) $(svc_field env accepted) $(svc_field env activations)" \
    "listening 2 2" "status counts accepted connections and instances started"

# What an instance writes on stderr is logged, one escaped line each.
is "$("$HELPERS/tclient" "tcp://127.0.0.1:$P9")" ok "the noisy instance answers"
wait_for "noisy output logged" 5 grep -q 'noisy: esc' "$LOG"
like "$(grep 'noisy: esc' "$LOG")" 'noisy: esc\\x1b\[31mred\\x0d$' \
    "stderr is logged with the service name, control characters escaped"
long=$(grep 'noisy: xxx' "$LOG")
like "$long" '\[truncated\]$' "a 3000-byte line is cut and marked"
ok "... at about 1 KiB (${#long} bytes of log line)" test "${#long}" -lt 1200
is "$(grep -c 'noisy: x' "$LOG")" 1 "... and its rest is dropped, not logged as more lines"

# max-instances: 100 clients at once, never more than 5 instances.
"$HELPERS/burst" -n 100 -t 60 "tcp://127.0.0.1:$P3" >"$T/burst.out" &
bpid=$!
max=0
for i in $(seq 1 100); do
	n=$(svc_field limited instances)
	[ -n "$n" ] && [ "$n" -gt "$max" ] && max=$n
	proc_alive "$bpid" || break
	sleep 0.05
done
wait "$bpid"
is "$(cat "$T/burst.out")" "ok=100 refused=0 reset=0 timeout=0 other=0" \
    "max-instances: 100 concurrent clients are all served eventually"
ok "at most 5 instances at any sample (saw $max)" test "$max" -le 5 -a "$max" -ge 1
wait_field limited instances 0 5
is "$(svc_field limited instances)" 0 "instances go back to 0"

# max-per-source: the third concurrent connection from one address is closed.
out=$("$HELPERS/burst" -n 5 -t 10 "tcp://127.0.0.1:$P4")
is "$out" "ok=2 refused=0 reset=0 timeout=0 other=3" \
    "max-per-source 2: 2 of 5 concurrent clients served, 3 closed"
is "$("$HELPERS/burst" -n 2 -b 127.0.0.2 "tcp://127.0.0.1:$P4")" \
    "ok=2 refused=0 reset=0 timeout=0 other=0" "another source is not affected"
is "$(svc_field persource refused)" 3 "refused connections are counted"
like "$(grep 'persource: refused' "$LOG" | head -1)" 'max-per-source 2 reached' \
    "and logged"

# deny / allow before any process exists.
nok "deny: a denied client gets no reply" "$HELPERS/tclient" -t 3 "tcp://127.0.0.1:$P5"
is "$(svc_field denied activations) $(svc_field denied refused)" "0 1" \
    "deny: refused before any process is created"
nok "allow: a source not listed is refused" "$HELPERS/tclient" -t 3 "tcp://127.0.0.1:$P6"
like "$(python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.2", 0)); s.connect(("127.0.0.1", int(sys.argv[1])))
print(s.makefile().readline().strip())' "$P6")" '^OK [0-9]+ 127\.0\.0\.2 ' "allow: a listed source is served"
like "$("$HELPERS/tclient" "tcp://[::1]:$P2")" '^OK' "(v6 sanity)"
is "$(svc_field allowed activations) $(svc_field allowed refused)" "1 1" \
    "allow: one served, one refused"

# SIGCHLD storm: 300 instances end at about the same instant.
is "$("$HELPERS/burst" -n 300 -t 60 "tcp://127.0.0.1:$P7")" \
    "ok=300 refused=0 reset=0 timeout=0 other=0" "300 concurrent instances all answer"
wait_field storm instances 0 10
is "$(svc_field storm instances)" 0 "every instance of a SIGCHLD storm is reaped and counted"
ok "no zombie after the storm" no_zombies

# stop: an instance that ignores SIGTERM is killed after stop-timeout.
"$HELPERS/tclient" "tcp://127.0.0.1:$P8" >/dev/null
wait_file "$T/stubborn.report" 5
ipid=$(sed -n 's/^pid=//p' "$T/stubborn.report")
ok "activatorctl stop of a service with a live instance" ctl stop stubborn
wait_for "instance killed" 5 _gone "$ipid"
ok "the instance ignoring SIGTERM is killed after stop-timeout" _gone "$ipid"
is "$(svc_field stubborn state) $(svc_field stubborn instances)" "stopped 0" \
    "stopped, no instance left"
like "$(svc_field stubborn last_exit)" KILL "... it was killed by SIGKILL"

activator_stop
is "$AEXIT" 0 "activator exits 0"
ok "no leftover process" no_leftovers

# Descriptor exhaustion: activator left without a free descriptor while
# 50 clients wait; then descriptors come back.
activator_start <<EOF || bail "activator did not restart"
service many {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$F nowait --tag $T"
    accept  = yes
}
EOF
# The lowest free descriptor number: as the limit, nothing can be opened.
nfd=$(ls /proc/"$APID"/fd | sort -n | awk '$1 == n { n++ } END { print n }' n=0)
prlimit --pid "$APID" --nofile="$nfd:"
t0=$(awk '{print $14 + $15}' /proc/"$APID"/stat)
"$HELPERS/burst" -n 50 -t 60 "tcp://127.0.0.1:$P3" >"$T/burst.out" &
bpid=$!
sleep 3
t1=$(awk '{print $14 + $15}' /proc/"$APID"/stat)
cpu=$((t1 - t0))
ok "EMFILE does not spin: $cpu ticks of CPU in 3 s (< 100)" test "$cpu" -lt 100
is "$(grep -c 'many: pausing accept' "$LOG")" 1 "the pause is logged once for the episode"
prlimit --pid "$APID" --nofile=1024:
wait "$bpid"
is "$(cat "$T/burst.out")" "ok=50 refused=0 reset=0 timeout=0 other=0" \
    "every waiting client is served once descriptors are free again"
ok "recovery is logged" grep -q 'many: accepting again' "$LOG"
ok "activator still answers" ctl ping
activator_stop
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
