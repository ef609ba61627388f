#!/bin/bash
# SPDX-License-Identifier: ISC
# sh-syntax.sh -- every shell script of the project parses (bash -n), the
# benchmark and CI scripts included, which make check does not run.
. "$top_srcdir/tests/lib/tap.sh"

scripts=()
for f in "$top_srcdir"/tests/*.sh "$top_srcdir"/tests/lib/*.sh \
    "$top_srcdir"/tests/bench/*.sh "$top_srcdir"/tests/fuzz/*.sh \
    "$top_srcdir"/autogen.sh "$top_srcdir"/.ci/run; do
	[ -f "$f" ] && scripts+=("$f")
done
plan "${#scripts[@]}"
for f in "${scripts[@]}"; do
	out=$(bash -n "$f" 2>&1)
	is "$out" "" "bash -n ${f#"$top_srcdir"/}"
done
