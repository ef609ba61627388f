#!/bin/bash
# SPDX-License-Identifier: ISC
# startup-fail.sh -- start-up that fails (an address in use, a symlink or
# a missing directory at a unix path, a bad status socket, a service that
# fails after others opened their sockets) exits 1 with a message naming
# the cause, leaves no socket and no process behind, and, in the
# sanitizer build, frees everything: LeakSanitizer and UBSan stay silent.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

# The sanitizer build's activator reports leaks at exit when asked to.
san=0
if grep -q __asan_init "$ACTIVATOR" 2>/dev/null; then
	san=1
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:exitcode=23"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1"
fi
diag "sanitizer build: $san"

read -r P1 P2 P3 <<<"$(free_port -n 3 | tr '\n' ' ')"
F="$HELPERS/fakedaemon"

# A running activator holds P1 and its status socket.
activator_start <<EOF2 || bail "activator did not start"
service holder {
    listen  = { "tcp://127.0.0.1:$P1", "udp://127.0.0.1:$P1" }
    command = "$F listen-fds --tag $T"
    type    = simple
}
EOF2

# try NAME STATUS-SOCKET CONFIG-TEXT EXPECTED-REGEX: run a second
# activator into the failure.
try() {
	local name=$1 sock=$2 conf=$3 want=$4 out st
	printf '%s\n' "$conf" >"$T/$name.conf"
	out=$(timeout 10 "$ACTIVATOR" -n -f "$T/$name.conf" -s "$sock" \
	    </dev/null 2>&1)
	st=$?
	is "$st" 1 "$name: exit status 1"
	like "$out" "$want" "$name: the message names the cause"
	if [ "$san" = 1 ]; then
		nok "$name: no sanitizer report" grep -Eq \
		    'LeakSanitizer|AddressSanitizer|runtime error' <<<"$out"
	else
		skip "$name: no sanitizer report" "not the sanitizer build"
	fi
	[ "$st" = 1 ] || diag "$out"
}

svc() {	# NAME ADDRESS
	printf 'service %s {\n    listen  = { "%s" }\n    command = "%s listen-fds --tag %s"\n    type    = simple\n}\n' \
	    "$1" "$2" "$F" "$T"
}

try inuse "$T/b.sock" "$(svc a "unix:$T/a1.sock"; svc b "tcp://127.0.0.1:$P2"; svc c "tcp://127.0.0.1:$P1")" \
    "c: bind tcp://127.0.0.1:$P1: Address already in use"
nok "... the sockets opened before were removed" test -e "$T/a1.sock"
nok "... and none is left listening" grep -q ":$(printf '%04X' "$P2") " \
    <(awk '$4 == "0A"' /proc/net/tcp)

echo victim >"$T/victim"
ln -s "$T/victim" "$T/link.sock"
try symlink "$T/b.sock" "$(svc a "tcp://127.0.0.1:$P2"; svc b "unix:$T/link.sock")" \
    "link.sock is a symbolic link, not a socket: refusing to replace it"
is "$(cat "$T/victim")" victim "... the symlink's target is untouched"
ok "... and the symlink is still there" test -L "$T/link.sock"

try nodir "$T/b.sock" "$(svc a "tcp://127.0.0.1:$P2"; svc b "unix:$T/nodir/x.sock")" \
    "b: bind unix:$T/nodir/x.sock: No such file or directory"

try udp-inuse "$T/b.sock" "$(svc a "tcp://127.0.0.1:$P2"; svc b "tcp://127.0.0.1:$P3"; svc c "udp://127.0.0.1:$P1")" \
    "c: bind udp://127.0.0.1:$P1: Address already in use"

try status-nodir "$T/nodir/ctl.sock" "$(svc a "tcp://127.0.0.1:$P2")" \
    "status socket $T/nodir/ctl.sock: .*No such file or directory"
try status-symlink "$T/link.sock" "$(svc a "tcp://127.0.0.1:$P2")" \
    "status socket $T/link.sock: .*symbolic link"
try status-inuse "$CTL" "$(svc a "tcp://127.0.0.1:$P2")" \
    "status socket $CTL: "
ok "... the running activator still answers" ctl ping
try conf-error "$T/b.sock" "$(svc a "tcp://127.0.0.1:$P2"; echo 'bogus = 1')" \
    "$T/conf-error.conf:6: no such option 'bogus'"
nok "no status socket left by the failed starts" test -e "$T/b.sock"

activator_stop
is "$AEXIT" 0 "the running activator stops cleanly"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
