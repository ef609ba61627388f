#!/bin/bash
# SPDX-License-Identifier: ISC
# spare.sh -- the spare supervisor (issue 14, cold activation): activator
# keeps one idle supervisor forked ahead of need and hands it the next
# service to start. The spare holds no socket and is in no service's
# pids; it becomes the supervisor of the service activated next and is
# replaced; a SIGKILLed spare is replaced and nothing breaks; a reload
# replaces it and services it added start under the new one; activator
# -t makes none; shutdown reaps it.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 P3 <<<"$(free_port -n 3 | tr '\n' ' ')"
F="$HELPERS/fakedaemon"
TC="$HELPERS/tclient"

conf() {
	cat <<EOF
service lf {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$F listen-fds --tag $T"
    type    = simple
}
service inst {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "/bin/sh -c 'echo hi'"
    accept  = yes
}
EOF
}

# The pid of activator's spare supervisor (empty if none).
spare() {
	ps -o pid=,stat=,comm= --ppid "$APID" |
	    awk '$3 == "sup-spare" && $2 !~ /^Z/ { print $1 }'
}
has_spare() { [ -n "$(spare)" ]; }
new_spare() { local s; s=$(spare); [ -n "$s" ] && [ "$s" != "$1" ]; }
# The supervisor pid activator logged for service $1's last start.
sup_of() {
	grep -Eo "$1: starting \([^)]*\), supervisor pid [0-9]+" "$LOG" |
	    tail -n1 | sed 's/.*pid //'
}

activator_start < <(conf) || bail "activator did not start"

ok "a spare supervisor is forked after start-up" \
    wait_for "a spare" 10 has_spare
s1=$(spare)
is "$(spare | wc -l)" 1 "only one"
ok "it holds none of the service's listening sockets" \
    bash -c "! ss -ltnpH 'sport = :$P1' | grep -q 'pid=$s1,'"
ok "it is in no service's pids" \
    bash -c "! '$ACTIVATORCTL' -s '$CTL' -j status | grep -Eq '[^0-9]$s1[^0-9]'"

like "$("$TC" "tcp://127.0.0.1:$P1")" '^OK' "a LISTEN_FDS service activates"
is "$(sup_of lf)" "$s1" "... under the spare, now its supervisor"
is "$(cat /proc/"$s1"/comm 2>/dev/null)" "sup:lf" "... named as its service's"
ok "a new spare is forked after the spare is used" \
    wait_for "a new spare" 10 new_spare "$s1"
s2=$(spare)

is "$("$TC" "tcp://127.0.0.1:$P2")" hi "an accept = yes service serves"
is "$(sup_of inst)" "$s2" "... under the next spare"
wait_for "a new spare" 10 new_spare "$s2"
s3=$(spare)

kill -KILL "$s3"
ok "a SIGKILLed spare is replaced" wait_for "a replacement" 10 new_spare "$s3"
ok "... with a line in the log" grep -q "spare supervisor $s3 ended (signal 9): replacing it" "$LOG"
ok "... and was reaped" bash -c "! grep -q '^State:.*Z' /proc/$s3/status 2>/dev/null"
s4=$(spare)
ctl stop lf >/dev/null
ctl start lf >/dev/null
like "$("$TC" "tcp://127.0.0.1:$P1")" '^OK' "the service activates again"
is "$(sup_of lf)" "$s4" "... under the replacement"
wait_for "a new spare" 10 new_spare "$s4"
s5=$(spare)

# A reload: the spare knows the configs as of its fork, so it is
# replaced, and a service the reload added starts under the new one.
{ conf; cat <<EOF
service added {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$F listen-fds --tag $T"
    type    = simple
}
EOF
} >"$T/activator.conf"
ok "reload" ctl reload
ok "a reload replaces the spare" wait_for "a new spare" 10 new_spare "$s5"
s6=$(spare)
like "$("$TC" "tcp://127.0.0.1:$P3")" '^OK' "a service the reload added activates"
is "$(sup_of added)" "$s6" "... under the spare forked after the reload"
ok "its status is right" bash -c "'$ACTIVATORCTL' -s '$CTL' status added | grep -q running"
ctl stop added >/dev/null

# activator -t forks nothing, spare or other.
"$ACTIVATOR" -t -f "$T/activator.conf" >/dev/null
is "$?" 0 "activator -t checks the config"
nspare=0
for d in /proc/[0-9]*; do
	[ "$(cat "$d/comm" 2>/dev/null)" = sup-spare ] || continue
	tr '\0' '\n' <"$d/cmdline" 2>/dev/null | grep -qx -- -t &&
	    nspare=$((nspare + 1))
done
is "$nspare" 0 "activator -t makes no spare"

wait_for "a spare" 10 has_spare
last=$(spare)
activator_stop
is "$AEXIT" 0 "activator stops"
ok "the spare is gone at shutdown" bash -c "! test -e /proc/$last"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
