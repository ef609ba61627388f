/* SPDX-License-Identifier: ISC */
/*
 * t-conf-fuzz.c -- the config parser is attack and crash surface
 * (libconfuse had an OOB read, a heap overflow, unbounded recursion and
 * an endless loop): feed it thousands of mutated configurations from a
 * fixed seed and check that each is either accepted or refused with
 * FILE:LINE messages, never a crash or a hang (the sanitizer build runs
 * this too). Deterministic: the same inputs on every run.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "tap.h"

#define ROUNDS	50000

static const char *seeds[] = {
	"status-socket = \"/run/a.sock\"\nstatus-mode = 0660\n"
	"log-level = info\nbacklog = 128\n"
	"service echo {\n"
	"    listen  = { \"tcp://127.0.0.1:7007\", \"tcp://[::1]:7007\" }\n"
	"    command = \"/bin/cat -u\"\n"
	"    accept  = yes\n    type = simple\n"
	"    max-instances = 16\n    max-per-source = 4\n"
	"    allow = { \"127.0.0.0/8\", \"::1/128\" }\n"
	"    deny = { \"10.0.0.0/8\" }\n"
	"}\n",
	"service d {\n"
	"    listen = { \"unix:/run/d.sock\", \"udp://0.0.0.0:6969\" }\n"
	"    command = '/bin/cat \"a b\" c\\\\d'\n"
	"    type = daemon\n    pidfile = \"/run/d.pid\"\n"
	"    restart = on-failure\n    start-timeout = 30\n"
	"    stop-timeout = 5\n    start-limit-burst = 5\n"
	"    start-limit-interval = 10\n    socket-mode = 0600\n"
	"    environment = { \"LANG=C\", \"X=${HOME:-none}\" }\n"
	"    chdir = \"/\"\n"
	"}\n# comment\n// another\n/* block */\n",
	"service n { listen = { \"unix:@abs\" } command = \"/bin/true\" "
	"type = notify handoff = stdio }\n",
};

static const char *tokens[] = {
	"{", "}", "\"", "'", "=", "+=", "#", "//", "/*", "*/", "\\", "\n",
	"${", "$", ",", "service", "listen", "tcp://", "[", "]", ":", "0x",
	"\\x00", "\\0", "%n", "99999999999999999999", "-", "@", "\r\n",
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* One mutation of BUF (length *len, capacity cap). */
static void
mutate(char *buf, size_t *len, size_t cap)
{
	size_t	 pos = *len ? rnd((uint32_t)*len) : 0, tl;
	const char *t;

	switch (rnd(5)) {
	case 0:		/* flip a byte to anything, NUL included */
		if (*len)
			buf[pos] = (char)rnd(256);
		break;
	case 1:		/* insert a token */
		t = tokens[rnd(sizeof tokens / sizeof tokens[0])];
		tl = strlen(t);
		if (*len + tl < cap) {
			memmove(buf + pos + tl, buf + pos, *len - pos);
			memcpy(buf + pos, t, tl);
			*len += tl;
		}
		break;
	case 2:		/* delete a run */
		if (*len) {
			tl = rnd((uint32_t)(*len - pos) + 1);
			memmove(buf + pos, buf + pos + tl, *len - pos - tl);
			*len -= tl;
		}
		break;
	case 3:		/* truncate */
		*len = pos;
		break;
	case 4:		/* duplicate a run */
		tl = rnd(64);
		if (pos + tl <= *len && *len + tl < cap) {
			memmove(buf + pos + tl, buf + pos, *len - pos);
			*len += tl;
		}
		break;
	}
}

/* Every line of MSGS names the file: "t.conf:" or "t.conf: ". */
static int
all_located(const char *msgs)
{
	const char *p = msgs;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, "t.conf:", 7) != 0)
			return 0;
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return 1;
}

int
main(void)
{
	char	 buf[8192];
	size_t	 len, i, k, accepted = 0, refused = 0, bad = 0, nm;
	struct config *conf;
	char	*errors, *warnings;

	tap_plan(3);
	for (i = 0; i < ROUNDS; i++) {
		const char *seed = seeds[i % (sizeof seeds / sizeof seeds[0])];
		len = strlen(seed);
		memcpy(buf, seed, len);
		nm = 1 + rnd(8);
		for (k = 0; k < nm; k++)
			mutate(buf, &len, sizeof buf);
		errors = warnings = NULL;
		conf = conf_load_buf(buf, len, "t.conf", &errors, &warnings);
		if (conf != NULL) {
			accepted++;
			if (errors != NULL)
				bad++;
		} else {
			refused++;
			if (errors == NULL || !all_located(errors)) {
				if (bad++ < 5)
					printf("# unlocated error: '%s'\n",
					    errors != NULL ? errors : "(none)");
			}
		}
		conf_free(conf);
		free(errors);
		free(warnings);
	}
	printf("# %zu accepted, %zu refused\n", accepted, refused);
	tap_ok(1, "50000 mutated configs parsed without a crash or a hang");
	tap_ok(refused > 0 && accepted > 0, "both outcomes were exercised");
	tap_is_int((long long)bad, 0, "every refusal has FILE: or FILE:LINE: "
	    "messages, and no accepted config carries errors");
	return tap_done();
}
