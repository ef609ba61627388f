#!/bin/bash
# SPDX-License-Identifier: ISC
# lifecycle.sh -- every process of a service under its own supervisor:
# the strays of accept = yes instances belong to their service, are
# listed in its pids and stopped with it; the core ends a supervisor that
# is killed or stopped (SIGSTOP) in the middle of a stop or a shutdown;
# reload matches addresses parsed, fails cleanly whichever service's
# socket cannot be opened, and leaves a stopped service closed.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

F=$HELPERS/fakedaemon
read -r P1 P2 P3 P4 P5 P6 P7 <<<"$(free_port -n 7 | tr '\n' ' ')"

# The pid of the live process whose command line contains $1 ($T-based).
pid_of() {
	local f
	for f in $(grep -alsF -f <(printf '%s\n' "$1") /proc/[0-9]*/cmdline); do
		f=${f#/proc/}
		f=${f%/cmdline}
		proc_alive "$f" && { echo "$f"; return 0; }
	done
	return 1
}
# Is pid $2 in service $1's pids?
in_pids() {
	svc_field "$1" pids | tr -d '[],' | tr ' ' '\n' | grep -qx "$2"
}
gone() { ! proc_alive "$1"; }

# stray-a and stray-b: an instance that leaves a detached child behind
# (setsid, stdio closed) and exits at once, the classic stray.
activator_start <<EOF || bail "activator did not start"
service stray-a {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "/bin/sh -c 'setsid /bin/sh -c \"sleep 600; : $T/stray-a\" </dev/null >/dev/null 2>&1 & echo OK'"
    accept  = yes
    stop-timeout = 2
}
service stray-b {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "/bin/sh -c 'setsid /bin/sh -c \"sleep 600; : $T/stray-b\" </dev/null >/dev/null 2>&1 & echo OK'"
    accept  = yes
    stop-timeout = 2
}
service glue {
    listen  = { "tcp://127.0.0.1:$P6" }
    command = "/bin/sh -c 'if head -n 1 | grep -q a; then printf \"root login accepted for \" >&2; else echo mallory >&2; fi; echo ok $T/glue'"
    accept  = yes
}
service held {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$F nowait --sleep-ms 60000 --tag $T/held"
    accept  = yes
    stop-timeout = 2
}
EOF

# Strays of instances, two services at once.
is "$("$HELPERS/tclient" "tcp://127.0.0.1:$P1")" OK "stray-a's instance answered"
is "$("$HELPERS/tclient" "tcp://127.0.0.1:$P2")" OK "stray-b's instance answered"
wait_for "stray-a's stray" 5 pid_of "$T/stray-a" >/dev/null
wait_for "stray-b's stray" 5 pid_of "$T/stray-b" >/dev/null
sa=$(pid_of "$T/stray-a")
sb=$(pid_of "$T/stray-b")
ok "both strays run ($sa, $sb)" test -n "$sa" -a -n "$sb"
supa=$(ps -o ppid= -p "$sa" | tr -d ' ')
is "$(cat /proc/"$supa"/comm 2>/dev/null)" "sup:stray-a" \
    "stray-a's stray was adopted by stray-a's supervisor, not by the core"
wait_field stray-a instances 0
ok "stray-a's stray is in stray-a's pids" in_pids stray-a "$sa"
nok "... and not in stray-b's" in_pids stray-b "$sa"
ok "stray-b's stray is in stray-b's pids" in_pids stray-b "$sb"
nok "... and not in stray-a's" in_pids stray-a "$sb"
ok "stop stray-a" ctl stop stray-a
wait_for "stray-a's stray to end" 10 gone "$sa"
ok "stray-a's stray is stopped with its service" gone "$sa"
ok "stray-b's stray is untouched" proc_alive "$sb"
wait_state stray-a stopped
is "$(svc_field stray-a pids)" "[]" "stray-a lists no process"
ok "stop stray-b" ctl stop stray-b
wait_for "stray-b's stray to end" 10 gone "$sb"
ok "stray-b's stray is stopped with its service" gone "$sb"
ok "strays are reaped" no_zombies

# Output: an instance's partial line is never glued to another's line.
like "$("$HELPERS/tclient" -s $'a\n' "tcp://127.0.0.1:$P6")" "^ok" "glue's first instance answered"
like "$("$HELPERS/tclient" -s $'b\n' "tcp://127.0.0.1:$P6")" "^ok" "glue's second instance answered"
wait_for "the second instance's line" 5 grep -q 'glue: mallory$' "$LOG"
ok "the second instance's line is logged alone" grep -q 'glue: mallory$' "$LOG"
nok "no record glues the two instances' output" grep -q 'accepted for mallory' "$LOG"
wait_for "the partial line" 5 grep -q 'glue: root login accepted for  \[partial\]$' "$LOG"
ok "the first instance's partial line is logged, marked partial" \
    grep -q 'glue: root login accepted for  \[partial\]$' "$LOG"

# SIGKILL of a supervisor with a live instance (a client holds it open)
# and a stray.
ok "start stray-a again" ctl start stray-a
is "$("$HELPERS/tclient" "tcp://127.0.0.1:$P1")" OK "stray-a serves again"
wait_for "a new stray" 5 pid_of "$T/stray-a" >/dev/null
sa=$(pid_of "$T/stray-a")
"$HELPERS/tclient" -t 30 "tcp://127.0.0.1:$P3" >"$T/held.out" 2>&1 &
cpid=$!
wait_for "held's instance" 5 pid_of "$T/held" >/dev/null
hi=$(pid_of "$T/held")
hsup=$(ps -o ppid= -p "$hi" | tr -d ' ')
is "$(cat /proc/"$hsup"/comm 2>/dev/null)" "sup:held" "the instance runs under held's supervisor"
ok "the instance is in held's pids" in_pids held "$hi"
supa=$(ps -o ppid= -p "$sa" | tr -d ' ')
kill -KILL "$hsup" "$supa"
wait_for "the instance to be stopped" 10 gone "$hi"
ok "killing the supervisor stops its instance" gone "$hi"
wait_for "the stray to be stopped" 10 gone "$sa"
ok "... and the other supervisor's stray" gone "$sa"
wait "$cpid"
ok "the core reaped them" no_zombies
like "$(cat "$LOG")" "held: supervisor $hsup ended abnormally" "the death is logged"
is "$(svc_field held state)" listening "held is listening again"
like "$("$HELPERS/tclient" -t 5 -s $'x\n' "tcp://127.0.0.1:$P3" 2>&1)" "^OK" \
    "... and a new supervisor serves the next client"
ok "stop held" ctl stop held
wait_state held stopped

activator_stop
is "$AEXIT" 0 "activator exits 0"
ok "no leftover process" no_leftovers

# A supervisor stopped with SIGSTOP stalls neither stop nor shutdown.
activator_start <<EOF || bail "activator did not restart"
service frozen {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$F listen-fds --ignore-term --tag $T/fz1"
    type    = simple
    stop-timeout = 1
}
service frozen2 {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "$F listen-fds --ignore-term --tag $T/fz2"
    type    = simple
    stop-timeout = 1
}
EOF
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P4")" "^OK" "frozen serves"
wait_state frozen running
d=$(pid_of "$T/fz1")
sup=$(ps -o ppid= -p "$d" | tr -d ' ')
kill -STOP "$sup"
t0=$(_a_now_ms)
ok "stop returns at once with its supervisor stopped" ctl stop frozen
wait_state frozen stopped 10
ok "the service ends stopped" _a_state_is frozen stopped
ok "the daemon (which ignores TERM) was killed" gone "$d"
ok "the frozen supervisor was killed" gone "$sup"
diag "stop took $(($(_a_now_ms) - t0)) ms with stop-timeout 1"
like "$(cat "$LOG")" "frozen: supervisor $sup did not stop within" "logged"

like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P5")" "^OK" "frozen2 serves"
wait_state frozen2 running
d=$(pid_of "$T/fz2")
sup=$(ps -o ppid= -p "$d" | tr -d ' ')
kill -STOP "$sup"
kill -TERM "$APID"
wait_for "activator to exit" 10 gone "$APID"
ok "shutdown ends with a frozen supervisor" gone "$APID"
activator_stop
is "$AEXIT" 0 "activator exits 0"
ok "no leftover process" no_leftovers

# Reload.
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
time.sleep(120)' "$P7" "$T/squatter" &
squatter=$!
wait_for "the squatter to listen" 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$P7" 2>/dev/null

conf3() {	# $1..$3: extra listen address of the first, middle, last
	cat <<EOF
service first {
    listen  = { "tcp://[::1]:$P1" $1 }
    command = "$F nowait --tag $T"
    accept  = yes
}
service middle {
    listen  = { "tcp://127.0.0.1:$P2" $2 }
    command = "$F listen-fds --tag $T/middle"
    type    = simple
}
service last {
    listen  = { "tcp://127.0.0.1:$P3" $3 }
    command = "$F nowait --tag $T"
    accept  = yes
}
service quiet {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$F nowait --tag $T"
    accept  = yes
}
EOF
}
conf3 "" "" "" >"$T/base.conf"
activator_start <"$T/base.conf" || bail "activator did not restart"
ino() {	# socket inode of activator's listener on port $1
	awk -v p="$(printf '%04X' "$1")" '$2 ~ ":"p"$" && $4 == "0A" { print $10 }' \
	    /proc/net/tcp /proc/net/tcp6 | head -1
}
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P2")" "^OK" "middle's daemon runs"
wait_state middle running
md=$(svc_field middle main_pid)
i1=$(ino "$P1") i2=$(ino "$P2") i3=$(ino "$P3")
for which in first middle last; do
	case $which in
	first)	conf3 ", \"tcp://127.0.0.1:$P7\"" "" "" ;;
	middle)	conf3 "" ", \"tcp://127.0.0.1:$P7\"" "" ;;
	last)	conf3 "" "" ", \"tcp://127.0.0.1:$P7\"" ;;
	esac >"$T/activator.conf"
	out=$(ctl reload 2>&1)
	is "$?" 1 "reload fails when $which's new socket cannot be opened"
	like "$out" "Address already in use" "... and says why"
	ok "... activator is alive" proc_alive "$APID"
	is "$(ino "$P1") $(ino "$P2") $(ino "$P3")" "$i1 $i2 $i3" \
	    "... every old socket is kept, the very same"
	like "$("$HELPERS/tclient" "tcp://[::1]:$P1")" "^OK" "... and first still serves"
	like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P3")" "^OK" "... and last too"
	is "$(svc_field middle main_pid)" "$md" "... middle's daemon is untouched"
done
kill "$squatter"
wait "$squatter" 2>/dev/null

# The same address written another way is the same socket.
conf3 "" "" "" | sed "s|\[::1\]:$P1|[0:0::1]:$P1|" >"$T/activator.conf"
ok "reload with [0:0::1] for [::1]" ctl reload
is "$(ino "$P1")" "$i1" "... keeps the same socket"

# A stopped service holds no address, and reload does not reopen it.
ok "stop quiet" ctl stop quiet
wait_state quiet stopped
ok "reload" ctl reload
is "$(svc_field quiet state)" stopped "quiet is still stopped"
nok "... and its port is closed" "$HELPERS/tclient" -t 2 "tcp://127.0.0.1:$P4"
ok "start quiet" ctl start quiet
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P4")" "^OK" "... and it serves again"

# accept, handoff or command changed under a running daemon: pending.
conf3 "" "" "" | sed "s|listen-fds --tag $T/middle|listen-fds --echo --tag $T/middle|" \
    >"$T/activator.conf"
ok "reload with middle's command changed" ctl reload
is "$(svc_field middle restart_pending)" True "... restart pending"
is "$(svc_field middle main_pid)" "$md" "... the daemon runs on"
conf3 "" "" "" | sed '/service middle/,/^}/s/^}/    handoff = stdio\n}/' \
    >"$T/activator.conf"
ok "reload with middle's handoff changed" ctl reload
is "$(svc_field middle restart_pending)" True "... restart pending"
conf3 "" "" "" | sed '/service middle/,/^}/s/^}/    accept = yes\n}/' \
    | sed "s|listen-fds --tag $T/middle|nowait --tag $T/middle|" >"$T/activator.conf"
ok "reload with middle's accept changed" ctl reload
is "$(svc_field middle restart_pending)" True "... restart pending"
is "$(svc_field middle main_pid)" "$md" "... the daemon still runs on"
ok "restart middle" ctl restart middle
wait_for "middle's daemon to end" 10 gone "$md"
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P2")" "^OK" "middle now runs per connection"
is "$(svc_field middle accept)" True "... as accept = yes"

# A service removed and re-added within its stop-timeout: its old daemon
# still holds the port, so the reload that re-adds it fails cleanly.
{ cat "$T/base.conf"; cat <<EOF
service sticky {
    listen  = { "tcp://127.0.0.1:$P6" }
    command = "$F listen-fds --ignore-term --tag $T/sticky"
    type    = simple
    stop-timeout = 3
}
EOF
} >"$T/with-sticky.conf"
cp "$T/with-sticky.conf" "$T/activator.conf"
ok "reload adds sticky" ctl reload
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P6")" "^OK" "sticky serves"
wait_state sticky running
sd=$(svc_field sticky main_pid)
cp "$T/base.conf" "$T/activator.conf"
ok "reload removes sticky" ctl reload
cp "$T/with-sticky.conf" "$T/activator.conf"
out=$(ctl reload 2>&1)
is "$?" 1 "re-adding it while its daemon still holds the port fails"
like "$out" "Address already in use" "... and says why"
like "$("$HELPERS/tclient" "tcp://[::1]:$P1")" "^OK" "... the other services serve on"
wait_for "sticky's old daemon to be killed" 10 gone "$sd"
ok "after its stop-timeout the old daemon is gone" gone "$sd"
ok "then the reload that re-adds it works" ctl reload
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P6")" "^OK" "and sticky serves again"

activator_stop
is "$AEXIT" 0 "activator exits 0"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
