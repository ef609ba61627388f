/* SPDX-License-Identifier: ISC */
/*
 * t-argv.c -- argv_split: words split like sh(1) splits them, quotes and
 * backslashes, nothing expanded and no shell (SEC-12), the word limit,
 * and the exact error texts.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "tap.h"

#define END	((const char *)NULL)

/* LINE splits into exactly the words that follow (END-terminated). */
static void
split_ok(const char *line, const char *desc, ...)
{
	char	**argv, *cause = NULL;
	const char *want;
	va_list	 ap;
	int	 i = 0, same = 1;

	argv = argv_split(line, &cause);
	if (!tap_ok(argv != NULL, desc)) {
		printf("#   cause: '%s'\n", cause != NULL ? cause : "(null)");
		free(cause);
		return;
	}
	va_start(ap, desc);
	for (i = 0; (want = va_arg(ap, const char *)) != NULL; i++) {
		if (argv[i] == NULL || strcmp(argv[i], want) != 0) {
			printf("#   word %d: got '%s', expected '%s'\n", i,
			    argv[i] != NULL ? argv[i] : "(end)", want);
			same = 0;
			if (argv[i] == NULL)
				break;
		}
	}
	va_end(ap);
	if (same && argv[i] != NULL) {
		printf("#   extra word %d: '%s'\n", i, argv[i]);
		same = 0;
	}
	printf("%sok %d - %s: words\n", same ? "" : "not ", ++tap_n, desc);
	if (!same)
		tap_failed++;
	tap_is_str(cause, NULL, "no cause set on success");
	argv_free(argv);
}

static void
split_bad(const char *line, const char *want, const char *desc)
{
	char	**argv, *cause = NULL;
	char	  d[256];

	argv = argv_split(line, &cause);
	tap_ok(argv == NULL, desc);
	snprintf(d, sizeof d, "%s: message", desc);
	tap_is_str(cause, want, d);
	argv_free(argv);
	free(cause);
}

int
main(void)
{
	char	*line, *p, **argv, *cause;
	int	 i, n;

	/* Blanks. */
	split_ok("/bin/cat", "one word", "/bin/cat", END);
	split_ok("/bin/echo a b c", "spaces", "/bin/echo", "a", "b", "c", END);
	split_ok("  /bin/echo \t a\t\tb  \n c  ", "leading, trailing and "
	    "repeated blanks, tab, newline", "/bin/echo", "a", "b", "c", END);

	/* Single quotes: everything literal, backslash included. */
	split_ok("/bin/echo 'a b' 'c\\d' '\"' ''", "single quotes",
	    "/bin/echo", "a b", "c\\d", "\"", "", END);
	split_ok("/bin/echo 'a'b'c'", "single quotes inside a word",
	    "/bin/echo", "abc", END);
	/* Double quotes: \" \\ \$ \` are escapes, other backslashes stay. */
	split_ok("/bin/echo \"a b\" \"c\\\"d\" \"e\\\\f\" \"\\$x\" \"\\`y\" "
	    "\"g\\nh\" \"'\"", "double quotes", "/bin/echo", "a b", "c\"d",
	    "e\\f", "$x", "`y", "g\\nh", "'", END);
	split_ok("/bin/echo \"\"", "empty double quotes make an empty word",
	    "/bin/echo", "", END);
	split_ok("/bin/echo 'a'\"b\"c", "'a'\"b\" mix (CFG-23)", "/bin/echo",
	    "abc", END);
	/* Backslash outside quotes escapes any one character. */
	split_ok("/bin/echo a\\ b \\'c\\' \\\"d \\\\ \\x", "backslash outside "
	    "quotes", "/bin/echo", "a b", "'c'", "\"d", "\\", "x", END);
	split_ok("/usr/bin/my\\ prog arg", "an escaped blank in the program",
	    "/usr/bin/my prog", "arg", END);

	/* SEC-12: shell syntax is literal, no expansion, no shell. */
	split_ok("/bin/echo a; touch /tmp/pwned $(id)", "; and $(id) stay "
	    "literal", "/bin/echo", "a;", "touch", "/tmp/pwned", "$(id)", END);
	split_ok("/bin/echo `id` $HOME ${X} *.c ~ a|b c&&d >out <in 2>&1 #x",
	    "no expansion, globbing, redirection or comment", "/bin/echo",
	    "`id`", "$HOME", "${X}", "*.c", "~", "a|b", "c&&d", ">out", "<in",
	    "2>&1", "#x", END);
	split_ok("/bin/echo \"$(id)\" '$(id)'", "$(id) in quotes",
	    "/bin/echo", "$(id)", "$(id)", END);

	/* Errors, with their exact texts. */
	split_bad("", "command is empty", "empty line");
	split_bad("   \t\n ", "command is empty", "blanks only");
	split_bad("/bin/echo 'abc", "unbalanced single quote",
	    "unbalanced single quote");
	split_bad("/bin/echo \"abc", "unbalanced double quote",
	    "unbalanced double quote");
	split_bad("/bin/echo \"abc\\\"", "unbalanced double quote",
	    "an escaped closing double quote");
	split_bad("/bin/echo \"a\\", "unbalanced double quote",
	    "a backslash at the end inside double quotes");
	split_bad("/bin/echo abc\\", "trailing backslash",
	    "trailing backslash");
	split_bad("\\", "trailing backslash", "a lone backslash");
	split_ok("/bin/echo ''", "an empty quoted word is a word",
	    "/bin/echo", "", END);
	split_ok("''", "a line of '' is one empty word (the caller checks "
	    "the program)", "", END);

	/* CFG-23: 1000 arguments are accepted, 5000 refused. */
	line = malloc(5001 * 3 + 16);
	p = line + sprintf(line, "/bin/true");
	for (i = 0; i < 1000; i++)
		p += sprintf(p, " %c", 'a' + i % 26);
	cause = NULL;
	argv = argv_split(line, &cause);
	for (n = 0; argv != NULL && argv[n] != NULL; n++)
		;
	tap_is_int(n, 1001, "1000 arguments accepted");
	tap_ok(argv != NULL && strcmp(argv[1000], "l") == 0,
	    "the last of 1000 arguments kept");
	argv_free(argv);
	free(cause);
	for (; i < 5000; i++)
		p += sprintf(p, " %c", 'a' + i % 26);
	split_bad(line, "more than 4095 words", "5000 arguments refused");
	/* The limit exactly: ARGV_MAX - 1 words in all. */
	p = line + sprintf(line, "/bin/true");
	for (i = 1; i < ARGV_MAX - 1; i++)
		p += sprintf(p, " x");
	cause = NULL;
	argv = argv_split(line, &cause);
	for (n = 0; argv != NULL && argv[n] != NULL; n++)
		;
	tap_is_int(n, ARGV_MAX - 1, "ARGV_MAX - 1 words accepted");
	argv_free(argv);
	free(cause);
	sprintf(p, " x");
	split_bad(line, "more than 4095 words", "ARGV_MAX words refused");
	free(line);

	argv_free(NULL);
	tap_ok(1, "argv_free(NULL) is a no-op");
	return tap_done();
}
