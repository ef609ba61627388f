#!/bin/bash
# SPDX-License-Identifier: ISC
# faultsweep.sh -- fault injection (FLT-09, FLT-10): a scenario (start;
# activation of an accept = no and of an accept = yes service; a status
# request; a reload that adds a service; a restart; stop) is run once to
# count activator's calls of accept4, socket, socketpair, fork/vfork,
# pipe2, malloc/calloc/realloc, send/sendmsg, recv/recvmsg and epoll_ctl, then again for
# each N with the Nth call failing (tests/helpers/failinject.so). At every
# N: activator did not crash (exit 0 on SIGTERM, no sanitizer report);
# the failure is logged naming the call, unless the call's failure was
# absorbed without a trace (every step still worked); every service
# answers again afterwards, so the others kept serving and the hit one
# recovered; no descriptor leaked (the count before the stop is at most
# the fault-free run's) and no zombie or process is left. A failure
# during start-up may end activator with exit 1 and a message naming
# the call. Calls with many occurrences (malloc) are sampled within
# FAULTSWEEP_BUDGET seconds (default 80); the small ones are all run.
# FAULTSWEEP_ONLY="socket:3 malloc:120" runs just those points.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

SHIM=$HELPERS/failinject.so
[ -f "$SHIM" ] || bail "no $SHIM"
case $(uname -m) in x86_64) ;; *) skip_all "vfork interposition is x86_64 only" ;; esac
BUDGET=${FAULTSWEEP_BUDGET:-80}
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=1"
# The shim's backtrace(3) dlopens libgcc_s: glibc's bookkeeping for it
# is no leak of activator's.
echo "leak:dl_open_worker_begin" >"$T/lsan.supp"
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp"
F="$HELPERS/fakedaemon"
read -r P1 P2 P3 <<<"$(free_port -n 3 | tr '\n' ' ')"

conf1="service a {
    listen  = { \"tcp://127.0.0.1:$P1\" }
    command = \"$F listen-fds --tag $T\"
    type    = simple
    stop-timeout = 2
}
service b {
    listen  = { \"tcp://127.0.0.1:$P2\" }
    command = \"$F nowait --tag $T\"
    accept  = yes
}"
conf2="$conf1
service d {
    listen  = { \"tcp://127.0.0.1:$P3\" }
    command = \"$F nowait --tag $T\"
    accept  = yes
}"

# The call groups: what is counted together, the errno, and what the
# log must say (extended regex, case-insensitive) when it fails.
groups=(
	"accept4|EMFILE|accept"
	"socket|EMFILE|socket"
	"socketpair|EMFILE|socketpair"
	"fork,vfork|EAGAIN|fork"
	"pipe2|EMFILE|pipe"
	"send,sendto,sendmsg|ENOBUFS|send|supervisor"
	"recv,recvfrom,recvmsg|ENOMEM|recv|supervisor"
	"epoll_ctl|ENOMEM|epoll"
	"malloc,calloc,realloc|ENOMEM|alloc|memory"
)
strerr() {
	case $1 in
	EMFILE) echo "Too many open files" ;;
	EAGAIN) echo "Resource temporarily unavailable" ;;
	ENOMEM) echo "Cannot allocate memory" ;;
	ENOBUFS) echo "No buffer space available" ;;
	esac
}

answers() {	# PORT: one reply from the service there
	"$HELPERS/tclient" -t 4 "tcp://127.0.0.1:$1" 2>/dev/null | grep -q '^OK'
}
all_answer() {
	answers "$P1" && answers "$P2" && answers "$P3" && ctl ping >/dev/null 2>&1
}
fds_at_most() { [ "$(fd_count "$APID")" -le "$1" ]; }
no_instances() {	# every accept = yes instance of the test is gone
	! pgrep -f "nowait --tag $T" >/dev/null
}

# run CALLS NTH ERRNO: one scenario; sets R_START (0 ran, 1 start-up
# failed), R_STEPS (failed steps), R_FDS, R_EXIT, R_INJECTED.
run() {
	local calls=$1 nth=$2 err=$3
	: >"$T/report"
	: >"$LOG"
	R_STEPS= R_FDS= R_EXIT= R_INJECTED= R_START=0
	if ! LD_PRELOAD=$SHIM FAILINJECT_PROG=activator \
	    FAILINJECT_CALL=$calls FAILINJECT_NTH=$nth FAILINJECT_ERRNO=$err \
	    FAILINJECT_REPORT=$T/report activator_start <<<"$conf1" 2>/dev/null; then
		R_START=1
		R_EXIT=$AEXIT
		R_INJECTED=$(grep -m1 '^inject' "$T/report")
		return
	fi
	answers "$P1" || R_STEPS="$R_STEPS activate-a"
	answers "$P2" || R_STEPS="$R_STEPS activate-b"
	ctl status >/dev/null 2>&1 || R_STEPS="$R_STEPS status"
	printf '%s\n' "$conf2" >"$T/activator.conf"
	ctl reload >/dev/null 2>&1 || R_STEPS="$R_STEPS reload"
	answers "$P3" || R_STEPS="$R_STEPS activate-d"
	ctl restart a >/dev/null 2>&1 || R_STEPS="$R_STEPS restart-a"
	# A failed step is retried: a hold-off or a back-off may be running.
	if [ -n "$R_STEPS" ]; then
		if grep -q reload <<<"$R_STEPS"; then
			ctl reload >/dev/null 2>&1 || kill -HUP "$APID" 2>/dev/null
		fi
		wait_for "every service to answer again" 8 all_answer >/dev/null ||
		    R_STEPS="$R_STEPS NOT-RECOVERED"
	fi
	answers "$P1" || R_STEPS="$R_STEPS a-after-restart"
	wait_for "instances to exit" 5 no_instances >/dev/null
	# A stop that was lost ends by the core's deadline (stop-timeout +
	# 2 s): until then that supervisor's link is open. A leak stays.
	[ -n "${BASE_FDS:-}" ] &&
	    wait_for "descriptors back to $BASE_FDS" 8 fds_at_most "$BASE_FDS" >/dev/null
	R_FDS=$(fd_count "$APID")
	activator_stop
	R_EXIT=$AEXIT
	R_INJECTED=$(grep -m1 '^inject' "$T/report")
}

# A result that is not activator's to fix: TAP "not ok ... # TODO".
todo() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1 # TODO $2"
}

check() {	# GROUP N: run it and judge
	local g=$1 n=$2 calls err want want2 why= msg re caller fatal=0
	IFS='|' read -r calls err want want2 <<<"$g"
	run "$calls" "$n" "$err"
	msg=$(strerr "$err")
	re="$want${want2:+|$want2}"
	caller=$(awk '{print $5}' <<<"$R_INJECTED")
	logged() { grep -i "$msg" "$LOG" | grep -Eqi "$re"; }
	# xmalloc's policy: running out of memory ends activator, cleanly.
	case $calls in malloc*)
		[ "$R_EXIT" = 1 ] && logged && fatal=1 ;;
	esac
	if grep -Eq 'Sanitizer|runtime error' "$LOG"; then
		why="$why sanitizer-report"
	fi
	if [ "$R_START" = 1 ] || [ "$fatal" = 1 ]; then
		# Start-up may fail, with exit 1 and the call named.
		[ "$R_EXIT" = 1 ] || why="$why exit=$R_EXIT"
		logged || why="$why failure-not-logged"
	else
		[ "$R_EXIT" = 0 ] || why="$why exit=$R_EXIT"
		case $R_STEPS in *NOT-RECOVERED*|*a-after-restart*)
			why="$why not-serving:$R_STEPS" ;; esac
		[ -n "$R_FDS" ] && [ "$R_FDS" -le "$BASE_FDS" ] ||
		    why="$why fds=$R_FDS>$BASE_FDS"
		if [ -n "$R_INJECTED" ] && [ -n "$R_STEPS" ] && ! logged; then
			why="$why not-logged:$R_STEPS"
		fi
	fi
	no_zombies >/dev/null 2>&1 || why="$why zombie"
	no_leftovers >/dev/null 2>&1 || { why="$why leftover"; cleanup_procs; }
	desc="$calls #$n ($err${caller:+ in $caller})"
	if [ -z "$why" ]; then
		if [ "$fatal" = 1 ]; then
			pass "$desc: exit 1, out of memory logged"
		else
			pass "$desc${R_INJECTED:+ injected}${R_STEPS:+, failed:$R_STEPS, recovered}"
		fi
	elif [ "$caller" = libconfuse.so.2 ]; then
		todo "$desc:$why" "libconfuse 3.3 does not check its allocations"
	else
		fail "$desc:$why"
		diag "again: FAULTSWEEP_ONLY=${calls%%,*}:$n"
		diag "$(grep -Ei "$want|$msg|error|warn|signal" "$LOG" | tail -n 8)"
	fi
}

cleanup_procs() {
	local p
	for p in $(test_procs); do kill -KILL "$p" 2>/dev/null; done
}

now() { date +%s; }

# Count: the scenario once, nothing failing, every call counted.
all=$(for g in "${groups[@]}"; do echo "${g%%|*}"; done | tr '\n' ',')
run "${all%,}" 0 ENOMEM
[ "$R_START" = 0 ] && [ -z "$R_STEPS" ] && [ "$R_EXIT" = 0 ] ||
    bail "the fault-free scenario failed: start=$R_START steps=$R_STEPS exit=$R_EXIT"
BASE_FDS=$R_FDS
declare -A COUNT
for g in "${groups[@]}"; do
	IFS='|' read -r calls _ <<<"$g"
	c=0
	for fn in ${calls//,/ }; do
		n=$(sed -n "s/^count $fn //p" "$T/report" | tail -1)
		c=$((c + ${n:-0}))
	done
	COUNT[$calls]=$c
	diag "$calls: $c calls"
done
ok "the fault-free scenario passes, $BASE_FDS descriptors before the stop" \
    test -n "$BASE_FDS"

start=$(now)
if [ -n "${FAULTSWEEP_ONLY:-}" ]; then
	for pt in $FAULTSWEEP_ONLY; do
		for g in "${groups[@]}"; do
			case $g in "${pt%%:*}"[,\|]*) check "$g" "${pt##*:}" ;; esac
		done
	done
	done_testing
fi

# The points: every call of a small group, the first three of a large
# one and a random sample of the rest, as many as the budget allows at
# about 2 s a run. A different sample each time (the seed is printed).
seed=${FAULTSWEEP_SEED:-$(date +%s)}
RANDOM=$seed
diag "budget ${BUDGET}s, seed $seed (FAULTSWEEP_SEED to repeat)"
points=()
large=()
for g in "${groups[@]}"; do
	IFS='|' read -r calls _ <<<"$g"
	c=${COUNT[$calls]:-0}
	lim=$c
	[ "$c" -gt 6 ] && { lim=3; large+=("$g"); }
	for ((n = 1; n <= lim; n++)); do
		points+=("$n|$g")
	done
done
extra=$(( (BUDGET / 2 - ${#points[@]}) / (${#large[@]} > 0 ? ${#large[@]} : 1) ))
[ "$extra" -lt 2 ] && extra=2
for g in "${large[@]}"; do
	IFS='|' read -r calls _ <<<"$g"
	c=${COUNT[$calls]}
	declare -A picked=()
	for ((k = 0; k < extra && k < c - 3; k++)); do
		for ((try = 0; try < 20; try++)); do
			n=$((4 + (RANDOM * 32768 + RANDOM) % (c - 3)))
			[ -z "${picked[$n]:-}" ] && break
		done
		picked[$n]=1
	done
	for n in $(printf '%s\n' "${!picked[@]}" | sort -n); do
		points+=("$n|$g")
	done
	unset picked
done
done_n=0
for p in "${points[@]}"; do
	if [ $(($(now) - start)) -ge "$BUDGET" ]; then
		diag "budget spent: $((${#points[@]} - done_n)) points not run"
		break
	fi
	check "${p#*|}" "${p%%|*}"
	done_n=$((done_n + 1))
done
diag "$done_n points in $(($(now) - start)) s"
done_testing
