#!/bin/bash
# SPDX-License-Identifier: ISC
# daemonize.sh -- without -n: activator goes to the background only once
# every socket is bound, so its exit status tells whether start-up worked;
# a relative -f keeps working for reloads after it changed directory.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 <<<"$(free_port -n 2 | tr '\n' ' ')"
cat >"$T/bg.conf" <<EOF
service inst {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$HELPERS/fakedaemon nowait --tag $T"
    accept  = yes
}
EOF
chmod 600 "$T/bg.conf"
cd "$T" || bail "cd $T"

"$ACTIVATOR" -f bg.conf -s "$T/bg.sock" 2>"$T/bg.err"
is "$?" 0 "in the background: exit 0 once started"
ok "it answers on its status socket" "$ACTIVATORCTL" -s "$T/bg.sock" ping
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P1")" '^OK' "and serves"
# Its pid: the process whose command line is exactly the one we ran and
# that is not one of its supervisors (forks of it, named sup:NAME) nor
# its spare supervisor (sup-spare).
want=$(printf '%s\0' "$ACTIVATOR" -f bg.conf -s "$T/bg.sock" | tr '\0' ' ')
bgpid=
for d in /proc/[0-9]*; do
	[ "$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null)" = "$want" ] || continue
	case $(cat "$d/comm" 2>/dev/null) in
	sup:inst|sup-spare) ;;
	*) bgpid=${d#/proc/} ;;
	esac
done
is "$(ps -o sid= -p "$bgpid" | tr -d ' ')" "$bgpid" "it leads its own session"

# The same port again: start-up fails, and the exit status says so.
"$ACTIVATOR" -f bg.conf -s "$T/bg2.sock" 2>"$T/bg2.err"
is "$?" 1 "a start-up failure in the background exits 1"
like "$(cat "$T/bg2.err")" "bind tcp://127.0.0.1:$P1: Address already in use" \
    "... with the reason on stderr"

# Reload after the daemon's chdir("/"): the relative -f still names bg.conf.
sed -i "s/$P1/$P2/" "$T/bg.conf"
ok "reload with a relative -f path" "$ACTIVATORCTL" -s "$T/bg.sock" reload
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P2")" '^OK' "the reloaded file is the one given"

_gone() { ! proc_alive "$bgpid"; }
kill -TERM "$bgpid"
wait_for "background activator gone" 10 _gone
ok "SIGTERM stops it" _gone
ok "no leftover process" no_leftovers
done_testing
