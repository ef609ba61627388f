/* SPDX-License-Identifier: ISC */
/*
 * fuzz-conf.c -- the config parser from a buffer: any input is either a
 * valid config with no error, or refused with messages that each name
 * the file, one per line, with no raw control character.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "fuzz.h"

FUZZ_TARGET(conf)
{
	struct config *conf;
	char	*errors = NULL, *warnings = NULL;
	const char *p;

	conf = conf_load_buf((const char *)data, size, "fuzz.conf", &errors,
	    &warnings);
	FUZZ_CHECK((conf == NULL) == (errors != NULL));
	for (p = errors; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		FUZZ_CHECK(strncmp(p, "fuzz.conf:", 10) == 0);
	}
	for (p = errors; p != NULL && *p != '\0'; p++)
		FUZZ_CHECK(*p == '\n' || (unsigned char)*p >= 0x20);
	if (conf != NULL) {
		size_t i;
		FUZZ_CHECK(strcmp(conf->path, "fuzz.conf") == 0);
		for (i = 0; i < conf->nservices; i++) {
			const struct service_conf *s = &conf->services[i];
			FUZZ_CHECK(conf_find(conf, s->name) == s);
			FUZZ_CHECK(s->nlisten >= 1 &&
			    s->nlisten <= CONF_MAX_LISTEN);
			FUZZ_CHECK(s->argv != NULL && s->argv[0][0] == '/');
			FUZZ_CHECK(conf_service_equal(s, s));
			FUZZ_CHECK(s->socket_mode <= 0777);
		}
		FUZZ_CHECK(conf->status_mode <= 0777);
	}
	conf_free(conf);
	free(errors);
	free(warnings);
	return 0;
}
