#!/bin/bash
# SPDX-License-Identifier: ISC
# failinject.sh -- a credential drop that fails means no exec (SEC-04):
# with setgroups, setgid or setuid made to fail by an LD_PRELOAD shim,
# the service's program never runs, and the failure names the call.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"
need_root

# The shim comes before the sanitizer runtime in a sanitizer build.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
chmod 0711 "$T"
install -d -o nobody -m 0700 "$T/nobody"
for call in setgroups setgid setuid; do
	read -r P1 P2 <<<"$(free_port -n 2 | tr '\n' ' ')"
	conf="service drop {
    listen  = { \"tcp://127.0.0.1:$P1\" }
    command = \"$HELPERS/fakedaemon listen-fds --tag $T --report $T/nobody/$call.report\"
    type    = simple
    user    = nobody
}
service inst {
    listen  = { \"tcp://127.0.0.1:$P2\" }
    command = \"$HELPERS/fakedaemon nowait --tag $T --report $T/nobody/$call.inst\"
    accept  = yes
    user    = nobody
}"
	LD_PRELOAD="$HELPERS/failinject.so" FAILINJECT=$call \
	    activator_start <<<"$conf" || bail "activator did not start"
	"$HELPERS/tclient" -t 2 "tcp://127.0.0.1:$P1" >/dev/null 2>&1
	wait_for "$call failure logged" 5 grep -q "drop: start failed" "$LOG"
	like "$(grep 'drop: start failed' "$LOG" | tail -1)" \
	    "$call failed: Operation not permitted" \
	    "$call fails: the start fails and names the call"
	nok "... the program never ran" test -e "$T/nobody/$call.report"
	nok "accept = yes: no reply when $call fails" \
	    "$HELPERS/tclient" -t 2 "tcp://127.0.0.1:$P2"
	like "$(grep 'inst: cannot start an instance' "$LOG" | tail -1)" \
	    "$call failed: Operation not permitted" "... and the log names the call"
	nok "... and the instance never ran" test -e "$T/nobody/$call.inst"
	activator_stop
	is "$AEXIT" 0 "activator exits 0"
done
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
