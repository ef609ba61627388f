/* SPDX-License-Identifier: ISC */
/*
 * replay.c -- run corpus files through the fuzz targets linked in, as
 * make check does (fuzz-replay.sh): "replay -l" lists the targets,
 * "replay NAME FILE..." runs each file through target NAME. A crash or
 * a broken invariant aborts; the file being run was named on stderr.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define REPLAY_MAX_TARGETS	32
#define REPLAY_MAX_INPUT	(1024 * 1024)

static struct {
	const char	*name;
	fuzz_fn		*fn;
} targets[REPLAY_MAX_TARGETS];
static int	 ntargets;

void
fuzz_register(const char *name, fuzz_fn *fn)
{
	if (ntargets == REPLAY_MAX_TARGETS)
		abort();
	targets[ntargets].name = name;
	targets[ntargets++].fn = fn;
}

static int
replay_file(fuzz_fn *fn, const char *path)
{
	static unsigned char buf[REPLAY_MAX_INPUT];
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
	fn(buf, n);
	return 0;
}

int
main(int argc, char **argv)
{
	int	 i, t, bad = 0;

	if (argc == 2 && strcmp(argv[1], "-l") == 0) {
		for (t = 0; t < ntargets; t++)
			printf("%s\n", targets[t].name);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: replay -l | replay TARGET FILE...\n");
		return 2;
	}
	for (t = 0; t < ntargets && strcmp(targets[t].name, argv[1]) != 0; t++)
		;
	if (t == ntargets) {
		fprintf(stderr, "replay: no target '%s'\n", argv[1]);
		return 2;
	}
	for (i = 2; i < argc; i++)
		if (replay_file(targets[t].fn, argv[i]) == -1)
			bad = 1;
	printf("%d inputs\n", argc - 2);
	return bad;
}
