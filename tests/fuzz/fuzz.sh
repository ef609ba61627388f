#!/bin/bash
# SPDX-License-Identifier: ISC
# fuzz.sh -- build every tests/fuzz/fuzz-NAME.c as a libFuzzer target
# with clang under ASan and UBSan, and run each for a bounded time on a
# copy of its seed corpus (tests/fuzz/corpus/NAME/, read only here).
#
#   tests/fuzz/fuzz.sh [-b BUILDDIR] [-o OUTDIR] [-t SECONDS] [-j JOBS] [NAME...]
#
# BUILDDIR is a configured build tree (for config.h; default: the current
# directory). OUTDIR (default BUILDDIR/fuzz-out) gets the objects, the
# targets, the corpus the run grew (corpus/NAME) and any crasher
# (crash-NAME-*, leak-NAME-*, timeout-NAME-*). SECONDS per target default
# to 60. Exit 1 if a target crashed, leaked, hung or failed to build: the
# crasher's path and bytes are printed. Add a crasher to the seed corpus
# and make check replays it for good (fuzz-replay.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$PWD
out=
secs=60
jobs=1
while getopts b:o:t:j: opt; do
	case $opt in
	b) build=$(cd "$OPTARG" && pwd) || exit 2 ;;
	o) out=$OPTARG ;;
	t) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: $0 [-b BUILDDIR] [-o OUTDIR] [-t SECONDS] [-j JOBS] [NAME...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
: "${out:=$build/fuzz-out}"
mkdir -p "$out/obj" || exit 2
out=$(cd "$out" && pwd)

CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found (apt-get install clang)" >&2; exit 2; }
[ -f "$build/config.h" ] || { echo "fuzz.sh: no config.h in $build: run configure there" >&2; exit 2; }

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cflags="-std=gnu11 -g -O1 $san -I$build -I$top/src -I$here \
-DACTIVATOR_CONF=\"/etc/activator.conf\" -DACTIVATOR_SOCKET=\"/run/activator.sock\" \
$(pkg-config --cflags libevent libconfuse)"
libs=$(pkg-config --libs libevent libconfuse)

# The library: every source of src/ but the two programs, instrumented
# for coverage.
rm -f "$out/libactivator-fuzz.a"
objs=()
for src in "$top"/src/*.c; do
	case ${src##*/} in activator.c|activatorctl.c|activator-demo.c) continue ;; esac
	obj=$out/obj/$(basename "$src" .c).o
	# shellcheck disable=SC2086
	$CC $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj" ||
	    { echo "fuzz.sh: cannot compile $src" >&2; exit 1; }
	objs+=("$obj")
done
ar rcs "$out/libactivator-fuzz.a" "${objs[@]}" || exit 1

if [ $# -eq 0 ]; then
	for f in "$here"/fuzz-*.c; do
		n=${f##*/fuzz-}
		set -- "$@" "${n%.c}"
	done
fi

status=0
for name in "$@"; do
	bin=$out/fuzz-$name
	# shellcheck disable=SC2086
	if ! $CC $cflags -DFUZZ_LIBFUZZER -fsanitize=fuzzer \
	    "$here/fuzz-$name.c" "$out/libactivator-fuzz.a" $libs -o "$bin"; then
		echo "== fuzz $name: BUILD FAILED"
		status=1
		continue
	fi
	mkdir -p "$out/corpus/$name"
	dict=()
	[ -f "$here/$name.dict" ] && dict=("-dict=$here/$name.dict")
	echo "== fuzz $name: ${secs}s"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=8192 -jobs="$jobs" -workers="$jobs" -print_final_stats=1 \
	    -artifact_prefix="$out/" "${dict[@]}" \
	    "$out/corpus/$name" "$here/corpus/$name" >"$out/$name.log" 2>&1
	rc=$?
	# -jobs writes fuzz-N.log files; keep the summary short.
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|INFO: seed corpus|Done)' \
	    "$out/$name.log" | head -5
	if [ $rc -ne 0 ]; then
		status=1
		echo "== fuzz $name: FAILED (exit $rc); log $out/$name.log"
		grep -E 'ERROR|SUMMARY|invariant|runtime error|Test unit written' \
		    "$out/$name.log" "$out"/fuzz-*.log 2>/dev/null | head -20
		for c in "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-*; do
			[ -f "$c" ] || continue
			echo "-- $c:"
			od -c "$c" | head -20
		done
	else
		echo "== fuzz $name: ok"
	fi
done
exit $status
