/* SPDX-License-Identifier: ISC */
/*
 * argv.c -- split `command` into words with the quoting rules of sh(1):
 * blanks separate words, '...' is literal, "..." allows \" \\ \$ \`,
 * a backslash outside quotes escapes the next character. Nothing is
 * expanded and no shell ever runs, so `;` or `$(...)` stay literal.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "xmalloc.h"

char **
argv_split(const char *line, char **cause)
{
	char	**argv = NULL, *word;
	size_t	  argc = 0, len = 0;
	const char *p = line;
	int	  inword = 0;

	word = xmalloc(strlen(line) + 1);
	for (;;) {
		char c = *p;

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (inword) {
				if (argc + 1 >= ARGV_MAX) {
					xasprintf(cause, "more than %d words",
					    ARGV_MAX - 1);
					goto fail;
				}
				argv = xreallocarray(argv, argc + 2,
				    sizeof *argv);
				argv[argc++] = xstrndup(word, len);
				argv[argc] = NULL;
				len = 0;
				inword = 0;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		inword = 1;
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (end == NULL) {
				xasprintf(cause, "unbalanced single quote");
				goto fail;
			}
			memcpy(word + len, p + 1, (size_t)(end - p - 1));
			len += (size_t)(end - p - 1);
			p = end + 1;
		} else if (c == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					xasprintf(cause,
					    "unbalanced double quote");
					goto fail;
				}
				if (*p == '\\' && strchr("\"\\$`", p[1]) != NULL &&
				    p[1] != '\0')
					p++;
				word[len++] = *p;
			}
			p++;
		} else if (c == '\\') {
			if (p[1] == '\0') {
				xasprintf(cause, "trailing backslash");
				goto fail;
			}
			word[len++] = p[1];
			p += 2;
		} else {
			word[len++] = c;
			p++;
		}
	}
	free(word);
	if (argc == 0) {
		xasprintf(cause, "command is empty");
		return NULL;
	}
	return argv;
fail:
	free(word);
	argv_free(argv);
	return NULL;
}

void
argv_free(char **argv)
{
	char	**p;

	if (argv == NULL)
		return;
	for (p = argv; *p != NULL; p++)
		free(*p);
	free(argv);
}
