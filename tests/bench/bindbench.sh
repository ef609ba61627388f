#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The activator authors
#
# bindbench.sh -- what handoff = bind's interception costs a program
# (issue 12): bindbench run plainly, then as a handoff = bind service of
# activator whose listen has a TCP address only (bind and listen
# intercepted) and one that also has a unix path (unlink intercepted
# too). The calls are to addresses and paths activator does not hold,
# so each intercepted call goes to the supervisor and continues. getpid
# is never intercepted: its figure is the filter's cost for every other
# call. A benchmark: it asserts nothing about time.
#
#   top_builddir=/path/to/build bash tests/bench/bindbench.sh
# Knobs: BENCH_BIND_N [20000] calls per round, BENCH_BIND_ROUNDS [5].
# Loopback only, private mktemp -d directory, bounded waits; only the
# activator it started is signalled, by pid.

set -u
if [ -z "${top_srcdir:-}" ] || [ -z "${top_builddir:-}" ]; then
	_b_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	: "${top_srcdir:=$_b_top}" "${top_builddir:=$_b_top}"
fi
ACTIVATOR=$top_builddir/src/activator
BB=$top_builddir/tests/bench/bindbench
FREEPORT=$top_builddir/tests/helpers/freeport
N=${BENCH_BIND_N:-20000}
R=${BENCH_BIND_ROUNDS:-5}

die() { echo "bindbench: $*" >&2; exit 1; }
for f in "$ACTIVATOR" "$BB" "$FREEPORT"; do
	[ -x "$f" ] || die "$f is missing: run 'make bench'"
done
W=$(mktemp -d /tmp/activator-bindbench.XXXXXX) || die "mktemp failed"
chmod 0700 "$W"
APID=
finish() {
	[ -n "$APID" ] && kill -TERM "$APID" 2>/dev/null && wait "$APID"
	rm -rf "$W"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$BB" -n "$N" -r "$R" -o "$W/plain.tsv" "$W" || die "plain run failed"

read -r P1 P2 <<<"$("$FREEPORT" -n 2 | tr '\n' ' ')"
cat >"$W/activator.conf" <<CONF
service tcponly {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$BB -n $N -r $R -o $W/tcp.tsv $W"
    handoff = bind
    type    = simple
    start-timeout = 600
}
service withunix {
    listen  = { "tcp://127.0.0.1:$P2", "unix:$W/held.sock" }
    command = "$BB -n $N -r $R -o $W/unix.tsv $W"
    handoff = bind
    type    = simple
    start-timeout = 600
}
CONF
"$ACTIVATOR" -n -l error -f "$W/activator.conf" -s "$W/ctl.sock" \
    2>"$W/activator.log" &
APID=$!
for i in $(seq 1 100); do
	[ -S "$W/ctl.sock" ] && break
	sleep 0.1
done
[ -S "$W/ctl.sock" ] || die "activator did not start: $(cat "$W/activator.log")"
# One at a time, so they do not share the two cores.
for s in "tcp $P1" "unix $P2"; do
	set -- $s
	exec 3<>"/dev/tcp/127.0.0.1/$2" || die "cannot connect to $2"
	for i in $(seq 1 6000); do
		[ -s "$W/$1.tsv" ] && break
		sleep 0.1
	done
	exec 3<&-
	[ -s "$W/$1.tsv" ] || die "no result from the $1 service"
done

python3 - "$W" "$N" "$R" <<'PY'
import sys
w, n, r = sys.argv[1], sys.argv[2], sys.argv[3]
def load(name):
    d = {}
    for line in open("%s/%s.tsv" % (w, name)):
        k, med, lo, hi = line.rstrip("\n").split("\t")
        d[k] = (float(med), float(lo), float(hi))
    return d
plain, tcp, unix = load("plain"), load("tcp"), load("unix")
print("handoff = bind: cost of interception, ns per call, median (min-max) "
      "of %s rounds of %s calls" % (r, n))
print("%-8s %-22s %-22s %-22s %s" % ("call", "plain", "filter, tcp listen",
      "filter, + unix path", "ratio tcp / unix"))
for k in ("getpid", "bind", "listen", "unlink"):
    cell = lambda d: "%.0f (%.0f-%.0f)" % d[k]
    print("%-8s %-22s %-22s %-22s %.2f / %.2f" % (k, cell(plain), cell(tcp),
          cell(unix), tcp[k][0] / plain[k][0], unix[k][0] / plain[k][0]))
print("bind and listen are intercepted in both services (a round trip to "
      "the supervisor, then the kernel does the call); unlink only where "
      "listen has a unix path; getpid never.")
PY
