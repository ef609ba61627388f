#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The activator authors
#
# bench.sh -- activator against its peers, side by side, in one run:
# xinetd (installed from Debian's packages when missing and root) and a
# bare baseline (tests/bench/baseline.c: the same jobs with no super-server
# logic).  Prints one table, each figure as median (min-max) over repeated
# runs with its ratio to the baseline and to xinetd, then the project's
# aims and whether this run met them.  A benchmark, not a test: it asserts
# nothing about time; it fails only when it cannot measure.
#
# Run it with "make bench" (see tests/bench/README), or by hand:
#   top_builddir=/path/to/build bash tests/bench/bench.sh
# Environment knobs (defaults in brackets): BENCH_CONNS [2000] connections
# per throughput run, BENCH_REPEATS [3] runs of each throughput, warm
# and memory figure, BENCH_COLD_ROUNDS [20], BENCH_QUERY_RUNS [20] status
# queries, BENCH_RELOADS [10], BENCH_NO_XINETD=1 skips xinetd,
# BENCH_KEEP=1 keeps the private directory, BENCH_QUICK=1 is a smoke run,
# BENCH_SECTIONS [tput cold warm mem status proxy] runs only the sections named,
# BENCH_P99_CONNS [1000] connections per latency run of the status section.
# BENCH_PROXY_BYTES [1 GiB] per bulk run of the proxy section,
# BENCH_NO_PROXYD=1 skips systemd-socket-proxyd.
#
# Loopback only: every server listens on 127.0.0.1 ports from freeport
# and keeps its files in a private mktemp -d directory.  Every loop is
# bounded.  Only processes this script started are signalled, by pid.

set -u

if [ -z "${top_srcdir:-}" ] || [ -z "${top_builddir:-}" ]; then
	_b_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	: "${top_srcdir:=$_b_top}" "${top_builddir:=$_b_top}"
fi
ACTIVATOR=$top_builddir/src/activator
ACTIVATORCTL=$top_builddir/src/activatorctl
BIN=$top_builddir/tests/bench
LOADGEN=$BIN/loadgen
BASELINE=$BIN/baseline
ONELINE=$BIN/oneline
FREEPORT=$top_builddir/tests/helpers/freeport

CONNS=${BENCH_CONNS:-2000}
REPEATS=${BENCH_REPEATS:-3}
COLD_ROUNDS=${BENCH_COLD_ROUNDS:-20}
QUERY_RUNS=${BENCH_QUERY_RUNS:-20}
RELOADS=${BENCH_RELOADS:-10}
P99_CONNS=${BENCH_P99_CONNS:-1000}
SIZES="1 100 1000"
PROXY_BYTES=${BENCH_PROXY_BYTES:-1073741824}
SCALE_SVCS=300		# the status section's services, idle then running
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	CONNS=200 REPEATS=1 COLD_ROUNDS=3 QUERY_RUNS=3 RELOADS=2 P99_CONNS=100
	PROXY_BYTES=67108864
fi
SECTIONS=" ${BENCH_SECTIONS:-tput cold warm mem status proxy} "
SECTIONS=${SECTIONS//,/ }
for _b_s in $SECTIONS; do
	case $_b_s in tput|cold|warm|mem|status|proxy) ;;
	*) echo "bench: unknown section '$_b_s' in BENCH_SECTIONS" >&2; exit 1 ;;
	esac
done
want() { case $SECTIONS in *" $1 "*) return 0 ;; esac; return 1; }
SETTLE=0.5		# seconds between start-up and reading the memory

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

for f in "$ACTIVATOR" "$ACTIVATORCTL" "$LOADGEN" "$BASELINE" "$ONELINE" \
    "$FREEPORT"; do
	[ -x "$f" ] || die "$f is missing: run 'make bench' (or build it)"
done
command -v python3 >/dev/null || die "python3 is needed for the table"

W=$(mktemp -d /tmp/activator-bench.XXXXXX) || die "mktemp failed"
chmod 0700 "$W"
SAMPLES=$W/samples.tsv	# METRIC SERVER VALUE, one sample a line
NOTES=$W/notes.txt	# free-form remarks printed under the table
: >"$SAMPLES"
: >"$NOTES"
STARTED=()		# pids of every server (and wrapper) started

note() { printf '%s\n' "$*" >>"$NOTES"; say "note: $*"; }
sample() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$SAMPLES"; }

_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((10#$t / 1000))
}

# State letter of PID (empty if gone); a zombie has exited.
_state() {
	local line
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	echo "${line%% *}"
}

alive() {
	local st
	st=$(_state "$1") || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Every descendant of PID (children first-level first), from /proc.
descendants() {
	local f line pid ppid todo=" $1 " out="" changed=1 n=0
	declare -A parent
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		pid=${line%% *}
		line=${line##*) }
		line=${line#* }
		parent[$pid]=${line%% *}
	done
	# Bounded: at most 64 levels.
	while [ "$changed" = 1 ] && [ "$n" -lt 64 ]; do
		changed=0
		n=$((n + 1))
		for pid in "${!parent[@]}"; do
			ppid=${parent[$pid]}
			case $todo in *" $ppid "*) ;; *) continue ;; esac
			case $todo in *" $pid "*) continue ;; esac
			todo="$todo$pid "
			out="$out $pid"
			changed=1
		done
	done
	echo "$out"
}

# Stop PID and whatever it left behind: TERM to PID, up to 5 s, then
# TERM to its former descendants, KILL after 2 s.  Only pids seen below
# PID are signalled.
stop_tree() {
	local pid=$1 kids k end
	[ -n "$pid" ] || return 0
	kids=$(descendants "$pid")
	kill -TERM "$pid" 2>/dev/null
	end=$(($(_now_ms) + 5000))
	while alive "$pid" && [ "$(_now_ms)" -lt "$end" ]; do
		sleep 0.02
	done
	alive "$pid" && kill -KILL "$pid" 2>/dev/null
	for k in $kids; do
		alive "$k" && kill -TERM "$k" 2>/dev/null
	done
	end=$(($(_now_ms) + 2000))
	for k in $kids; do
		while alive "$k" && [ "$(_now_ms)" -lt "$end" ]; do
			sleep 0.02
		done
		alive "$k" && kill -KILL "$k" 2>/dev/null
	done
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local p
	for p in "${STARTED[@]}"; do
		alive "$p" && stop_tree "$p"
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "kept $W"
	else
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- xinetd -------------------------------------------------------------

XINETD=
if ! want tput && ! want cold && ! want warm && ! want mem; then
	:	# no section compares servers: xinetd is not needed
elif [ "${BENCH_NO_XINETD:-0}" != 1 ]; then
	XINETD=$(PATH=$PATH:/usr/sbin:/sbin command -v xinetd)
	if [ -z "$XINETD" ] && [ "$(id -u)" -eq 0 ] &&
	    command -v apt-get >/dev/null; then
		say "installing xinetd with apt-get (Debian's package)"
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -q xinetd ||
		    { apt-get update -q &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    xinetd; }; } >"$W/apt.log" 2>&1 ||
		    say "apt-get failed, see below"
		XINETD=$(PATH=$PATH:/usr/sbin:/sbin command -v xinetd)
		[ -n "$XINETD" ] || tail -n 5 "$W/apt.log" >&2
	fi
	if [ -z "$XINETD" ]; then
		if [ "$(id -u)" -eq 0 ]; then
			note "xinetd could not be installed: xinetd columns skipped"
		else
			note "xinetd is missing and installing it needs root:" \
			    "xinetd columns skipped"
		fi
	fi
else
	note "BENCH_NO_XINETD=1: xinetd columns skipped"
fi
# ---- systemd-socket-proxyd (the handoff = proxy peer) --------------------

PROXYD=
if [ "${BENCH_NO_PROXYD:-0}" != 1 ] && want proxy; then
	for f in /lib/systemd/systemd-socket-proxyd \
	    /usr/lib/systemd/systemd-socket-proxyd; do
		[ -x "$f" ] && { PROXYD=$f; break; }
	done
	if [ -z "$PROXYD" ] && [ "$(id -u)" -eq 0 ] &&
	    command -v apt-get >/dev/null; then
		# Debian's systemd package ships it; installing the package
		# in a container starts nothing (no systemd is running).
		say "installing systemd with apt-get (for systemd-socket-proxyd)"
		{ DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends systemd ||
		    { apt-get update -q &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends systemd; }; } >"$W/apt-systemd.log" \
		    2>&1 || say "apt-get failed: see $W/apt-systemd.log"
		for f in /lib/systemd/systemd-socket-proxyd \
		    /usr/lib/systemd/systemd-socket-proxyd; do
			[ -x "$f" ] && { PROXYD=$f; break; }
		done
	fi
	[ -n "$PROXYD" ] || note "systemd-socket-proxyd is missing:" \
	    "its column is skipped"
fi

# xinetd requires a user for each service: ours.
XUSER="    user = $(id -un)"

# ---- configuration writers ----------------------------------------------

# act_service NAME PORT COMMAND [EXTRA LINES...]
act_service() {
	local name=$1 port=$2 cmd=$3 l
	shift 3
	printf 'service %s {\n    listen = { "tcp://127.0.0.1:%s" }\n' \
	    "$name" "$port"
	printf '    command = "%s"\n' "$cmd"
	for l in "$@"; do
		printf '    %s\n' "$l"
	done
	printf '}\n'
}

xin_defaults() {
	# No rate limit, no instance limit: nothing may throttle xinetd.
	printf 'defaults\n{\n    instances = UNLIMITED\n'
	printf '    per_source = UNLIMITED\n    cps = 1000000 1\n}\n'
}

# xin_service NAME PORT WAIT(yes|no) SERVER [SERVER_ARGS]
xin_service() {
	printf 'service %s\n{\n    type = UNLISTED\n    socket_type = stream\n' \
	    "$1"
	printf '    protocol = tcp\n    wait = %s\n' "$3"
	printf '%s\n' "$XUSER"
	printf '    bind = 127.0.0.1\n    port = %s\n    server = %s\n' "$2" "$4"
	[ -n "${5:-}" ] && printf '    server_args = %s\n' "$5"
	printf '    instances = UNLIMITED\n    cps = 1000000 1\n}\n'
}

# ---- starting servers -----------------------------------------------------

SERVER_PID=	# set by the start_* functions

# wait_serving ADDR PID: up to 10 s for ADDR to answer while PID lives.
wait_serving() {
	local k
	for ((k = 0; k < 200; k++)); do
		alive "$2" || return 1
		"$LOADGEN" once -t 2 "$1" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# start_activator NAME PROBE_ADDR: config on stdin.
start_activator() {
	local d=$W/$1
	mkdir -p "$d"
	cat >"$d/activator.conf"
	"$ACTIVATOR" -t -f "$d/activator.conf" >/dev/null 2>"$d/check.err" ||
	    { cat "$d/check.err" >&2; die "activator rejected $d/activator.conf"; }
	"$ACTIVATOR" -n -l error -f "$d/activator.conf" -s "$d/ctl.sock" \
	    </dev/null >"$d/log" 2>&1 &
	SERVER_PID=$!
	STARTED+=("$SERVER_PID")
	wait_serving "$2" "$SERVER_PID" ||
	    { cat "$d/log" >&2; die "activator ($1) did not start"; }
}

# start_xinetd NAME PROBE_ADDR: config on stdin.
start_xinetd() {
	local d=$W/$1
	mkdir -p "$d"
	cat >"$d/xinetd.conf"
	"$XINETD" -dontfork -f "$d/xinetd.conf" -pidfile "$d/xinetd.pid" \
	    -filelog "$d/xinetd.log" </dev/null >"$d/out" 2>&1 &
	SERVER_PID=$!
	STARTED+=("$SERVER_PID")
	wait_serving "$2" "$SERVER_PID" ||
	    { cat "$d/xinetd.log" "$d/out" >&2; die "xinetd ($1) did not start"; }
}

# start_baseline NAME PROBE_ADDR ARGS...
start_baseline() {
	local d=$W/$1 probe=$2
	shift 2
	mkdir -p "$d"
	"$BASELINE" "$@" </dev/null >"$d/log" 2>&1 &
	SERVER_PID=$!
	STARTED+=("$SERVER_PID")
	wait_serving "$probe" "$SERVER_PID" ||
	    { cat "$d/log" >&2; die "baseline ($1) did not start"; }
}

# KEY=VALUE from a loadgen line.
field() {
	local kv
	for kv in $2; do
		case $kv in "$1="*) echo "${kv#*=}"; return 0 ;; esac
	done
	return 1
}

# Can xinetd run here at all (e.g. as this user)?  If not, skip it.
if [ -n "$XINETD" ]; then
	mkdir -p "$W/preflight-x"
	_xp=$("$FREEPORT")
	{ xin_defaults; xin_service pre "$_xp" no "$ONELINE"; } \
	    >"$W/preflight-x/xinetd.conf"
	"$XINETD" -dontfork -f "$W/preflight-x/xinetd.conf" \
	    -pidfile "$W/preflight-x/xinetd.pid" \
	    -filelog "$W/preflight-x/xinetd.log" </dev/null \
	    >"$W/preflight-x/out" 2>&1 &
	_xpid=$!
	STARTED+=("$_xpid")
	if ! wait_serving "127.0.0.1:$_xp" "$_xpid"; then
		cat "$W/preflight-x/xinetd.log" "$W/preflight-x/out" >&2 \
		    2>/dev/null
		note "$XINETD did not serve a test service here:" \
		    "xinetd columns skipped"
		XINETD=
	fi
	stop_tree "$_xpid"
fi

SERVERS=(activator baseline)
[ -n "$XINETD" ] && SERVERS=(activator xinetd baseline)

mapfile -t P < <("$FREEPORT" -n 13)
[ "${#P[@]}" -eq 13 ] || die "freeport failed"

nprocs() { local p=(/proc/[0-9]*); echo "${#p[@]}"; }
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg), $(nprocs) processes"
say "private directory $W"
say "$(nproc) CPUs, load average $LOAD0"

# ---- 1. accept = yes throughput ------------------------------------------

if want tput; then	# (sections are not indented, to keep them readable)

say "accept = yes throughput: $REPEATS x $CONNS connections at" \
    "concurrency 1 and 16"
declare -A TPORT TPID
TPORT[activator]=${P[0]}
start_activator tput "127.0.0.1:${P[0]}" < <(act_service tput "${P[0]}" \
    "$ONELINE" "accept = yes" "type = simple" "max-instances = 256")
TPID[activator]=$SERVER_PID
if [ -n "$XINETD" ]; then
	TPORT[xinetd]=${P[1]}
	start_xinetd tput-x "127.0.0.1:${P[1]}" < <(xin_defaults
	    xin_service tput "${P[1]}" no "$ONELINE")
	TPID[xinetd]=$SERVER_PID
fi
TPORT[baseline]=${P[2]}
start_baseline tput-b "127.0.0.1:${P[2]}" accept "127.0.0.1:${P[2]}" -- \
    "$ONELINE"
TPID[baseline]=$SERVER_PID
# The same loop creating children with vfork, as posix_spawn(3) does.
TPORT[spawn]=${P[12]}
start_baseline tput-s "127.0.0.1:${P[12]}" accept -V "127.0.0.1:${P[12]}" \
    -- "$ONELINE"
TPID[spawn]=$SERVER_PID
TSERVERS=("${SERVERS[@]}" spawn)

# Interleaved, so that a slow moment of the machine hits every server.
for ((r = 1; r <= REPEATS; r++)); do
	for c in 1 16; do
		for s in "${TSERVERS[@]}"; do
			out=$("$LOADGEN" run -n "$CONNS" -c "$c" -t 120 \
			    "127.0.0.1:${TPORT[$s]}")
			st=$?
			say "  $s c=$c: $out"
			[ "$st" -eq 0 ] || note "$s, c=$c, run $r:" \
			    "$(field failed "$out") of $CONNS connections failed"
			sample "tput$c" "$s" "$(field cps "$out")"
			sample "p50_$c" "$s" "$(field p50_ms "$out")"
			sample "p99_$c" "$s" "$(field p99_ms "$out")"
		done
	done
done
for s in "${TSERVERS[@]}"; do
	alive "${TPID[$s]}" || note "$s (throughput) died during the run"
	stop_tree "${TPID[$s]}"
done
fi	# tput

# ---- 2. cold activation ----------------------------------------------------

if want cold; then

say "cold activation: $COLD_ROUNDS rounds"
declare -A CPORT CPID DPORT
CPORT[activator]=${P[3]}
DPORT[activator]=${P[4]}
start_activator cold "127.0.0.1:${P[3]}" < <(
	act_service cold "${P[3]}" "$ONELINE serve -1" "type = simple" \
	    "start-limit-burst = 1000" "start-limit-interval = 1"
	act_service dfork "${P[4]}" "$ONELINE serve -f -x 200" \
	    "type = daemon" "start-limit-burst = 1000" \
	    "start-limit-interval = 1")
CPID[activator]=$SERVER_PID
if [ -n "$XINETD" ]; then
	CPORT[xinetd]=${P[5]}
	start_xinetd cold-x "127.0.0.1:${P[5]}" < <(xin_defaults
	    xin_service cold "${P[5]}" yes "$ONELINE" "serve -s -1")
	CPID[xinetd]=$SERVER_PID
fi
CPORT[baseline]=${P[6]}
start_baseline cold-b "127.0.0.1:${P[6]}" cold "127.0.0.1:${P[6]}" -- \
    "$ONELINE" serve -1
CPID[baseline]=$SERVER_PID
DPORT[baseline]=${P[7]}
start_baseline dfork-b "127.0.0.1:${P[7]}" cold "127.0.0.1:${P[7]}" -- \
    "$ONELINE" serve -f -x 200
DPID_BASE=$SERVER_PID

# One round: wait until the server has no child left (the previous
# activation is over), 50 ms more, then time connect() to first byte.
cold_round() {
	local out
	out=$("$LOADGEN" once -w "$3" -W 50 -t 10 "127.0.0.1:$2") || {
		note "$1: a cold activation round failed (ok $(field ok "$out") of $(field n "$out"))"
		return
	}
	sample "$4" "$1" "$(field latency_ms "$out")"
}
for ((r = 1; r <= COLD_ROUNDS; r++)); do
	for s in "${SERVERS[@]}"; do
		cold_round "$s" "${CPORT[$s]}" "${CPID[$s]}" cold
	done
	cold_round activator "${DPORT[activator]}" "${CPID[activator]}" dfork
	cold_round baseline "${DPORT[baseline]}" "$DPID_BASE" dfork
done
# Say so if activator did not take the double fork for a success.
"$ACTIVATORCTL" -s "$W/cold/ctl.sock" -j status dfork >"$W/cold/dfork.json" \
    2>/dev/null
python3 - "$W/cold/dfork.json" "$COLD_ROUNDS" >>"$NOTES" <<'EOF'
import json, sys
try:
    s = json.load(open(sys.argv[1]))["services"][0]
except Exception as e:
    print("activator: could not read the status of service dfork: %s" % e)
    sys.exit(0)
if s.get("last_error") or s["state"] not in ("listening", "running"):
    print("activator: the double-fork service ended %s after %d "
          "activations for %s rounds (last_error: %s)"
          % (s["state"], s["activations"], sys.argv[2], s.get("last_error")))
EOF
for s in "${SERVERS[@]}"; do
	stop_tree "${CPID[$s]}"
done
stop_tree "$DPID_BASE"
fi	# cold

# ---- 3. warm latency through a handed-off socket ---------------------------

if want warm; then

say "warm latency: $REPEATS x $CONNS sequential connections"
declare -A WPORT WPID
WPORT[activator]=${P[8]}
start_activator warm "127.0.0.1:${P[8]}" < <(act_service warm "${P[8]}" \
    "$ONELINE serve" "type = simple")
WPID[activator]=$SERVER_PID
if [ -n "$XINETD" ]; then
	WPORT[xinetd]=${P[9]}
	start_xinetd warm-x "127.0.0.1:${P[9]}" < <(xin_defaults
	    xin_service warm "${P[9]}" yes "$ONELINE" "serve -s")
	WPID[xinetd]=$SERVER_PID
fi
# The baseline: the daemon on a socket bound in its own process.
WPORT[baseline]=${P[10]}
start_baseline warm-b "127.0.0.1:${P[10]}" exec "127.0.0.1:${P[10]}" -- \
    "$ONELINE" serve
WPID[baseline]=$SERVER_PID
for ((r = 1; r <= REPEATS; r++)); do
	for s in "${SERVERS[@]}"; do
		out=$("$LOADGEN" run -n "$CONNS" -c 1 -t 60 \
		    "127.0.0.1:${WPORT[$s]}") ||
		    note "$s warm run $r: $(field failed "$out") failed"
		say "  $s warm: $out"
		sample warm_p50 "$s" "$(field p50_ms "$out")"
		sample warm_p99 "$s" "$(field p99_ms "$out")"
		sample warm_cps "$s" "$(field cps "$out")"
	done
done
for s in "${SERVERS[@]}"; do
	stop_tree "${WPID[$s]}"
done
fi	# warm

# ---- 4. memory, start-up, reload with 1, 100, 1000 services ----------------

# RSS and PSS (KiB) of PID from smaps_rollup.
mem_of() {
	awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r, p }' \
	    "/proc/$1/smaps_rollup" 2>/dev/null
}

# Start SERVER with N services under loadgen startup (which times exec
# to the first byte from the last service's port), settle, read memory.
# Leaves the server running; sets MPID (server) and MWRAP (loadgen).
MPID=''
MWRAP=''
mem_start() {
	local s=$1 n=$2 d=$W/mem-$1-$2 last i res k
	local -a ALL_PORTS
	# Fresh ports for each start: others may have taken older ones.
	mapfile -t ALL_PORTS < <("$FREEPORT" -n "$n")
	[ "${#ALL_PORTS[@]}" -eq "$n" ] || die "freeport failed"
	last=${ALL_PORTS[$((n - 1))]}
	mkdir -p "$d"
	rm -f "$d/startup"
	case $s in
	activator)
		for ((i = 0; i < n; i++)); do
			act_service "s$i" "${ALL_PORTS[$i]}" "$ONELINE" \
			    "accept = yes" "type = simple"
		done >"$d/activator.conf"
		"$LOADGEN" startup -t 15 -o "$d/startup" "127.0.0.1:$last" -- \
		    "$ACTIVATOR" -n -l error -f "$d/activator.conf" \
		    -s "$d/ctl.sock" </dev/null >"$d/log" 2>&1 &
		;;
	xinetd)
		{
			xin_defaults
			for ((i = 0; i < n; i++)); do
				xin_service "s$i" "${ALL_PORTS[$i]}" no "$ONELINE"
			done
		} >"$d/xinetd.conf"
		"$LOADGEN" startup -t 15 -o "$d/startup" "127.0.0.1:$last" -- \
		    "$XINETD" -dontfork -f "$d/xinetd.conf" \
		    -pidfile "$d/xinetd.pid" -filelog "$d/xinetd.log" \
		    </dev/null >"$d/log" 2>&1 &
		;;
	baseline)
		local addrs=()
		for ((i = 0; i < n; i++)); do
			addrs+=("127.0.0.1:${ALL_PORTS[$i]}")
		done
		"$LOADGEN" startup -t 15 -o "$d/startup" "127.0.0.1:$last" -- \
		    "$BASELINE" accept "${addrs[@]}" -- "$ONELINE" \
		    </dev/null >"$d/log" 2>&1 &
		;;
	esac
	MWRAP=$!
	STARTED+=("$MWRAP")
	for ((k = 0; k < 1200; k++)); do
		[ -s "$d/startup" ] && break
		alive "$MWRAP" || break
		sleep 0.05
	done
	res=$(cat "$d/startup" 2>/dev/null)
	MPID=$(field pid "$res")
	if [ -z "$(field startup_ms "$res")" ]; then
		say "$s with $n services did not answer within 15 s ($res):"
		tail -n 5 "$d/log" >&2
		[ -n "$MPID" ] && STARTED+=("$MPID")
		# 2: it exited (a port taken meanwhile?), worth a retry.
		[ -n "$(field exited "$res")" ] && return 2
		return 1
	fi
	STARTED+=("$MPID")
	sample "start_$n" "$s" "$(field startup_ms "$res")"
	sleep "$SETTLE"
	read -r rss pss < <(mem_of "$MPID")
	if [ -n "${rss:-}" ]; then
		sample "rss_$n" "$s" "$rss"
		sample "pss_$n" "$s" "$pss"
	fi
	return 0
}

mem_stop() {
	stop_tree "$MPID"
	# loadgen exits with its server.
	stop_tree "$MWRAP"
}

# xinetd has no reply to SIGHUP: time it until its log says it is done.
xinetd_reload() {
	python3 - "$1" "$2" "$3" <<'EOF'
import os, signal, sys, time
pid, log, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
out = []
for _ in range(n):
    off = os.path.getsize(log)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGHUP)
    done = False
    while time.monotonic() - t0 < 10:        # bounded
        with open(log, "rb") as f:
            f.seek(off)
            if b"Reconfigured" in f.read():
                done = True
                break
        time.sleep(0.0002)
    if not done:
        break
    out.append("%.3f" % ((time.monotonic() - t0) * 1000))
    time.sleep(0.2)
print(" ".join(out))
EOF
}

if want mem; then
say "memory and start-up with $SIZES services ($REPEATS starts each)," \
    "reload with 1000"
for ((r = 1; r <= REPEATS; r++)); do
	for n in $SIZES; do
		for s in "${SERVERS[@]}"; do
			# One retry if it exited: a port may have been taken.
			mem_start "$s" "$n"
			st=$?
			if [ "$st" = 2 ]; then
				mem_stop
				mem_start "$s" "$n"
				st=$?
			fi
			if [ "$st" != 0 ]; then
				note "$s with $n services did not answer" \
				    "within 15 s (soft RLIMIT_NOFILE of this" \
				    "shell: $(ulimit -Sn); log above)"
				mem_stop
				continue
			fi
			if [ "$n" = 1000 ] && [ "$s" = activator ]; then
				sock=$W/mem-activator-1000/ctl.sock
				out=$("$LOADGEN" exec -n "$RELOADS" -- \
				    "$ACTIVATORCTL" -s "$sock" reload) ||
				    note "activatorctl reload failed (ok $(field ok "$out") of $(field n "$out"))"
				for v in $(field all_ms "$out" | tr , ' '); do
					sample reload activator "$v"
				done
				out=$("$LOADGEN" request -n "$RELOADS" \
				    -s 'reload\n' "$sock") ||
				    note "raw reload request failed (ok $(field ok "$out") of $(field n "$out"))"
				for v in $(field all_ms "$out" | tr , ' '); do
					sample reload_raw activator "$v"
				done
				if ! alive "$MPID"; then
					wait "$MWRAP"
					st=$?
					[ "$st" -gt 128 ] &&
					    st="$st, signal $(kill -l $((st - 128)))"
					note "activator with 1000 services died" \
					    "during the reload test (exit status" \
					    "$st); see the log in $W/mem-activator-1000/log"
				fi
			fi
			if [ "$n" = 1000 ] && [ "$s" = xinetd ]; then
				out=$(xinetd_reload "$MPID" \
				    "$W/mem-xinetd-1000/xinetd.log" "$RELOADS")
				[ -n "$out" ] || note "xinetd reload not timed"
				for v in $out; do
					sample reload_raw xinetd "$v"
				done
			fi
			mem_stop
		done
	done
done
fi	# mem

# ---- 5. status at scale ------------------------------------------------------

if want status; then
say "status: list with 1000 idle services; with $SCALE_SVCS idle, then" \
    "running; accept = yes latency while a client polls list"

# QUERIES PREFIX SOCK REQUEST: QUERY_RUNS raw requests (loadgen, in
# process) and as many activatorctl -j runs (vfork+exec to exit), as
# samples PREFIX_raw and PREFIX_ctl.  Sets QBYTES to the reply's size.
QBYTES=
queries() {
	local prefix=$1 sock=$2 req=$3 out v
	out=$("$LOADGEN" request -n "$QUERY_RUNS" -t 300 -s "$req\\n" "$sock") ||
	    note "$prefix: raw '$req' failed (ok $(field ok "$out") of $(field n "$out"))"
	QBYTES=$(field bytes "$out")
	for v in $(field all_ms "$out" | tr , ' '); do
		sample "${prefix}_raw" activator "$v"
	done
	# shellcheck disable=SC2086
	out=$("$LOADGEN" exec -n "$QUERY_RUNS" -- "$ACTIVATORCTL" -s "$sock" \
	    -j $req) ||
	    note "$prefix: activatorctl -j $req failed (ok $(field ok "$out") of $(field n "$out"))"
	for v in $(field all_ms "$out" | tr , ' '); do
		sample "${prefix}_ctl" activator "$v"
	done
}

# idle_stop NAME SOCK: stop service NAME and wait (up to 10 s) until it is
# stopped and its supervisor gone.
idle_stop() {
	local k
	"$ACTIVATORCTL" -s "$2" stop "$1" || note "activatorctl stop $1 failed"
	for ((k = 0; k < 100; k++)); do
		"$ACTIVATORCTL" -s "$2" -j status "$1" |
		    grep -q '"state":"stopped"' && return 0
		sleep 0.1
	done
	note "$1 did not stop within 10 s"
}

# 1000 idle services (accept = yes, on UNIX sockets: no ports needed),
# and one on TCP that start_activator probes.
d=$W/status-1000
mkdir -p "$d"
start_activator status-1000 "127.0.0.1:${P[11]}" < <(
	act_service probe "${P[11]}" "$ONELINE" "accept = yes" "type = simple"
	for ((i = 0; i < 1000; i++)); do
		printf 'service s%d {\n    listen = { "unix:%s/s%d.sock" }\n' \
		    "$i" "$d" "$i"
		printf '    command = "%s"\n    accept = yes\n}\n' "$ONELINE"
	done)
# The probe left a supervisor behind (accept = yes keeps one): stopped,
# so that no service has a process and list reads no /proc.
idle_stop probe "$d/ctl.sock"
queries status "$d/ctl.sock" list
note "a 'list' reply with 1000 idle services is $QBYTES bytes"
stop_tree "$SERVER_PID"

# SCALE_SVCS daemons (/bin/sleep, type simple) that start only when asked,
# and an accept = yes service for the latency figures.
d=$W/status-scale
mkdir -p "$d"
SLEEP=$(command -v sleep)
start_activator status-scale "127.0.0.1:${P[11]}" < <(
	act_service echo "${P[11]}" "$ONELINE" "accept = yes" "type = simple" \
	    "max-instances = 256"
	for ((i = 0; i < SCALE_SVCS; i++)); do
		printf 'service s%d {\n    listen = { "unix:%s/s%d.sock" }\n' \
		    "$i" "$d" "$i"
		printf '    command = "%s 100000"\n    type = simple\n}\n' \
		    "$SLEEP"
	done)
SPID=$SERVER_PID
sock=$d/ctl.sock
idle_stop echo "$sock"
queries list_idle "$sock" list
"$ACTIVATORCTL" -s "$sock" start echo || note "activatorctl start echo failed"
for ((i = 0; i < SCALE_SVCS; i++)); do
	"$ACTIVATORCTL" -s "$sock" start "s$i" ||
	    { note "activatorctl start s$i failed"; break; }
done
for ((k = 0; k < 600; k++)); do
	running=$("$ACTIVATORCTL" -s "$sock" -j list |
	    grep -o '"state":"running"' | wc -l)
	[ "$running" -ge "$SCALE_SVCS" ] && break
	sleep 0.2
done
[ "$running" -ge "$SCALE_SVCS" ] ||
    note "only $running of $SCALE_SVCS services running after 120 s"
queries list_run "$sock" list
note "a 'list' reply with $SCALE_SVCS running services is $QBYTES bytes" \
    "($(nprocs) processes on the machine)"
queries status_run "$sock" "status s7"

# accept = yes latency, quiet and while a client polls list in a tight
# loop (connect, list, read the reply, close), interleaved.
for ((r = 1; r <= REPEATS; r++)); do
	out=$("$LOADGEN" run -n "$P99_CONNS" -c 1 -t 120 "127.0.0.1:${P[11]}")
	say "  quiet: $out"
	sample p50_quiet activator "$(field p50_ms "$out")"
	sample p99_quiet activator "$(field p99_ms "$out")"
	"$LOADGEN" request -n 100000 -t 600 -s 'list\n' "$sock" \
	    >"$d/poller.out" 2>&1 &
	poller=$!
	STARTED+=("$poller")
	sleep 0.2
	out=$("$LOADGEN" run -n "$P99_CONNS" -c 1 -t 120 "127.0.0.1:${P[11]}")
	say "  list polled: $out"
	alive "$poller" || note "the list poller ended early: $(cat "$d/poller.out")"
	stop_tree "$poller"
	sample p50_poll activator "$(field p50_ms "$out")"
	sample p99_poll activator "$(field p99_ms "$out")"
done
alive "$SPID" || note "activator (status section) died during the run"
# The trees stopped through the socket first: stop_tree allows 5 s.
for ((i = 0; i < SCALE_SVCS; i++)); do
	"$ACTIVATORCTL" -s "$sock" stop "s$i" >/dev/null 2>&1 || break
done
for ((k = 0; k < 600; k++)); do
	"$ACTIVATORCTL" -s "$sock" -j list 2>/dev/null |
	    grep -q '"pids":\[[0-9]' || break
	sleep 0.2
done
stop_tree "$SPID"
fi	# status

# ---- 6. handoff = proxy against systemd-socket-proxyd ------------------------

# On-CPU milliseconds of PID so far (/proc/PID/schedstat, nanoseconds).
cpu_ms() {
	local ns
	read -r ns _ 2>/dev/null <"/proc/$1/schedstat" || { echo 0; return; }
	echo $((ns / 1000000))
}

# wait_px KIND ADDR: up to 10 s until ADDR relays (KIND rr: a request
# and its reply; bulk: one byte).
wait_px() {
	local k
	for ((k = 0; k < 100; k++)); do
		if [ "$1" = rr ]; then
			"$LOADGEN" run -n 1 -t 2 -s 'x\n' "$2" >/dev/null 2>&1 &&
			    return 0
		else
			"$LOADGEN" bulk -b 1 -t 2 "$2" >/dev/null 2>&1 &&
			    return 0
		fi
		sleep 0.1
	done
	return 1
}

PX_PROXYD=()
if want proxy; then
say "handoff = proxy: bulk ($PROXY_BYTES bytes, 1 and 16 streams) and" \
    "short request/reply connections, $REPEATS runs each"
mapfile -t Q < <("$FREEPORT" -n 6)
[ "${#Q[@]}" -eq 6 ] || die "freeport failed"
# One backend of each kind, bound by itself, behind all three paths:
# oneline serve -r answers a request line; oneline send streams from a
# file in the page cache with sendfile, so it copies nothing itself.
mkdir -p "$W/px"
head -c $((64 * 1024 * 1024)) /dev/zero >"$W/px/blob"
cat "$W/px/blob" >/dev/null
"$BASELINE" exec "127.0.0.1:${Q[0]}" -- "$ONELINE" serve -r \
    </dev/null >"$W/px/rr.log" 2>&1 &
PX_RR=$!
STARTED+=("$PX_RR")
"$BASELINE" exec "127.0.0.1:${Q[1]}" -- "$ONELINE" send "$W/px/blob" \
    </dev/null >"$W/px/bulk.log" 2>&1 &
PX_BULK=$!
STARTED+=("$PX_BULK")
declare -A RR BK
RR[direct]=127.0.0.1:${Q[0]}
BK[direct]=127.0.0.1:${Q[1]}
wait_px rr "${RR[direct]}" || die "the request/reply backend did not start"
wait_px bulk "${BK[direct]}" || die "the bulk backend did not start"
# activator: the program is a placeholder that lives as long as the
# run; proxy-to is the shared backend, so every path reaches the same
# process.
RR[activator]=127.0.0.1:${Q[2]}
BK[activator]=127.0.0.1:${Q[3]}
px_service() {	# NAME PORT PROXY-TO
	printf 'service %s {\n    listen = { "tcp://127.0.0.1:%s" }\n' \
	    "$1" "$2"
	printf '    command = "/bin/sleep 1000000"\n    type = simple\n'
	printf '    handoff = proxy\n    proxy-to = "tcp://%s"\n}\n' "$3"
}
mkdir -p "$W/px-act"
{
	px_service px-rr "${Q[2]}" "${RR[direct]}"
	px_service px-bulk "${Q[3]}" "${BK[direct]}"
} >"$W/px-act/activator.conf"
"$ACTIVATOR" -n -l error -f "$W/px-act/activator.conf" \
    -s "$W/px-act/ctl.sock" </dev/null >"$W/px-act/log" 2>&1 &
PX_ACT=$!
STARTED+=("$PX_ACT")
# The first connection of each starts its service.
wait_px rr "${RR[activator]}" && wait_px bulk "${BK[activator]}" ||
    { cat "$W/px-act/log" >&2; die "activator's proxy did not relay"; }
PX_SERVERS=(activator direct)
if [ -n "$PROXYD" ]; then
	RR[proxyd]=127.0.0.1:${Q[4]}
	BK[proxyd]=127.0.0.1:${Q[5]}
	for k in 4 5; do
		to=${RR[direct]}
		[ "$k" = 5 ] && to=${BK[direct]}
		# Its socket comes from baseline exec (LISTEN_FDS=1).
		"$BASELINE" exec "127.0.0.1:${Q[$k]}" -- "$PROXYD" \
		    --connections-max=4096 "$to" </dev/null \
		    >"$W/px/proxyd-$k.log" 2>&1 &
		STARTED+=("$!")
		PX_PROXYD[$k]=$!
	done
	if wait_px rr "${RR[proxyd]}" && wait_px bulk "${BK[proxyd]}"; then
		PX_SERVERS=(activator proxyd direct)
	else
		note "systemd-socket-proxyd did not relay: its column is skipped"
		cat "$W"/px/proxyd-*.log >&2
	fi
fi
sup_of() {	# the supervisor of activator's service NAME
	local m line
	m=$("$ACTIVATORCTL" -s "$W/px-act/ctl.sock" -j status "$1" |
	    python3 -c 'import json,sys
print(json.load(sys.stdin)["services"][0]["main_pid"])')
	read -r line <"/proc/$m/stat"
	line=${line##*) }
	line=${line#* }
	echo "${line%% *}"
}
PX_SUP=$(sup_of px-bulk)
core0=$(cpu_ms "$PX_ACT")
sup0=$(cpu_ms "$PX_SUP")
pxd0=$(cpu_ms "${PX_PROXYD[5]:-0}")
relayed=0
per=$((PROXY_BYTES / 16))
for ((r = 1; r <= REPEATS; r++)); do
	for s in "${PX_SERVERS[@]}"; do
		out=$("$LOADGEN" bulk -c 1 -b "$PROXY_BYTES" -t 300 "${BK[$s]}") ||
		    note "$s, proxy bulk 1 stream, run $r: $out"
		say "  $s bulk x1: $out"
		sample px_bulk1 "$s" "$(field mibps "$out")"
		out=$("$LOADGEN" bulk -c 16 -b "$per" -t 300 "${BK[$s]}") ||
		    note "$s, proxy bulk 16 streams, run $r: $out"
		say "  $s bulk x16: $out"
		sample px_bulk16 "$s" "$(field mibps "$out")"
		for c in 1 16; do
			out=$("$LOADGEN" run -n "$CONNS" -c "$c" -t 120 \
			    -s 'GET\n' "${RR[$s]}") ||
			    note "$s, proxy request/reply c=$c, run $r:" \
			    "$(field failed "$out") of $CONNS failed"
			say "  $s rr c=$c: $out"
			sample "px_rr$c" "$s" "$(field cps "$out")"
			sample "px_rr${c}_p50" "$s" "$(field p50_ms "$out")"
		done
	done
	relayed=$((relayed + 2 * PROXY_BYTES))
done
gib=$(python3 -c "print($relayed / 2**30)")
note "activator's core used $(($(cpu_ms "$PX_ACT") - core0)) ms of CPU" \
    "while relaying $gib GiB in bulk (and the request/reply runs)"
sample px_core activator "$(python3 -c \
    "print(($(cpu_ms "$PX_ACT") - $core0) / $gib)")"
sample px_relay activator "$(python3 -c \
    "print(($(cpu_ms "$PX_SUP") - $sup0) / $gib)")"
[ -n "${PX_PROXYD[5]:-}" ] && sample px_relay proxyd "$(python3 -c \
    "print(($(cpu_ms "${PX_PROXYD[5]}") - $pxd0) / $gib)")"
"$ACTIVATORCTL" -s "$W/px-act/ctl.sock" -j status px-bulk \
    >"$W/px/status.json" 2>/dev/null
python3 - "$W/px/status.json" "$relayed" >>"$NOTES" <<'PYEOF'
import json, sys
try:
    p = json.load(open(sys.argv[1]))["services"][0]["proxy"]
except Exception as e:
    print("activator: no proxy counters in status: %s" % e)
    sys.exit(0)
if p["bytes_out"] < int(sys.argv[2]):
    print("activator: status counted %d bytes relayed, expected at least %s"
          % (p["bytes_out"], sys.argv[2]))
PYEOF
for p in "$PX_ACT" "${PX_PROXYD[@]}" "$PX_RR" "$PX_BULK"; do
	stop_tree "$p"
done
fi	# want proxy

# ---- the table ---------------------------------------------------------------

VERS="activator $("$ACTIVATOR" -V 2>/dev/null | awk '{print $2}')"
[ -n "$XINETD" ] &&
    VERS="$VERS, xinetd $("$XINETD" -version 2>&1 | awk 'NR==1{print $1}')"
python3 - "$SAMPLES" "$NOTES" "$CONNS" "$REPEATS" "$COLD_ROUNDS" \
    "$QUERY_RUNS" "$RELOADS" "$(nproc)" "$(uname -sr)" "$VERS" \
    "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg), $(nprocs) processes" \
    "$PROXY_BYTES" "${PROXYD:+$("$PROXYD" --version 2>/dev/null |
    awk 'NR==1{print $1, $2}')}" <<'EOF'
import statistics, sys
(samples, notes, conns, reps, rounds, queries, reloads, ncpu, kernel, vers,
 load0, load1, pxbytes, pxvers) = sys.argv[1:]
data = {}
for line in open(samples):
    m, s, v = line.rstrip("\n").split("\t")
    try:
        data.setdefault((m, s), []).append(float(v))
    except ValueError:
        pass

R = "%s runs" % reps
M = [  # id, label, unit, higher is better?, sample description
    ("tput1", "accept=yes throughput, 1 client", "conn/s", True,
     "%s x %s conns" % (reps, conns)),
    ("p50_1", "  latency p50, 1 client", "ms", False, R),
    ("p99_1", "  latency p99, 1 client", "ms", False, R),
    ("tput16", "accept=yes throughput, 16 clients", "conn/s", True,
     "%s x %s conns" % (reps, conns)),
    ("p50_16", "  latency p50, 16 clients", "ms", False, R),
    ("p99_16", "  latency p99, 16 clients", "ms", False, R),
    ("cold", "cold activation, LISTEN_FDS/stdio", "ms", False,
     "%s rounds" % rounds),
    ("dfork", "cold activation, double-fork daemon", "ms", False,
     "%s rounds" % rounds),
    ("warm_p50", "warm latency p50, handed-off socket", "ms", False,
     "%s x %s conns" % (reps, conns)),
    ("warm_p99", "warm latency p99, handed-off socket", "ms", False, R),
]
for n in ("1", "100", "1000"):
    M.append(("rss_" + n, "idle RSS, %s service%s" % (n, "s" * (n != "1")),
              "KiB", False, R))
    M.append(("pss_" + n, "idle PSS, %s service%s" % (n, "s" * (n != "1")),
              "KiB", False, R))
    M.append(("start_" + n, "start-up, %s service%s" % (n, "s" * (n != "1")),
              "ms", False, R))
M += [
    ("status_ctl", "status: activatorctl -j list, 1000 svc", "ms", False,
     "%s queries" % queries),
    ("status_raw", "status: raw 'list' request, 1000 svc", "ms", False,
     "%s queries" % queries),
    ("list_idle_ctl", "status: activatorctl -j list, 300 idle", "ms", False,
     "%s queries" % queries),
    ("list_idle_raw", "status: raw 'list', 300 idle", "ms", False,
     "%s queries" % queries),
    ("list_run_ctl", "status: activatorctl -j list, 300 running", "ms",
     False, "%s queries" % queries),
    ("list_run_raw", "status: raw 'list', 300 running", "ms", False,
     "%s queries" % queries),
    ("status_run_ctl", "status: activatorctl -j status NAME, 300 run.",
     "ms", False, "%s queries" % queries),
    ("status_run_raw", "status: raw 'status NAME', 300 running", "ms",
     False, "%s queries" % queries),
    ("p50_quiet", "accept=yes p50, 300 running, quiet", "ms", False, R),
    ("p99_quiet", "accept=yes p99, 300 running, quiet", "ms", False, R),
    ("p50_poll", "accept=yes p50, while list is polled", "ms", False, R),
    ("p99_poll", "accept=yes p99, while list is polled", "ms", False, R),
    ("reload", "reload: activatorctl reload, 1000 svc", "ms", False,
     "%s x %s" % (reps, reloads)),
    ("reload_raw", "reload: request/SIGHUP to done, 1000 svc", "ms", False,
     "%s x %s" % (reps, reloads)),
]

def fmt(x):
    if x >= 1000:
        return "%.0f" % x
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    if x >= 1:
        return "%.2f" % x
    return "%.3f" % x

def cell(m, s):
    v = data.get((m, s))
    if not v:
        return "-", None
    med = statistics.median(v)
    return "%s (%s-%s)" % (fmt(med), fmt(min(v)), fmt(max(v))), med

def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2fx" % (a / b)

med = {}

def table(metrics, peers, rheads):
    """Print one table: activator, then each peer, then the ratios."""
    hdr = (("figure", "unit", "activator") + tuple(peers) +
           tuple("act/" + h for h in reversed(rheads)) + ("samples",))
    rows = []
    for mid, label, unit, hib, desc in metrics:
        cells = {}
        for s in ("activator",) + tuple(peers):
            cells[s], med[(mid, s)] = cell(mid, s)
        if all(c == "-" for c in cells.values()):
            continue
        a = med[(mid, "activator")]
        rows.append((label, unit + (" ^" if hib else ""),
                     cells["activator"]) +
                    tuple(cells[p] for p in peers) +
                    tuple(ratio(a, med[(mid, p)]) for p in reversed(peers)) +
                    (desc,))
    if not rows:
        return
    n = len(hdr)
    w = [max(len(r[i]) for r in rows + [hdr]) for i in range(n)]
    left = set(range(0, 3 + len(peers))) | {n - 1}
    line = lambda r: "  ".join(
        (r[i].ljust(w[i]) if i in left else r[i].rjust(w[i]))
        for i in range(len(r))).rstrip()
    print(line(hdr))
    print(line(tuple("-" * x for x in w)))
    for r in rows:
        print(line(r))
    print()

print()
print("activator benchmark: %s; %s, %s CPUs" % (vers, kernel, ncpu))
print("Load average at the start %s; at the end %s." % (load0, load1))
print("Each figure: median (min-max) over the samples named on the right.")
print("Ratios are activator / peer, medians: units marked ^ are better "
      "higher, all others lower.")
print()
table(M, ("xinetd", "baseline", "spawn"), ("xinetd", "base", "spawn"))

PX = [
    ("px_bulk1", "proxy bulk, 1 stream", "MiB/s", True,
     "%s x %s bytes" % (reps, pxbytes)),
    ("px_bulk16", "proxy bulk, 16 streams", "MiB/s", True,
     "%s x 16 x %d bytes" % (reps, int(pxbytes) // 16)),
    ("px_rr1", "proxy request/reply conns, 1 client", "conn/s", True,
     "%s x %s conns" % (reps, conns)),
    ("px_rr1_p50", "  latency p50, 1 client", "ms", False, R),
    ("px_rr16", "proxy request/reply conns, 16 clients", "conn/s", True,
     "%s x %s conns" % (reps, conns)),
    ("px_rr16_p50", "  latency p50, 16 clients", "ms", False, R),
    ("px_relay", "relay CPU per GiB (supervisor / proxyd)", "ms", False,
     "all bulk runs"),
    ("px_core", "activator core CPU per GiB relayed", "ms", False,
     "all bulk runs"),
]
if any(m == mid for (m, s) in data for mid, *_ in PX):
    print("handoff = proxy: activator's relay, systemd-socket-proxyd%s and a "
          "direct connection," % (" (%s)" % pxvers if pxvers else ""))
    print("the same backend behind all three.")
    print()
    table(PX, ("proxyd", "direct"), ("proxyd", "direct"))

def g(m, s):
    return med.get((m, s))

print("Aims (reported as measured, whatever they are):")
def aim(text, ok, detail):
    st = "n/a" if ok is None else ("met" if ok else "NOT met")
    print("  %-62s %-8s %s" % (text, st, detail))
for c in ("1", "16"):
    a, x, b = g("tput" + c, "activator"), g("tput" + c, "xinetd"), \
        g("tput" + c, "baseline")
    aim("throughput >= 1.5x xinetd, %s client%s" % (c, "s" * (c != "1")),
        None if a is None or x is None else a >= 1.5 * x,
        "" if a is None or x is None else "%.2fx" % (a / x))
    aim("throughput within 20%% of the baseline, %s client%s"
        % (c, "s" * (c != "1")),
        None if a is None or b is None else a >= 0.8 * b,
        "" if a is None or b is None else "%.2fx" % (a / b))
    b = max((v for v in (b, g("tput" + c, "spawn")) if v is not None),
            default=None)
    aim("throughput >= 1.0x the better bare loop (fork, vfork), "
        "%s client%s" % (c, "s" * (c != "1")),
        None if a is None or b is None else a >= b,
        "" if a is None or b is None else "%.2fx" % (a / b))
a, b = g("cold", "activator"), g("cold", "baseline")
aim("cold activation at most 1.05x the baseline's fork+exec",
    None if a is None or b is None else a <= 1.05 * b,
    "" if a is None or b is None else "%.2fx" % (a / b))
aim("cold activation within 1 ms of the baseline's fork+exec",
    None if a is None or b is None else a - b <= 1.0,
    "" if a is None or b is None else "%+.3f ms" % (a - b))
a, b = g("dfork", "activator"), g("dfork", "baseline")
aim("  (double-fork daemon, same aim)",
    None if a is None or b is None else a - b <= 1.0,
    "" if a is None or b is None else "%+.3f ms" % (a - b))
a, x = g("rss_1000", "activator"), g("rss_1000", "xinetd")
aim("idle RSS with 1000 services below xinetd's",
    None if a is None or x is None else a < x,
    "" if a is None or x is None else "%.0f vs %.0f KiB" % (a, x))
a, r = g("status_ctl", "activator"), g("status_raw", "activator")
aim("status query with 1000 services under 10 ms (activatorctl)",
    None if a is None else a < 10,
    "" if a is None else "%.2f ms (raw request %.2f ms)" % (a, r or 0))
a, b = g("list_run_raw", "activator"), g("list_idle_raw", "activator")
aim("list with 300 running at most 2x with 300 idle (raw request)",
    None if a is None or b is None else a <= 2 * b,
    "" if a is None or b is None else "%.2fx (%.2f vs %.2f ms)" % (a / b, a, b))
a, b = g("p99_poll", "activator"), g("p99_quiet", "activator")
aim("accept = yes p99 while list is polled at most 2x the quiet p99",
    None if a is None or b is None else a <= 2 * b,
    "" if a is None or b is None else "%.2fx (%.2f vs %.2f ms)" % (a / b, a, b))
for m, what in (("px_bulk1", "1 stream"), ("px_bulk16", "16 streams")):
    a, x, d = g(m, "activator"), g(m, "proxyd"), g(m, "direct")
    if a is None:
        continue
    aim("proxy bulk >= 1.0x systemd-socket-proxyd, %s" % what,
        None if x is None else a >= x,
        "" if x is None else "%.2fx" % (a / x))
    aim("proxy bulk >= 0.7x direct to the backend, %s" % what,
        None if d is None else a >= 0.7 * d,
        "" if d is None else "%.2fx" % (a / d))
for c in ("1", "16"):
    a, x = g("px_rr" + c, "activator"), g("px_rr" + c, "proxyd")
    if a is None:
        continue
    aim("proxy request/reply rate >= 1.0x systemd-socket-proxyd, %s "
        "client%s" % (c, "s" * (c != "1")),
        None if x is None else a >= x,
        "" if x is None else "%.2fx" % (a / x))
a, r = g("px_core", "activator"), g("px_relay", "activator")
if a is not None and r:
    # The core only receives the relay's counters (10 a second at most):
    # its CPU follows the time, not the bytes.
    aim("proxy: core CPU per GiB under 1% of the relay's",
        a < 0.01 * r, "%.2f vs %.0f ms per GiB" % (a, r))
seen = []
for l in open(notes).read().splitlines():
    if l.strip() and l not in seen:
        seen.append(l)
if seen:
    print()
    print("Notes:")
    for l in seen:
        print("  - " + l)
EOF
