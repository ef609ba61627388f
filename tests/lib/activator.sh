# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The activator authors
#
# activator.sh -- integration harness, sourced by every shell test after
# tap.sh (bash).  It gives each test a private directory $T, starts and
# stops a foreground activator on a private status socket, and checks that
# nothing the test started is left behind.  Every wait is bounded.
#
# By hand: top_builddir=/path/to/build bash tests/some-test.sh
# KEEP_T=1 (or ACTIVATOR_KEEP=1) keeps $T and the log for a post-mortem.
# VALGRIND=1 runs activator under valgrind (exit status 99 on errors).
#
# The EXIT trap belongs to the harness: a test that needs its own cleanup
# should call "cleanup" from its trap.

if [ -z "${top_srcdir:-}" ] || [ -z "${top_builddir:-}" ]; then
	_a_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	: "${top_srcdir:=$_a_top}" "${top_builddir:=$_a_top}"
fi
ACTIVATOR=$top_builddir/src/activator
ACTIVATORCTL=$top_builddir/src/activatorctl
HELPERS=$top_builddir/tests/helpers

T=$(mktemp -d /tmp/activator-test.XXXXXX) || bail "mktemp failed"
chmod 0700 "$T"
# Configs name the helpers in commands, which are split on blanks: they
# reach them through $T, whose name has none, wherever the build is.
ln -s "$HELPERS" "$T/helpers" || bail "cannot link $T/helpers"
HELPERS=$T/helpers
CTL=$T/ctl.sock
LOG=$T/activator.log
APID=		# activator's pid while it runs
AEXIT=		# its exit status once activator_stop has reaped it
: >"$T/.seen"	# every pid test_procs has reported (see no_zombies)

# Current time in milliseconds (bash 5 has $EPOCHREALTIME, no fork).
_a_now_ms() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		local t=${EPOCHREALTIME/[.,]/}
		echo $((10#$t / 1000))
	else
		date +%s%3N
	fi
}

# SECS (integer or decimal, e.g. 2 or 0.5) in milliseconds.
_a_ms() {
	local int=${1%%.*} frac=0
	case $1 in *.*) frac=${1#*.}000; frac=${frac:0:3} ;; esac
	echo $((10#${int:-0} * 1000 + 10#$frac))
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
}

# Print the name of a copy of program $1 that any user may execute.  The
# build tree may be where other users cannot go (a clone in /root, mode
# 0700), so a test that runs a program as another user runs this copy,
# in $T/exec (mode 0755; $T becomes 0711: others may pass, not list).
runnable_copy() {
	chmod 0711 "$T" &&
	    install -d -m 0755 "$T/exec" &&
	    install -m 0755 "$1" "$T/exec/" || return 1
	echo "$T/exec/${1##*/}"
}

free_port() {
	"$HELPERS/freeport" "$@"
}

# State letter of PID from /proc/PID/stat (empty if gone).  The command
# name may contain spaces and parentheses, so cut after the last ')'.
_a_state() {
	local line
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	echo "${line%% *}"
}

_a_ppid() {
	local line
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	line=${line#* }
	echo "${line%% *}"
}

# PID exists and has not exited (a zombie has exited).  /proc rather
# than kill -0, which fails on another user's process when not root.
proc_alive() {
	local st
	st=$(_a_state "$1") || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Poll CMD every 50 ms until it succeeds or SECS pass; return its last
# status.  DESC names what was awaited in the diagnostic on timeout.
# fd_table PID: the process's descriptors and what they are, one line,
# for a diagnostic when a count is wrong.
fd_table() {
	local f
	for f in /proc/"$1"/fd/*; do
		printf '%s=%s ' "${f##*/}" "$(readlink "$f" 2>/dev/null)"
	done
}

wait_for() {
	local desc=$1 end st
	end=$(($(_a_now_ms) + $(_a_ms "$2")))
	shift 2
	while :; do
		"$@"
		st=$?
		[ "$st" -eq 0 ] && return 0
		[ "$(_a_now_ms)" -ge "$end" ] && break
		sleep 0.05
	done
	diag "timed out waiting for $desc"
	return "$st"
}

wait_file() {
	wait_for "file $1" "${2:-10}" test -s "$1"
}

fd_count() {
	local fds=("/proc/$1/fd/"*)
	# -L, not -e: a socket's link target is no path.
	[ -L "${fds[0]}" ] || { echo 0; return; }
	echo "${#fds[@]}"
}

# Print the pids of live processes whose command line contains $T: what
# this test started (helpers get $T paths in their arguments, activator
# gets $T/activator.conf).  The test shell and its subshells are left
# out.  grep reads its pattern through a pipe so its own argv has no $T.
test_procs() {
	local f pid self me
	self=$(tr '\0' ' ' </proc/$$/cmdline)
	while read -r f; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = $$ ] && continue
		me=$(tr '\0' ' ' 2>/dev/null <"$f") || continue
		[ "$me" = "$self" ] && continue
		proc_alive "$pid" || continue
		echo "$pid"
		echo "$pid" >>"$T/.seen"
	done < <(grep -alsF -f <(printf '%s\n' "$T") /proc/[0-9]*/cmdline)
}

# Describe PIDs (one line each) as diagnostics.
_a_describe() {
	local pid
	for pid in "$@"; do
		diag "  pid $pid ppid $(_a_ppid "$pid") state $(_a_state "$pid"):" \
		    "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"
	done
}

_a_left=		# what _a_none_left found last

_a_none_left() {
	_a_left=$(test_procs)
	[ -z "$_a_left" ]
}

# Succeed when no process of this test is left, waiting up to 5 s.
no_leftovers() {
	wait_for "no leftover processes" 5 _a_none_left && return 0
	# shellcheck disable=SC2086
	_a_describe $_a_left
	return 1
}

_a_found=	# what _a_no_zombie found last

_a_no_zombie() {
	local parents seen f pid line st ppid
	parents=" $$ $APID $(test_procs | tr '\n' ' ') "
	seen=" $(tr '\n' ' ' <"$T/.seen") "
	_a_found=
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		pid=${line%% *}
		line=${line##*) }
		st=${line%% *}
		[ "$st" = Z ] || continue
		line=${line#* }
		ppid=${line%% *}
		case $parents in *" $ppid "*) _a_found="$_a_found $pid" ;; esac
		case $seen in *" $pid "*) _a_found="$_a_found $pid" ;; esac
	done
	[ -z "$_a_found" ]
}

# Succeed when no zombie remains that this test is responsible for: a
# Z-state process whose parent is the test shell ($$), activator ($APID)
# or any live process of the test (test_procs: e.g. a per-service
# supervisor), or a process test_procs once reported.  Waits up to 2 s,
# since reaping is asynchronous.  A zombie whose parent already exited is
# reparented and reaped by init, so it cannot be seen here.
no_zombies() {
	wait_for "zombies to be reaped" 2 _a_no_zombie && return 0
	# shellcheck disable=SC2086
	_a_describe $_a_found
	return 1
}

# Start activator on the config read from stdin; wait until it reports
# that every socket is bound.
activator_start() {
	local end skip pre=()
	cat >"$T/activator.conf"
	[ "${VALGRIND:-0}" = 1 ] &&
	    pre=(valgrind --error-exitcode=99 --leak-check=full --quiet)
	# A restarted activator must say it again: look past the old log.
	: >>"$LOG"
	skip=$(($(wc -c <"$LOG") + 1))
	"${pre[@]}" "$ACTIVATOR" -n -l debug -f "$T/activator.conf" \
	    -s "$CTL" "$@" </dev/null >>"$LOG" 2>&1 &
	APID=$!
	AEXIT=
	end=$(($(_a_now_ms) + 10000))
	while [ "$(_a_now_ms)" -lt "$end" ]; do
		tail -c "+$skip" "$LOG" |
		    grep -Eq 'running with [0-9]+ service' && return 0
		proc_alive "$APID" || break
		sleep 0.05
	done
	if proc_alive "$APID"; then
		diag "activator did not report running within 10 s; log:"
	else
		wait "$APID"
		AEXIT=$?
		diag "activator exited with status $AEXIT; log:"
		APID=
	fi
	diag "$(cat "$LOG")"
	return 1
}

# Stop activator: TERM, up to 10 s, then KILL.  Sets AEXIT.
activator_stop() {
	local end
	[ -n "$APID" ] || return 0
	kill -TERM "$APID" 2>/dev/null
	end=$(($(_a_now_ms) + 10000))
	while proc_alive "$APID" && [ "$(_a_now_ms)" -lt "$end" ]; do
		sleep 0.05
	done
	if proc_alive "$APID"; then
		diag "activator ignored SIGTERM for 10 s: SIGKILL"
		kill -KILL "$APID" 2>/dev/null
	fi
	wait "$APID"
	AEXIT=$?
	APID=
	return 0
}

ctl() {
	"$ACTIVATORCTL" -s "$CTL" "$@"
}

# Stop activator, then TERM and KILL (by pid) whatever the test left;
# keep $T if asked to, else remove it.  After a failure the end of the
# log is worth seeing.
cleanup() {
	activator_stop
	if ! _a_none_left; then
		# shellcheck disable=SC2086
		kill -TERM $_a_left 2>/dev/null
		# shellcheck disable=SC2086
		wait_for "test processes to exit" 3 _a_none_left >/dev/null ||
		    kill -KILL $_a_left 2>/dev/null
	fi
	if [ "${_tap_failed:-0}" -gt 0 ] && [ -s "$LOG" ]; then
		diag "last lines of $LOG:"
		diag "$(tail -n 50 "$LOG")"
	fi
	if [ "${KEEP_T:-${ACTIVATOR_KEEP:-0}}" = 1 ]; then
		diag "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# FIELD of service NAME from `activatorctl -j status NAME` (python3 repr:
# None, True, [1, 2], {'code': 0}).
svc_field() {
	ctl -j status "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["services"][0][sys.argv[1]])' "$2" 2>/dev/null
}

# Wait until service NAME is in STATE (bounded by SECS, default 10).
wait_state() {
	wait_for "$1 $2" "${3:-10}" _a_state_is "$1" "$2"
}
_a_state_is() {
	[ "$(svc_field "$1" state)" = "$2" ]
}

# Wait until FIELD of service NAME equals VALUE (bounded by SECS, default 10).
wait_field() {
	wait_for "$1 $2 = $3" "${4:-10}" _a_field_is "$1" "$2" "$3"
}
_a_field_is() {
	[ "$(svc_field "$1" "$2")" = "$3" ]
}
