#!/bin/bash
# SPDX-License-Identifier: ISC
# man-lint.sh -- the manual pages are clean mdoc (mandoc -Tlint).
. "$top_srcdir/tests/lib/tap.sh"

command -v mandoc >/dev/null || skip_all "mandoc is not installed"
plan 3
for page in activator.8 activator.conf.5 activatorctl.8; do
	out=$(mandoc -Tlint -W warning "$top_builddir/man/$page" 2>&1)
	is "$out" "" "$page: mandoc -Tlint -W warning is clean"
done
