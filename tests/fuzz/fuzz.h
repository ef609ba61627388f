/* SPDX-License-Identifier: ISC */
/*
 * fuzz.h -- one fuzz target per file, tests/fuzz/fuzz-NAME.c, written
 *
 *	FUZZ_TARGET(NAME)
 *	{
 *		... use data and size; abort() when an invariant breaks ...
 *		return 0;
 *	}
 *
 * fuzz.sh builds each file with clang as a libFuzzer target
 * (-DFUZZ_LIBFUZZER); make check links them all into one replay program
 * that runs every file of tests/fuzz/corpus/NAME/ through its target, in
 * the plain and the sanitizer build. A target must not keep state from
 * one input to the next.
 */
#ifndef ACTIVATOR_FUZZ_H
#define ACTIVATOR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef int fuzz_fn(const uint8_t *, size_t);

#ifdef FUZZ_LIBFUZZER
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
#define FUZZ_TARGET(name)						\
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#else
void	fuzz_register(const char *, fuzz_fn *);
#define FUZZ_TARGET(name)						\
	static int fuzz_##name(const uint8_t *, size_t);		\
	static void __attribute__((constructor))			\
	fuzz_register_##name(void)					\
	{								\
		fuzz_register(#name, fuzz_##name);			\
	}								\
	static int fuzz_##name(const uint8_t *data, size_t size)
#endif

/* Abort with a message: the fuzzer keeps the input as a crasher. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant broken: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* DATA as a NUL-terminated string (a copy; free it). */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		__builtin_memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif /* ACTIVATOR_FUZZ_H */
