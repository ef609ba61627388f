#!/bin/bash
# SPDX-License-Identifier: ISC
# clockjump.sh -- FLT-12: the wall clock jumps (libfaketime preloaded
# into activator only, realtime moved by +1 h and -1 h through its
# timestamp file, CLOCK_MONOTONIC left alone) and no timeout, hold-off or
# start limit changes. Each check would fail if activator (or libevent
# under it) measured an interval with CLOCK_REALTIME: a start-timeout
# neither fires an hour late after -1 h nor at once after +1 h; a
# hold-off is not cut short by +1 h; +1 h does not empty the start-limit
# window and -1 h does not keep old starts in it. Bounds are generous:
# "not early" and "not an hour late".
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

FT=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
	[ -f "$f" ] && { FT=$f; break; }
done
[ -n "$FT" ] || skip_all "libfaketime not installed (apt-get install faketime)"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
F="$HELPERS/fakedaemon"
read -r P1 P2 P3 P4 P5 <<<"$(free_port -n 5 | tr '\n' ' ')"
echo "+0" >"$T/faketime"

jump() {	# OFFSET: activator's wall clock is now real time + OFFSET s
	echo "$1" >"$T/faketime.tmp" && mv "$T/faketime.tmp" "$T/faketime"
}
now_ms() { _a_now_ms; }
# Seconds activator's wall clock is ahead of ours, from the last line of
# its log that matches REGEX (its time of day against ours, mod 1 day).
log_offset() {
	local t ours
	t=$(grep -E "$1" "$LOG" | tail -1 | cut -c1-8)
	ours=$(date +%s)
	[ -n "$t" ] || return 1
	IFS=: read -r h m s <<<"$t"
	local theirs=$((10#$h * 3600 + 10#$m * 60 + 10#$s))
	local mine=$(( (ours - $(date -d "$(date +%F) 00:00" +%s)) ))
	echo $(( ( (theirs - mine) % 86400 + 86400 + 43200) % 86400 - 43200 ))
}
logged() { grep -Eq "$1" "$LOG"; }
# At least N lines of the log match REGEX (evaluated at each poll).
logged_n() { [ "$(grep -Ec "$2" "$LOG")" -ge "$1" ]; }

LD_PRELOAD=$FT FAKETIME_TIMESTAMP_FILE=$T/faketime FAKETIME_NO_CACHE=1 \
    FAKETIME_DONT_FAKE_MONOTONIC=1 activator_start <<EOF2 || bail "activator did not start"
service late {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$F listen-fds --tag $T --report $T/late.report"
    type    = notify
    start-timeout = 3
}
service early {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "$F listen-fds --tag $T"
    type    = notify
    start-timeout = 3
}
service window {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$F listen-fds --tag $T --serve-once"
    type    = simple
    start-limit-burst = 2
    start-limit-interval = 60
}
service expire {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$F listen-fds --tag $T --serve-once"
    type    = simple
    start-limit-burst = 2
    start-limit-interval = 3
}
service crashy {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "$F listen-fds --tag $T --crash"
    type    = daemon
    restart = always
}
EOF2

# The start-timeout of a daemon that is never ready, across a jump back.
"$HELPERS/tclient" -t 30 "tcp://127.0.0.1:$P1" >/dev/null 2>&1 &
wait_for "late starting" 5 logged 'late: starting' || bail "late did not start"
t0=$(now_ms)
jump -3600
wait_for "late's start-timeout" 40 logged 'late: start failed: not ready within 3 s'
dt=$(($(now_ms) - t0))
diag "late: start-timeout after $dt ms"
ok "-1 h: a 3 s start-timeout fires, not an hour late ($dt ms)" \
    test "$dt" -lt 25000
ok "... and not early" test "$dt" -ge 2500
off=$(log_offset 'late: start failed')
diag "activator's clock: ${off}s off"
ok "... the jump was real: activator's wall clock is 1 h behind" \
    test "${off:-0}" -le -3500 -a "${off:-0}" -ge -3700
ok "... and the preload did not reach the service" \
    test -s "$T/late.report" -a -z "$(grep -E '^env\.(LD_PRELOAD|FAKETIME)' "$T/late.report")"

# The same forward: a realtime deadline would be past at once.
jump +0
"$HELPERS/tclient" -t 30 "tcp://127.0.0.1:$P2" >/dev/null 2>&1 &
wait_for "early starting" 5 logged 'early: starting' || bail "early did not start"
t0=$(now_ms)
jump +3600
wait_for "early's start-timeout" 40 logged 'early: start failed: not ready within 3 s'
dt=$(($(now_ms) - t0))
diag "early: start-timeout after $dt ms"
ok "+1 h: a 3 s start-timeout does not fire early ($dt ms)" \
    test "$dt" -ge 2500 -a "$dt" -lt 25000
off=$(log_offset 'early: start failed')
ok "... the jump was real: activator's wall clock is 1 h ahead" \
    test "${off:-0}" -ge 3500 -a "${off:-0}" -le 3700

# Start limits: two starts within 60 s, then +1 h: a third start is
# still over the limit (a realtime window would have emptied).
jump +0
for i in 1 2; do
	like "$("$HELPERS/tclient" -t 5 "tcp://127.0.0.1:$P3" 2>&1)" '^OK' \
	    "window: start $i served"
	# Each start must have ended before the next one.
	wait_for "window exit $i" 5 logged_n "$i" 'window: main process .* exited' 
done
jump +3600
"$HELPERS/tclient" -t 3 "tcp://127.0.0.1:$P3" >/dev/null 2>&1
ok "+1 h: the third start within 60 s is over the start limit" \
    wait_for "window held off" 5 logged 'window: started 2 times in 60 s'

# Two starts, then -1 h and the 3 s window passes: the next start is
# allowed (a realtime window would keep the old starts for an hour).
jump +0
for i in 1 2; do
	like "$("$HELPERS/tclient" -t 5 "tcp://127.0.0.1:$P4" 2>&1)" '^OK' \
	    "expire: start $i served"
	wait_for "expire exit $i" 5 logged_n "$i" 'expire: main process .* exited' 
done
jump -3600
sleep 3.5
like "$("$HELPERS/tclient" -t 10 "tcp://127.0.0.1:$P4" 2>&1)" '^OK' \
    "-1 h: once the 3 s window has passed, a third start is allowed"
nok "... with no start-limit hold-off" logged 'expire: started 2 times'

# A hold-off is not cut short: crashy fails every start, into hold-offs
# of 1, 2, 4 s; +1 h during the 4 s one.
jump +0
"$HELPERS/tclient" -t 2 "tcp://127.0.0.1:$P5" >/dev/null 2>&1
wait_for "crashy's 4 s hold-off" 30 logged 'crashy: holding off for 4 s' ||
    bail "crashy never held off for 4 s"
t0=$(now_ms)
jump +3600
n=$(grep -c 'crashy: hold-off over' "$LOG")
wait_for "crashy's hold-off to end" 30 logged_n $((n + 1)) 'crashy: hold-off over' 
dt=$(($(now_ms) - t0))
diag "crashy: 4 s hold-off over after $dt ms"
ok "+1 h: a 4 s hold-off is not cut short ($dt ms)" \
    test "$dt" -ge 3500 -a "$dt" -lt 25000

jump +0
activator_stop
is "$AEXIT" 0 "activator exits 0"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
