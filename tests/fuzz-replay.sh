#!/bin/bash
# SPDX-License-Identifier: ISC
# fuzz-replay.sh -- every input of every fuzz corpus (tests/fuzz/corpus/
# NAME/: seeds, and every crasher the fuzzers ever found) runs through
# its target again, without a crash or a broken invariant; under ASan and
# UBSan in the sanitizer build. Every target file is linked in.
. "$top_srcdir/tests/lib/tap.sh"

R=$top_builddir/tests/fuzz/replay
C=$top_srcdir/tests/fuzz/corpus
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
log=$(mktemp /tmp/fuzz-replay.XXXXXX) || bail "mktemp"
trap 'rm -f "$log"' EXIT

linked=" $("$R" -l | tr '\n' ' ') "
for f in "$top_srcdir"/tests/fuzz/fuzz-*.c; do
	name=${f##*/fuzz-}
	name=${name%.c}
	case $linked in
	*" $name "*) pass "target $name is linked into the replay program" ;;
	*) fail "target $name is linked into the replay program"
	   diag "add it to fuzz_targets in tests/Makefile.am" ;;
	esac
	files=("$C/$name"/*)
	ok "target $name has a seed corpus" test -f "${files[0]}"
done
for name in $linked; do
	files=("$C/$name"/*)
	[ -f "${files[0]}" ] || continue
	"$R" "$name" "${files[@]}" >"$log" 2>&1
	st=$?
	is "$st" 0 "target $name: ${#files[@]} corpus inputs replayed"
	[ "$st" -eq 0 ] || diag "$(tail -n 30 "$log")"
done
done_testing
