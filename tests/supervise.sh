#!/bin/bash
# SPDX-License-Identifier: ISC
# supervise.sh -- daemons that fork: readiness by type, the exact main pid,
# attribution under concurrency, death of the main process, crash loops,
# failures that name the type that fits, and stopping whole trees.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

F="$HELPERS/fakedaemon"
ports=($(free_port -n 50))
n=0
conf=""
# svc NAME OPTIONS COMMAND-ARGS: add a service on the next free port.
svc() {
	local name=$1 opts=$2
	shift 2
	eval "PORT_$name=${ports[$n]}"
	conf+="service $name {
    listen  = { \"tcp://127.0.0.1:${ports[$n]}\" }
    command = \"$F listen-fds --tag $T --pid-out $T/$name.pid $*\"
    start-timeout = 3
    stop-timeout = 2
    $opts
}
"
	n=$((n + 1))
}
port() { eval "echo \$PORT_$1"; }
# True when none of the pids is alive.
_a_gone() { local p; for p in "$@"; do proc_alive "$p" && return 1; done; return 0; }
hit() { "$HELPERS/tclient" -t 10 "tcp://127.0.0.1:$(port "$1")"; }

svc simple   "type = simple"
svc fork1    "type = daemon"  --fork 1
svc fork2    "type = forking" --fork 2
svc fork3    "type = daemon"  --fork 3
svc split    ""               --fork 2 --split
svc workers  ""               --fork 2 --workers 3
svc pidfile  "pidfile = \"$T/pf.pid\"" --fork 2 --workers 2 --pidfile "$T/pf.pid" --pidfile-delay 300
svc notify   "type = notify"  --notify
svc notifych "type = notify"  --fork 2 --notify-from-child
svc late     "type = notify"  --ready-delay 400 --notify
svc foregr   "type = daemon"
svc noforkexit "type = daemon" --exit-after 0 --serve-once
svc badparent "type = daemon" --fork 2 --parent-exit 3
svc nonotify "type = notify"
svc shortlived "" --fork 2 --exit-after 300
svc quick    "" --fork 2 --serve-once
svc always   "restart = always
    start-limit-burst = 100" --fork 2 --exit-after 300
svc crash    "start-limit-burst = 3
    start-limit-interval = 10" --crash
svc stubborn "stop-timeout = 1" --fork 2 --ignore-term --workers 1
svc supkill  "" --fork 2 --workers 2
for i in $(seq 1 20); do
	svc "par$i" "" --fork 2 --workers 1
done
# A daemon whose pidfile names a process outside its tree (SEC-10).
conf+="service badpid {
    listen  = { \"tcp://127.0.0.1:${ports[$n]}\" }
    command = \"/bin/sh -c 'echo 1 >$T/bad.pid; sleep 60 & exit 0'\"
    pidfile = \"$T/bad.pid\"
    start-timeout = 2
}
"
PORT_badpid=${ports[$n]}
n=$((n + 1))

activator_start <<<"$conf" || bail "activator did not start"

# Readiness by type: ready, and main_pid is the daemon's own pid.
for s in simple fork1 fork2 fork3 split workers pidfile notify notifych late; do
	reply=$(hit "$s")
	wait_file "$T/$s.pid" 5
	wait_state "$s" running 5
	pid=$(cat "$T/$s.pid" 2>/dev/null)
	is "$(svc_field "$s" state) $(svc_field "$s" main_pid)" "running $pid" \
	    "$s: ready and main_pid is the daemon's pid"
	is "$reply" "OK $pid" "$s: the first client was answered by it"
done
like "$(svc_field fork1 ready_time)" '^0\.[1-9]' \
    "fork1: a session leader is ready only after the settle time"
# No settle time for a double fork: readiness is reported right after the
# main process, not 200 ms later (a loaded machine may delay both).
log_ms() {	# the time of the first log line matching $1, in ms
	grep -m1 "$1" "$LOG" | awk '{ split($1, t, /[:.]/);
	    print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }'
}
f2main=$(log_ms 'fork2: main process is now')
f2ready=$(log_ms 'fork2: ready, main pid')
ok "fork2: ready as soon as the double fork is complete" \
    test -n "$f2ready" -a -n "$f2main" -a "$((f2ready - f2main))" -lt 100
pids=$(svc_field workers pids)
is "$(echo "$pids" | tr -cd ',' | wc -c)" 3 "workers: status lists the daemon and its 3 workers"

# 20 services double-fork in the same instant: every main pid is right.
jobs=()
for i in $(seq 1 20); do hit "par$i" >"$T/par$i.reply" & jobs+=($!); done
wait "${jobs[@]}"
good=0
for i in $(seq 1 20); do
	wait_state "par$i" running 10
	pid=$(cat "$T/par$i.pid")
	if [ "$(svc_field "par$i" main_pid)" = "$pid" ] &&
	    [ "$(cat "$T/par$i.reply")" = "OK $pid" ]; then
		good=$((good + 1))
	else
		diag "par$i: state $(svc_field "par$i" state) main_pid" \
		    "$(svc_field "par$i" main_pid), pid-out $pid, reply" \
		    "$(cat "$T/par$i.reply")"
	fi
done
is "$good" 20 "20 services daemonizing at once: each main pid attributed to its service"
others=0
for i in $(seq 2 20); do
	case " $(svc_field par1 pids | tr -d '[],') " in
	*" $(cat "$T/par$i.pid") "*) others=$((others + 1)) ;;
	esac
done
is "$others" 0 "par1's pids hold no process of another service"

# Failures, each naming what happened and which type fits.
jobs=()
for s in foregr noforkexit badparent nonotify; do
	hit "$s" >/dev/null 2>&1 &
	jobs+=($!)
done
wait "${jobs[@]}"
for s in foregr noforkexit badparent nonotify; do
	wait_for "$s fails" 8 grep -q "$s: start failed" "$LOG"
done
like "$(grep 'foregr: start failed' "$LOG")" 'did not exit \(type = simple fits' \
    "a daemon that stays in the foreground: start-timeout, and type = simple is named"
like "$(grep 'noforkexit: start failed' "$LOG")" 'did not daemonize \(type = simple fits' \
    "exit 0 without forking: 'did not daemonize'"
like "$(grep 'badparent: start failed' "$LOG" | head -1)" 'exited with status 3' \
    "a launched process that forks but exits 3 fails the start"
like "$(grep 'nonotify: start failed' "$LOG" | head -1)" 'no READY=1' \
    "type = notify without READY=1 fails after start-timeout"
like "$(svc_field foregr last_error)" 'type = simple' "status shows the last error"

# A pidfile naming a process outside the service's tree is rejected.
"$HELPERS/tclient" -t 1 "tcp://127.0.0.1:$PORT_badpid" >/dev/null 2>&1
wait_for "badpid fails" 6 grep -q 'badpid: start failed' "$LOG"
like "$(grep 'badpid: pidfile' "$LOG" | head -1)" 'pid 1 is not a process of this service' \
    "a pidfile naming pid 1 is rejected and logged"
like "$(grep 'badpid: start failed' "$LOG" | head -1)" 'no valid pid in the pidfile' \
    "... and the start fails after start-timeout"
wait_for "badpid held off" 5 grep -q 'badpid: stopping -> failed' "$LOG"
ok "the start failed: the service is held off" \
    grep -q 'badpid: stopping -> failed' "$LOG"

# A daemon that exits soon after readiness: back to listening, exit recorded.
hit shortlived >/dev/null
wait_state shortlived listening 5
is "$(svc_field shortlived state) $(svc_field shortlived last_exit)" \
    "listening {'code': 0}" "a daemon that exits 0: listening again, last_exit code 0"
hit shortlived >/dev/null
is "$(svc_field shortlived activations)" 2 "... and the next client activates it again"

# A daemon that serves one client and is gone before it could be seen:
# it did daemonize, so this is a start that ended, not a failure.
for i in 1 2 3 4 5; do
	like "$(hit quick)" '^OK [0-9]+$' "quick: served ($i)"
	wait_state quick listening 5
done
nok "quick: no start counted as failed" grep -q 'quick: start failed' "$LOG"
is "$(svc_field quick last_exit)" "{'code': 0}" "quick: last_exit code 0"

# restart = always: started again at once without any client.
hit always >/dev/null
wait_for "always restarted" 5 grep -q 'always: starting (restart policy)' "$LOG"
ok "restart = always starts the daemon again by itself" \
    grep -q 'always: starting (restart policy)' "$LOG"

# Crash loop: a client every 100 ms for 3 s; starts are held off.
for i in $(seq 1 30); do
	"$HELPERS/tclient" -t 0.1 "tcp://127.0.0.1:$(port crash)" >/dev/null 2>&1
done
starts=$(grep -c 'crash: starting (' "$LOG")
ok "crash loop: $starts starts in 3 s, not a tight loop (<= 5)" test "$starts" -le 5
wait_state crash failed 5
is "$(svc_field crash state)" failed "the crashing service is failed (held off)"
like "$(grep 'crash: holding off' "$LOG" | head -1)" 'holding off for 1 s' \
    "the hold-off is logged"

# kill -9 of the main process: the workers go too, then a new activation.
wpid=$(cat "$T/workers.pid")
before=$(svc_field workers pids | tr -d '[],')
kill -KILL "$wpid"
wait_state workers listening 5
left=0
for p in $before; do proc_alive "$p" && left=$((left + 1)); done
is "$left" 0 "kill -9 of the main process: every worker is stopped"
rm -f "$T/workers.pid"
reply=$(hit workers)
wait_file "$T/workers.pid" 5
is "$reply" "OK $(cat "$T/workers.pid")" "the next client re-activates the service"

# A daemon that ignores SIGTERM is killed after stop-timeout.
hit stubborn >/dev/null
wait_state stubborn running 5
spids=$(svc_field stubborn pids | tr -d '[],')
ok "activatorctl stop" ctl stop stubborn
wait_state stubborn stopped 5
left=0
for p in $spids; do proc_alive "$p" && left=$((left + 1)); done
is "$left" 0 "stop: a daemon ignoring SIGTERM is gone after stop-timeout"
like "$(svc_field stubborn last_exit)" "KILL" "... killed by SIGKILL"
nok "a stopped service refuses clients" "$HELPERS/tclient" -t 1 "tcp://127.0.0.1:$(port stubborn)"
ok "activatorctl start" ctl start stubborn
wait_state stubborn running 5
is "$(svc_field stubborn state)" running "start launches it again at once"

# Signals aimed at a supervisor never reach the core (FLT-21).
hit supkill >/dev/null
wait_state supkill running 5
sup=$(ps -o ppid= -p "$(cat "$T/supkill.pid")" | tr -d ' ')
kill -HUP "$sup"
sleep 0.3
nok "SIGHUP to a supervisor does not reload activator" grep -q reloading "$LOG"
ok "activator still answers" ctl ping
# kill -9 the supervisor (FLT-13): its orphans are stopped, service down.
spids=$(svc_field supkill pids | tr -d '[],')
kill -KILL "$sup"
wait_state supkill listening 5
wait_for "orphans gone" 5 _a_gone $spids
ok "kill -9 of a supervisor: the service's orphans are stopped" _a_gone $spids
rm -f "$T/supkill.pid"
reply=$(hit supkill)
wait_file "$T/supkill.pid" 5
is "$reply" "OK $(cat "$T/supkill.pid")" "... and the next client re-activates it"

# SIGTERM to activator: nothing of any service survives.
all=$(ctl -j list | python3 -c '
import json, sys
print(" ".join(str(p) for s in json.load(sys.stdin)["services"] for p in s["pids"]))')
activator_stop
is "$AEXIT" 0 "SIGTERM: activator exits 0"
left=0
for p in $all; do proc_alive "$p" && left=$((left + 1)); done
is "$left" 0 "SIGTERM: no process of any service survives"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies

# SIGKILL to activator: each supervisor sees EOF and stops its tree.
activator_start <<<"$conf" || bail "activator did not restart"
for s in fork2 workers split; do hit "$s" >/dev/null; done
for s in fork2 workers split; do wait_state "$s" running 5; done
all=$(ctl -j list | python3 -c '
import json, sys
print(" ".join(str(p) for s in json.load(sys.stdin)["services"] for p in s["pids"]))')
kill -KILL "$APID"
wait "$APID"
APID=
wait_for "trees stopped" 8 _a_gone $all
ok "SIGKILL of activator: every service tree is stopped by its supervisor" _a_gone $all
ok "no leftover process" no_leftovers
done_testing
