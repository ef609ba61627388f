#!/bin/bash
# SPDX-License-Identifier: ISC
# activation.sh -- accept = no: a service starts on its first client and
# gets its sockets (LISTEN_FDS or stdio) over tcp v4/v6, udp and unix;
# none of the clients that arrive meanwhile is lost.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 P3 P4 P5 P6 <<<"$(free_port -n 6 | tr '\n' ' ')"
read -r U1 U2 <<<"$(free_port -u -n 2 | tr '\n' ' ')"
F="$HELPERS/fakedaemon"

activator_start <<EOF || bail "activator did not start"
service fds4 {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$F listen-fds --tag $T --pid-out $T/fds4.pid"
    type    = simple
}
service fds6 {
    listen  = { "tcp://[::1]:$P2" }
    command = "$F listen-fds --tag $T"
    type    = simple
}
service fdsudp {
    listen  = { "udp://127.0.0.1:$U1" }
    command = "$F listen-fds --tag $T"
    type    = simple
}
service fdsunix {
    listen  = { "unix:$T/fds.sock" }
    command = "$F listen-fds --tag $T"
    type    = simple
    socket-mode = 0600
}
service multi {
    listen  = { "tcp://127.0.0.1:$P3", "udp://127.0.0.1:$U2", "unix:$T/multi.sock" }
    command = "$F listen-fds --tag $T --fork 2"
}
service wait4 {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$F stdio --tag $T"
    handoff = stdio
    type    = simple
}
service wait6 {
    listen  = { "tcp://[::1]:$P5" }
    command = "$F stdio --tag $T"
    handoff = stdio
    type    = simple
}
service waitunix {
    listen  = { "unix:$T/wait.sock" }
    command = "$F stdio --tag $T"
    handoff = stdio
    type    = simple
}
service cold {
    listen  = { "tcp://127.0.0.1:$P6" }
    command = "$F listen-fds --tag $T --fork 2 --ready-delay 500 --pid-out $T/cold.pid"
}
EOF

is "$(svc_field fds4 state)" listening "a service is listening before any client"
nok "no process before the first client" test -e "$T/fds4.pid"

for a in "fds4 tcp://127.0.0.1:$P1" "fds6 tcp://[::1]:$P2" \
    "fdsudp udp://127.0.0.1:$U1" "fdsunix unix:$T/fds.sock" \
    "multi tcp://127.0.0.1:$P3" "multi udp://127.0.0.1:$U2" \
    "multi unix:$T/multi.sock" \
    "wait4 tcp://127.0.0.1:$P4" "wait6 tcp://[::1]:$P5" \
    "waitunix unix:$T/wait.sock"; do
	set -- $a
	like "$("$HELPERS/tclient" "$2" 2>&1)" '^OK [0-9]+$' \
	    "$1 activated and answered over $2"
done
wait_state fds4 running 5
is "$(svc_field fds4 state)" running "the service is running after its first client"
pid=$(cat "$T/fds4.pid")
is "$("$HELPERS/tclient" "tcp://127.0.0.1:$P1")" "OK $pid" \
    "the next client reaches the same daemon"
is "$(svc_field fds4 main_pid)" "$pid" "status names the daemon's pid"
is "$(stat -c %a "$T/fds.sock")" 600 "socket-mode applies to the unix socket"

# 200 clients at once on a cold service whose daemon takes 0.5 s to serve.
is "$("$HELPERS/burst" -n 200 "tcp://127.0.0.1:$P6")" \
    "ok=200 refused=0 reset=0 timeout=0 other=0" \
    "200 concurrent clients of a cold service are all answered"
is "$(svc_field cold activations)" 1 "... by a single activation"

# kill -9 the daemon: clients sent in the gap wait and are served.
wait_file "$T/cold.pid" 5
old=$(cat "$T/cold.pid")
rm -f "$T/cold.pid"
kill -KILL "$old"
out=$("$HELPERS/burst" -n 50 -p "tcp://127.0.0.1:$P6" 2>"$T/replies")
is "$out" "ok=50 refused=0 reset=0 timeout=0 other=0" \
    "clients sent right after kill -9 of the daemon are all served"
wait_file "$T/cold.pid" 5
new=$(cat "$T/cold.pid")
ok "by a new daemon ($old -> $new)" test "$new" != "$old"
nok "the killed daemon answered none of them" grep -q "OK $old\$" "$T/replies"
is "$(svc_field cold activations) $(svc_field cold main_pid)" "2 $new" \
    "status counts two activations and names the new main pid"
is "$(svc_field cold last_exit)" "{'signal': 'KILL'}" "last_exit says KILL"

# A program that cannot be executed is reported as such (FLT-02).
printf 'no shebang here\n' >"$T/noexec"
chmod 0755 "$T/noexec"
read -r PX PY <<<"$(free_port -n 2 | tr '\n' ' ')"
cat >"$T/activator.conf" <<EOF
backlog = 65535
service noexec {
    listen  = { "tcp://127.0.0.1:$PX" }
    command = "$T/noexec"
    type    = simple
}
service planted {
    listen  = { "tcp://127.0.0.1:$PY" }
    command = "$F listen-fds --tag $T"
    type    = simple
}
EOF
ok "reload with a service whose program cannot run" ctl reload
"$HELPERS/tclient" -t 2 "tcp://127.0.0.1:$PX" >/dev/null 2>&1
wait_for "exec failure logged" 5 grep -q 'noexec: start failed: exec failed' "$LOG"
like "$(grep 'noexec: start failed' "$LOG" | head -1)" 'exec failed: Exec format error' \
    "an exec failure is reported as 'exec failed: <reason>', not as an exit status"
like "$(svc_field noexec last_error)" 'exec failed' "... and shown in status"

like "$(grep 'above net.core.somaxconn' "$LOG" | head -1)" \
    "backlog 65535 is above net.core.somaxconn $(cat /proc/sys/net/core/somaxconn)" \
    "a backlog above somaxconn is clamped with a warning"

# A unix listen path that holds something else is never removed.
echo precious >"$T/planted.sock"
sed -i "s|tcp://127.0.0.1:$PY|unix:$T/planted.sock|" "$T/activator.conf"
out=$(ctl reload 2>&1)
like "$out" "planted.sock exists and is not a socket" \
    "a regular file at a unix listen path is refused with a clear message"
is "$(cat "$T/planted.sock")" precious "... and left untouched"

activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM"
ok "no process of any service is left" no_leftovers
ok "no zombie is left" no_zombies
nok "unix socket files are removed" test -e "$T/fds.sock"
done_testing
