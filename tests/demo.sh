#!/bin/bash
# SPDX-License-Identifier: ISC
# demo.sh -- the README's walk-through on the example configuration
# (conf/activator.conf, made by make) and the demo daemon: a connection
# starts activator-demo, which double-forks; status shows the pid it ended
# as; killed, it comes back at the next connection.  The daytime and echo
# services of the example answer too.  The example's ports are replaced by
# free ones, and the demo gets a pidfile in $T (-p), which also marks its
# command line as this test's.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

EXAMPLE=$top_builddir/conf/activator.conf
[ -f "$EXAMPLE" ] || bail "$EXAMPLE is missing: run make first"
read -r PD PT PE <<<"$(free_port -n 3 | tr '\n' ' ')"
activator_start < <(sed -e "s/:7070\"/:$PD\"/" -e "s/:13013\"/:$PT\"/g" \
    -e "s/:7007\"/:$PE\"/" \
    -e "s|^\( *command = \"\)\(.*activator-demo'\{0,1\}\)\"|\1\2 -p $T/demo.pid\"|" \
    "$EXAMPLE") || bail "activator did not start"
ok "the example's demo service has the pidfile option" \
    grep -q -- "-p $T/demo.pid\"" "$T/activator.conf"

is "$(svc_field demo state) $(svc_field demo main_pid)" "listening None" \
    "nothing runs before the first connection"

# 1. connect, and the daemon starts.
out=$("$HELPERS/tclient" "tcp://127.0.0.1:$PD")
like "$out" '^activator-demo: pid [0-9]+, parent [0-9]+, connection 1$' \
    "1. a connection starts the demo daemon, which answers"
pid=$(sed -E 's/^activator-demo: pid ([0-9]+),.*/\1/' <<<"$out")
parent=$(sed -E 's/.*, parent ([0-9]+),.*/\1/' <<<"$out")
launched=$(sed -nE 's/.*demo: launched pid ([0-9]+).*/\1/p' "$LOG" | tail -n 1)
ok "it double-forked: the launched process $launched is not the daemon $pid" \
    test -n "$launched" -a "$launched" != "$pid"
wait_state demo running 5

# 2. status shows its real main pid.
is "$(svc_field demo main_pid)" "$pid" "2. status: main pid is the daemon's own pid"
is "$(ctl status demo | sed -n 's/^  main pid: //p')" "$pid" \
    "... as activatorctl status prints it"
is "$(_a_ppid "$pid")" "$parent" "its parent is the one it reports"
is "$(tr -d '\n' <"$T/demo.pid")" "$pid" "the pidfile names it too (-p)"

# 3. kill it.
kill -KILL "$pid"
wait_state demo listening 5
is "$(svc_field demo last_exit)" "{'signal': 'KILL'}" "3. killed: activator saw it die"
nok "the dead daemon is reaped" proc_alive "$pid"

# 4. the next connection brings it back.
out=$("$HELPERS/tclient" "tcp://127.0.0.1:$PD")
like "$out" '^activator-demo: pid [0-9]+, parent [0-9]+, connection 1$' \
    "4. the next connection starts it again"
pid2=$(sed -E 's/^activator-demo: pid ([0-9]+),.*/\1/' <<<"$out")
ok "... as a new process" test "$pid2" != "$pid"
wait_state demo running 5
is "$(svc_field demo main_pid) $(svc_field demo activations)" "$pid2 2" \
    "status: the new main pid, a second activation"

# The example's classic inetd services.
like "$("$HELPERS/tclient" -s "" -S "tcp://127.0.0.1:$PT")" \
    '^[A-Z][a-z]{2} [A-Z][a-z]{2} .*UTC [0-9]{4}$' "daytime answers with the date"
is "$("$HELPERS/tclient" -s "hello demo
" "tcp://127.0.0.1:$PE")" "hello demo" "echo echoes"

activator_stop
is "$AEXIT" 0 "activator stops cleanly"
nok "the demo daemon was stopped with activator" proc_alive "$pid2"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
