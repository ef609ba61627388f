# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The activator authors
#
# tap.sh -- TAP output for shell tests, read by automake's tap-driver.sh.
# Source it, then:
#   plan N                    announce N tests (or call done_testing at the end)
#   ok DESC CMD...            pass if CMD exits 0
#   nok DESC CMD...           pass if CMD exits non-zero
#   is GOT EXPECTED DESC      pass if the strings are equal
#   like GOT REGEX DESC       pass if GOT matches the extended regex
#   pass DESC / fail DESC     record a result decided by the caller
#   skip DESC REASON          a test that could not run here
#   diag MSG                  a "# MSG" comment line
#   skip_all REASON           "1..0 # SKIP REASON", exit 0
#   bail MSG                  "Bail out! MSG", exit 1
#   done_testing              print the plan if none was given; exit status
#                             1 if any test failed (call it last)
# Each check returns 0 if it passed, 1 if not, so do not run tests under
# "set -e".  A CMD's stdout goes to stderr, where it cannot be taken for TAP.

_tap_n=0		# tests run so far
_tap_failed=0		# of which failed
_tap_plan=		# N once "plan N" was printed

plan() {
	_tap_plan=$1
	echo "1..$1"
}

# Print each line of the arguments as a TAP comment.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

_tap_result() {	# STATUS DESC [DIRECTIVE]
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2${3:+ # $3}"
		return 0
	fi
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $2"
	diag "  Failed test '$2'"
	return 1
}

pass() {
	_tap_result 0 "$1"
}

fail() {
	_tap_result 1 "$1"
}

ok() {
	local desc=$1 st
	shift
	"$@" >&2
	st=$?
	_tap_result "$st" "$desc" || { diag "  '$*' exited $st"; return 1; }
}

nok() {
	local desc=$1
	shift
	if "$@" >&2; then
		_tap_result 1 "$desc"
		diag "  '$*' succeeded but should have failed"
		return 1
	fi
	_tap_result 0 "$desc"
}

is() {
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
		return
	fi
	_tap_result 1 "$3"
	diag "         got: '$1'"
	diag "    expected: '$2'"
	return 1
}

like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_tap_result 0 "$3"
		return
	fi
	_tap_result 1 "$3"
	diag "         got: '$1'"
	diag "  should match: /$2/"
	return 1
}

skip() {
	_tap_result 0 "$1" "SKIP $2"
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	if [ -z "$_tap_plan" ]; then
		echo "1..$_tap_n"
	elif [ "$_tap_plan" -ne "$_tap_n" ]; then
		diag "planned $_tap_plan tests but ran $_tap_n"
		exit 1
	fi
	[ "$_tap_failed" -eq 0 ] || diag "failed $_tap_failed of $_tap_n tests"
	exit $((_tap_failed > 0))
}
