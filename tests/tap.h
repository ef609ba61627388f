/* SPDX-License-Identifier: ISC */
/* tap.h -- a tiny TAP producer for the C unit tests. */
#ifndef ACTIVATOR_TAP_H
#define ACTIVATOR_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed, tap_planned;

static inline void
tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
}

static inline int
tap_ok(int cond, const char *desc)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++tap_n, desc);
	if (!cond)
		tap_failed++;
	return cond;
}

static inline int
tap_is_str(const char *got, const char *want, const char *desc)
{
	int	ok = got != NULL && want != NULL ? strcmp(got, want) == 0 :
	    got == want;

	if (!tap_ok(ok, desc)) {
		printf("#   got:      '%s'\n", got != NULL ? got : "(null)");
		printf("#   expected: '%s'\n", want != NULL ? want : "(null)");
	}
	return ok;
}

static inline int
tap_is_int(long long got, long long want, const char *desc)
{
	int	ok = got == want;

	if (!tap_ok(ok, desc))
		printf("#   got %lld, expected %lld\n", got, want);
	return ok;
}

static inline int
tap_done(void)
{
	if (tap_planned == 0)
		printf("1..%d\n", tap_n);
	else if (tap_n != tap_planned) {
		printf("# planned %d tests but ran %d\n", tap_planned, tap_n);
		return 1;
	}
	return tap_failed ? 1 : 0;
}

#endif /* ACTIVATOR_TAP_H */
