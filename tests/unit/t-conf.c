/* SPDX-License-Identifier: ISC */
/*
 * t-conf.c -- the config loader: every bad input of RELIABILITY.md 5.1
 * that can be given as a buffer (CFG-04..CFG-38), each with its exact
 * "FILE:LINE: message", and valid configs with their parsed values and
 * defaults. The cases that need real files (CFG-01..03, CFG-35) and the
 * binary are in tests/conf-check.sh.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

static struct config *conf;
static char	*errors, *warnings;

static void
tap_skip(const char *desc, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, desc, why);
}

/* Load LEN bytes of BUF as "t.conf", forgetting the previous result. */
static struct config *
load_len(const char *buf, size_t len)
{
	conf_free(conf);
	free(errors);
	free(warnings);
	errors = warnings = NULL;
	conf = conf_load_buf(buf, len, "t.conf", &errors, &warnings);
	return conf;
}

static struct config *
load(const char *text)
{
	return load_len(text, strlen(text));
}

static int
count_lines(const char *s)
{
	int	n = 1;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* LEN bytes of TEXT are refused with exactly one error line, WANT. */
static void
bad_len(const char *text, size_t len, const char *want, const char *desc)
{
	char	d[512];

	load_len(text, len);
	snprintf(d, sizeof d, "%s: refused", desc);
	tap_ok(conf == NULL, d);
	snprintf(d, sizeof d, "%s: exactly one error line", desc);
	if (!tap_is_int(count_lines(errors), 1, d))
		printf("#   errors: '%s'\n", errors != NULL ? errors : "(null)");
	snprintf(d, sizeof d, "%s: message", desc);
	tap_is_str(errors, want, d);
}

static void
bad(const char *text, const char *want, const char *desc)
{
	bad_len(text, strlen(text), want, desc);
}

/* TEXT is accepted with no warning. */
static int
good(const char *text, const char *desc)
{
	char	d[512];
	int	ok;

	load(text);
	snprintf(d, sizeof d, "%s: accepted", desc);
	ok = tap_ok(conf != NULL, d);
	if (!ok)
		printf("#   errors: '%s'\n", errors != NULL ? errors : "(null)");
	snprintf(d, sizeof d, "%s: no warning", desc);
	tap_is_str(warnings, NULL, d);
	return ok;
}

/* TEXT is accepted with exactly the warning WANT. */
static void
warned(const char *text, const char *want, const char *desc)
{
	char	d[512];

	load(text);
	snprintf(d, sizeof d, "%s: accepted", desc);
	if (!tap_ok(conf != NULL, d))
		printf("#   errors: '%s'\n", errors != NULL ? errors : "(null)");
	snprintf(d, sizeof d, "%s: warning", desc);
	tap_is_str(warnings, want, d);
}

/* Service "a" on line 1, listen on line 2, command on line 3; EXTRA
 * starts at line 4. */
#define SVC_L(listen, extra)						\
	"service a {\n"							\
	"  listen = { \"" listen "\" }\n"				\
	"  command = \"/bin/cat\"\n"					\
	extra								\
	"}\n"
#define SVC(extra)	SVC_L("tcp://127.0.0.1:7007", extra)

/* Service "a" with COMMAND (as written, quotes included) on line 3. */
#define CMD(command)							\
	"service a {\n"							\
	"  listen = { \"tcp://127.0.0.1:7007\" }\n"			\
	"  command = " command "\n"					\
	"}\n"

#define ACCEPT_ERR(n)	"t.conf:" #n ": service a: accept = yes runs one " \
	"instance per connection: only type = simple applies"

static void
test_syntax(void)
{
	char	*big;
	size_t	 i;
	unsigned seed;
	char	 bin[1024];

	/* CFG-04: an empty file is valid, with a warning. */
	warned("", "t.conf: warning: no services configured",
	    "CFG-04 empty file");
	tap_is_int(conf != NULL ? (long long)conf->nservices : -1, 0,
	    "CFG-04 empty file: no services");
	warned("# only a comment\n\n", "t.conf: warning: no services "
	    "configured", "CFG-04 comments only");

	/* CFG-05: NUL bytes; the length, not a terminator, ends the buffer. */
	bad_len("log-level = info\nback\0log = 5\n" SVC(""),
	    sizeof("log-level = info\nback\0log = 5\n" SVC("")) - 1,
	    "t.conf:2: NUL byte in file", "CFG-05 NUL byte on line 2");
	load_len("\0", 1);
	tap_is_str(errors, "t.conf:1: NUL byte in file",
	    "CFG-05 a lone NUL byte");
	load_len(SVC("") "\0", sizeof SVC(""));
	tap_is_str(errors, "t.conf:5: NUL byte in file",
	    "CFG-05 NUL byte after a valid service");
	/* 1 KiB of fixed-seed garbage, with and without NUL bytes. */
	seed = 12345;
	for (i = 0; i < sizeof bin; i++) {
		seed = seed * 1103515245u + 12345u;
		bin[i] = (char)(seed >> 16);
	}
	load_len(bin, sizeof bin);
	tap_ok(conf == NULL && count_lines(errors) == 1 &&
	    strncmp(errors, "t.conf:", 7) == 0,
	    "CFG-05 random binary: one FILE:LINE error, no crash");
	printf("# %s\n", errors != NULL ? errors : "(null)");
	for (i = 0; i < sizeof bin; i++)
		if (bin[i] == '\0')
			bin[i] = '\1';
	load_len(bin, sizeof bin);
	tap_ok(conf == NULL && count_lines(errors) == 1 &&
	    strncmp(errors, "t.conf:", 7) == 0,
	    "CFG-05 random binary without NUL: one FILE:LINE error");
	for (i = 0; errors != NULL && errors[i] != '\0'; i++)
		if ((unsigned char)errors[i] < 0x20 ||
		    (unsigned char)errors[i] == 0x7f)
			break;
	tap_ok(errors != NULL && errors[i] == '\0',
	    "CFG-05 the message quotes no control character raw");

	/* CFG-06: only "=" (libconfuse before 3.3 looped forever). */
	bad("=", "t.conf:1: unexpected token '='", "CFG-06 only =");
	bad("\n\n=\n", "t.conf:3: unexpected token '='", "CFG-06 = on line 3");

	/* CFG-07: a first line of only #### is a comment. */
	good("####\n" SVC(""), "CFG-07 #### first line");
	warned("####", "t.conf: warning: no services configured",
	    "CFG-07 #### alone, no newline");

	/* CFG-08: an unterminated string points at its opening quote. */
	bad(SVC("  chdir = \"/tmp\n"), "t.conf:4: unterminated string: the "
	    "quote opened here is never closed",
	    "CFG-08 unterminated double-quoted string");
	bad(CMD("\"/bin/x"), "t.conf:3: unterminated string: the quote opened "
	    "here is never closed", "CFG-08 unterminated command");
	bad("log-level = 'info\n\n", "t.conf:1: unterminated string: the "
	    "quote opened here is never closed",
	    "CFG-08 unterminated single-quoted string");

	/* CFG-09: missing or extra braces. */
	bad("service a {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n", "t.conf:1: unexpected end of file: "
	    "'{' opened here is never closed", "CFG-09 missing } at EOF");
	bad("service a {\n  listen = { \"tcp://127.0.0.1:7007\"\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:3: unexpected token "
	    "'command'", "CFG-09 list not closed");
	bad(SVC("") "}\n", "t.conf:5: unexpected closing brace",
	    "CFG-09 extra }");
	/* "//" inside an unquoted word is no comment: braces after it count. */
	good("service a { listen = { tcp://127.0.0.1:7007 }\n"
	    "  command = \"/bin/cat\" }\n",
	    "CFG-09 unquoted tcp:// value and } on one line");

	/* CFG-10, CFG-11: unknown options and sections. */
	bad("service a {\n  lisen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:2: no such option "
	    "'lisen'", "CFG-10 unknown option lisen");
	bad("log-level = info\nbacklg = 5\n", "t.conf:2: no such option "
	    "'backlg'", "CFG-10 unknown global option");
	bad("servce x { }\n", "t.conf:1: no such option 'servce'",
	    "CFG-11 unknown section servce");
	bad("include(\"/etc/passwd\")\n", "t.conf:1: no such option "
	    "'include'", "CFG-29 include() is not supported");

	/* CFG-12: the same service twice, reported at the second. */
	bad(SVC("") SVC(""), "t.conf:5: found duplicate title 'a'",
	    "CFG-12 duplicate service");

	/* CFG-13: listen and command are required (reported at the }). */
	bad("service a {\n  command = \"/bin/cat\"\n}\n", "t.conf:3: service "
	    "a: listen is required", "CFG-13 no listen");
	bad("service a {\n  listen = { \"tcp://127.0.0.1:7007\" }\n}\n",
	    "t.conf:3: service a: command is required", "CFG-13 no command");
	load("service a {\n}\n");
	tap_is_str(errors, "t.conf:2: service a: listen is required\n"
	    "t.conf:2: service a: command is required",
	    "CFG-13 neither: both errors");
	bad("service a {\n  listen = { }\n  command = \"/bin/cat\"\n}\n",
	    "t.conf:4: service a: listen is required",
	    "CFG-13 empty listen list");

	/* CFG-28: deep nesting is an error, not a stack overflow. */
	big = malloc(30000 * 6 + 2);
	for (i = 0; i < 30000; i++)
		memcpy(big + i * 3, "x {", 3);
	memset(big + 30000 * 3, '}', 30000);
	strcpy(big + 30000 * 4, "\n");
	bad(big, "t.conf:1: blocks nested too deeply",
	    "CFG-28 30000 nested blocks");
	free(big);
	bad("service a {\n x { x { x { x { x { x { x { x {\n}}}}}}}}}\n",
	    "t.conf:2: blocks nested too deeply", "CFG-28 nine levels");
	bad(SVC("  x { y = 1 }\n"), "t.conf:4: no such option 'x'",
	    "CFG-28 a nested block in a service");

	/* CFG-30: a 1 MiB value is read whole, never split. */
	big = malloc(2 * 1024 * 1024);
	strcpy(big, "service a {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n  environment = { \"BIG=");
	i = strlen(big);
	memset(big + i, 'v', 1024 * 1024);
	strcpy(big + i + 1024 * 1024, "\" }\n}\n");
	if (good(big, "CFG-30 1 MiB value"))
		tap_is_int((long long)strlen(conf->services[0].env[0]),
		    4 + 1024 * 1024, "CFG-30 1 MiB value kept whole");
	else
		tap_ok(0, "CFG-30 1 MiB value kept whole");
	free(big);

	/* CFG-31: CRLF line ends, a UTF-8 BOM and tabs are accepted. */
	if (good("\xef\xbb\xbflog-level = debug\r\n"
	    "service a {\r\n"
	    "\tlisten = { \"tcp://127.0.0.1:7007\" }\r\n"
	    "\tcommand = \"/bin/cat -u\"\r\n"
	    "}\r\n", "CFG-31 BOM, CRLF and tabs")) {
		tap_is_int(conf->log_level, LOG_DEBUG,
		    "CFG-31 BOM: first option read");
		tap_is_str(conf->services[0].argv[1], "-u",
		    "CFG-31 CRLF: no \\r left in values");
	} else {
		tap_ok(0, "CFG-31 BOM: first option read");
		tap_ok(0, "CFG-31 CRLF: no \\r left in values");
	}
	bad("service a {\r\n  lisen = 1\r\n}\r\n", "t.conf:2: no such "
	    "option 'lisen'", "CFG-31 CRLF: line numbers still count");
	bad("\xef\xbb\xbf\xef\xbb\xbfservice a {}\n", "t.conf:1: no such "
	    "option '\xef\xbb\xbfservice'", "CFG-31 a second BOM is text");
}

static void
test_names(void)
{
	/* CFG-31: service names are [A-Za-z0-9_.@-]+, reported at the }. */
	bad("service \xc3\xb1 {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:4: service '\xc3\xb1': "
	    "name may hold only letters, digits and _ . @ -",
	    "CFG-31 service name n-tilde");
	bad("service a/b {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:4: service 'a/b': "
	    "name may hold only letters, digits and _ . @ -",
	    "CFG-31 service name with /");
	bad("service \"a b\" {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:4: service 'a b': "
	    "name may hold only letters, digits and _ . @ -",
	    "CFG-31 service name with a space");
	bad("service \"a\\\"b\" {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:4: service 'a\"b': "
	    "name may hold only letters, digits and _ . @ -",
	    "CFG-31 service name with \"");
	bad("service \"\" {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:4: service '': "
	    "name may hold only letters, digits and _ . @ -",
	    "CFG-31 empty service name");
	bad("service \"a\\x1bb\" {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:4: service 'a\\x1bb': "
	    "name may hold only letters, digits and _ . @ -",
	    "CFG-31 service name with ESC, escaped in the message");
	bad("service \"a\\nb\" {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:4: service 'a\\x0ab': "
	    "name may hold only letters, digits and _ . @ -",
	    "CFG-31 service name with a newline: still one line");
	if (good("service Ok.name@x-1_2 {\n  listen = { "
	    "\"tcp://127.0.0.1:7007\" }\n  command = \"/bin/cat\"\n}\n",
	    "CFG-31 every allowed character"))
		tap_ok(conf_find(conf, "Ok.name@x-1_2") != NULL,
		    "CFG-31 found by name");
	else
		tap_ok(0, "CFG-31 found by name");
}

static void
test_addresses(void)
{
	/* CFG-14: conflicts, in one service or across services. */
	bad(SVC("") "service b {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:6: service b: listen: "
	    "'tcp://127.0.0.1:7007' conflicts with 'tcp://127.0.0.1:7007' of "
	    "service a", "CFG-14 same address in two services");
	bad(SVC("") "service b {\n  listen = { \"tcp://127.0.0.1:7008\",\n"
	    "    \"tcp://*:7007\" }\n  command = \"/bin/cat\"\n}\n",
	    "t.conf:7: service b: listen: 'tcp://*:7007' conflicts with "
	    "'tcp://127.0.0.1:7007' of service a",
	    "CFG-14 * against a specific address");
	bad("service a {\n  listen = { \"tcp://*:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\nservice b {\n"
	    "  listen = { \"tcp://127.0.0.2:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:6: service b: listen: "
	    "'tcp://127.0.0.2:7007' conflicts with 'tcp://*:7007' of "
	    "service a", "CFG-14 a specific address against *");
	bad("service a {\n  listen = { \"tcp://127.0.0.1:7007\",\n"
	    "    \"tcp://127.0.0.1:7008\",\n    \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:4: service a: listen: "
	    "'tcp://127.0.0.1:7007' conflicts with 'tcp://127.0.0.1:7007' of "
	    "service a", "CFG-14 same address twice in one service");
	bad("service a {\n  listen = { \"unix:/run/t-a.sock\" }\n"
	    "  command = \"/bin/cat\"\n}\nservice b {\n"
	    "  listen = { \"unix:/run/t-a.sock\" }\n"
	    "  command = \"/bin/cat\"\n}\n", "t.conf:6: service b: listen: "
	    "'unix:/run/t-a.sock' conflicts with 'unix:/run/t-a.sock' of "
	    "service a", "CFG-14 same unix path");
	good("service a {\n  listen = { \"tcp://0.0.0.0:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\nservice b {\n"
	    "  listen = { \"tcp://[::]:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n",
	    "CFG-14 [::] and 0.0.0.0 do not conflict (v6only)");
	good("service a {\n  listen = { \"tcp://*:7007\", \"tcp://[::]:7007\","
	    " \"udp://*:7007\" }\n  command = \"/bin/cat\"\n}\n",
	    "CFG-14 *, [::] and udp on one port in one service");
	good("service a {\n  listen = { \"tcp://127.0.0.1:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\nservice b {\n"
	    "  listen = { \"tcp://127.0.0.2:7007\", \"tcp://[::1]:7007\" }\n"
	    "  command = \"/bin/cat\"\n}\n",
	    "CFG-14 different hosts on one port");

	/* CFG-15, CFG-16: t-addr covers the parser; here, the line. */
	bad(SVC_L("tcp://127.0.0.1:0", ""), "t.conf:2: service a: listen: "
	    "invalid port '0' in 'tcp://127.0.0.1:0' (1-65535, decimal)",
	    "CFG-15 port 0");
	bad(SVC_L("tcp://127.0.0.1:010", ""), "t.conf:2: service a: listen: "
	    "invalid port '010' in 'tcp://127.0.0.1:010' (1-65535, decimal)",
	    "CFG-15 port 010 is not octal");
	bad(SVC_L("udp://127.0.0.1:65536", ""), "t.conf:2: service a: "
	    "listen: invalid port '65536' in 'udp://127.0.0.1:65536' "
	    "(1-65535, decimal)", "CFG-15 port 65536");
	bad(SVC_L("tcp://127.0.0.256:80", ""), "t.conf:2: service a: listen: "
	    "invalid address 'tcp://127.0.0.256:80': host must be a numeric "
	    "IPv4 address, *, or [IPv6]", "CFG-16 host 127.0.0.256");
	bad(SVC_L("tcp://localhost:7007", ""), "t.conf:2: service a: listen: "
	    "invalid address 'tcp://localhost:7007': host must be a numeric "
	    "IPv4 address, *, or [IPv6]", "CFG-16 host name");
	bad(SVC_L("tcp://[::1]", ""), "t.conf:2: service a: listen: "
	    "invalid address 'tcp://[::1]': expected [IPV6]:PORT",
	    "CFG-16 [::1] without a port");
	bad("service a {\n  listen = { \"tcp://127.0.0.1:7007\",\n"
	    "    \"tcp://:7007\" }\n  command = \"/bin/cat\"\n}\n",
	    "t.conf:3: service a: listen: invalid address 'tcp://:7007': "
	    "expected HOST:PORT", "CFG-16 the line of the bad element");

	/* CFG-17: unix paths. */
	bad(SVC_L("unix:relative/path", ""), "t.conf:2: service a: listen: "
	    "invalid address 'unix:relative/path': unix path must be "
	    "absolute", "CFG-17 relative unix path");
	bad(SVC_L("unix:", ""), "t.conf:2: service a: listen: invalid "
	    "address 'unix:': empty unix path", "CFG-17 empty unix path");
	{
		char	 path[109], text[512], want[512];

		path[0] = '/';
		memset(path + 1, 'a', 107);
		path[108] = '\0';
		snprintf(text, sizeof text, "service a {\n  listen = { "
		    "\"unix:%s\" }\n  command = \"/bin/cat\"\n}\n", path);
		snprintf(want, sizeof want, "t.conf:2: service a: listen: "
		    "invalid address 'unix:%s': path too long (max 107)", path);
		bad(text, want, "CFG-17 108-byte unix path");
		path[107] = '\0';
		snprintf(text, sizeof text, "service a {\n  listen = { "
		    "\"unix:%s\" }\n  command = \"/bin/cat\"\n}\n", path);
		good(text, "CFG-17 107-byte unix path");
	}
	bad(SVC_L("unix:@", ""), "t.conf:2: service a: listen: invalid "
	    "address 'unix:@': empty abstract name",
	    "CFG-17 empty abstract name");

	/* allow/deny prefixes. */
	bad(SVC("  accept = yes\n  allow = { \"10.0.0.0/33\" }\n"),
	    "t.conf:5: service a: allow: invalid address prefix '10.0.0.0/33'",
	    "allow /33");
	bad(SVC("  accept = yes\n  deny = { \"10.0.0.0/8\", \"bogus\" }\n"),
	    "t.conf:5: service a: deny: invalid address prefix 'bogus'",
	    "deny with a bad prefix");
}

static void
test_modes(void)
{
	/* CFG-19: socket modes. */
	bad(SVC_L("unix:/run/t-a.sock", "  socket-mode = 0999\n"),
	    "t.conf:4: service a: socket-mode: invalid mode '0999' (octal, at "
	    "most 0777)", "CFG-19 socket-mode 0999");
	bad(SVC_L("unix:/run/t-a.sock", "  socket-mode = 07777\n"),
	    "t.conf:4: service a: socket-mode: invalid mode '07777' (octal, "
	    "at most 0777)", "CFG-19 socket-mode 07777");
	bad(SVC_L("unix:/run/t-a.sock", "  socket-mode = \"rw\"\n"),
	    "t.conf:4: service a: socket-mode: invalid mode 'rw' (octal, at "
	    "most 0777)", "CFG-19 socket-mode \"rw\"");
	bad(SVC_L("unix:/run/t-a.sock", "  socket-mode = -1\n"),
	    "t.conf:4: service a: socket-mode: invalid mode '-1' (octal, at "
	    "most 0777)", "CFG-19 socket-mode -1");
	bad(SVC_L("unix:/run/t-a.sock", "  socket-mode = 0x1ff\n"),
	    "t.conf:4: service a: socket-mode: invalid mode '0x1ff' (octal, "
	    "at most 0777)", "CFG-19 socket-mode in hex");
	bad(SVC("  socket-mode = 0600\n"), "t.conf:4: service a: socket-mode "
	    "needs a unix:/path listen address", "CFG-19 socket-mode on tcp");
	bad(SVC_L("unix:@t-abstract", "  socket-mode = 0600\n"),
	    "t.conf:4: service a: socket-mode has no effect on abstract "
	    "sockets (anyone may connect)", "CFG-19 socket-mode on abstract");
	if (good("service a {\n  listen = { \"unix:@t-abs\", "
	    "\"unix:/run/t-a.sock\" }\n  command = \"/bin/cat\"\n"
	    "  socket-mode = 0750\n}\n",
	    "CFG-19 socket-mode with a path and an abstract name"))
		tap_is_int(conf->services[0].socket_mode, 0750,
		    "CFG-19 socket-mode 0750 is octal");
	else
		tap_ok(0, "CFG-19 socket-mode 0750 is octal");
	bad("status-mode = 0999\n", "t.conf:1: status-mode: invalid mode "
	    "'0999' (octal, at most 0777)", "status-mode 0999");

	/* Overlong modes are refused before any arithmetic (UBSan-clean). */
	bad(SVC_L("unix:/run/t-a.sock", "  socket-mode = 02222222222222222222222222\n"),
	    "t.conf:4: service a: socket-mode: invalid mode "
	    "'02222222222222222222222222' (octal, at most 0777)",
	    "socket-mode with 26 octal digits");
	bad("status-mode = 02222222222222222222222222\n", "t.conf:1: "
	    "status-mode: invalid mode '02222222222222222222222222' (octal, "
	    "at most 0777)", "status-mode with 26 octal digits");
	bad("status-mode = 777777777777777777777777777777777777777777\n",
	    "t.conf:1: status-mode: invalid mode "
	    "'777777777777777777777777777777777777777777' (octal, at most "
	    "0777)", "status-mode of 42 sevens");
	bad("status-mode = 00000000000000000000000000000000000000000600\n",
	    "t.conf:1: status-mode: invalid mode "
	    "'00000000000000000000000000000000000000000600' (octal, at most "
	    "0777)", "status-mode with many leading zeros");
	bad("status-mode = 01000\n", "t.conf:1: status-mode: invalid mode "
	    "'01000' (octal, at most 0777)", "status-mode 01000");
	bad("status-mode = \"\"\n", "t.conf:1: status-mode: invalid mode "
	    "'' (octal, at most 0777)", "empty status-mode");
	good("status-mode = 0000\n" SVC(""), "status-mode 0000");
	tap_is_int(conf != NULL ? conf->status_mode : 1, 0,
	    "status-mode 0000 is 0");

	/* CFG-37: status-mode 0666 is accepted, with a warning. */
	warned("status-mode = 0666\n" SVC(""), "t.conf:1: warning: "
	    "status-mode 0666 lets every local user read service status",
	    "CFG-37 status-mode 0666");
	tap_is_int(conf != NULL ? conf->status_mode : 0, 0666,
	    "CFG-37 status-mode 0666 applied");
	good("status-mode = 0640\n" SVC(""), "status-mode 0640");
	tap_is_int(conf != NULL ? conf->status_mode : 0, 0640,
	    "status-mode 0640 is octal");
	good("status-mode = 600\n" SVC(""), "status-mode 600");
	tap_is_int(conf != NULL ? conf->status_mode : 0, 0600,
	    "status-mode without a leading 0 is still octal");
}

static void
test_users(void)
{
	struct passwd *pw;
	struct group *gr;
	const struct service_conf *s;

	/* CFG-20: unknown or malformed users never mean root. */
	bad(SVC("  user = nosuchuser\n"), "t.conf:4: service a: user: "
	    "unknown user 'nosuchuser'", "CFG-20 user nosuchuser");
	bad(SVC("  user = 0day\n"), "t.conf:4: service a: user: unknown user "
	    "'0day'", "CFG-20 user 0day");
	bad(SVC("  user = 0x0\n"), "t.conf:4: service a: user: unknown user "
	    "'0x0'", "CFG-20 user 0x0");
	bad(SVC("  user = 0\n"), "t.conf:4: service a: user: unknown user "
	    "'0'", "CFG-20 user 0 (a uid is no name)");
	bad(SVC("  user = \"\"\n"), "t.conf:4: service a: user: unknown user "
	    "''", "CFG-20 empty user");
	bad(SVC("  group = nosuchgroup\n"), "t.conf:4: service a: group: "
	    "unknown group 'nosuchgroup'", "CFG-20 group nosuchgroup");

	if (geteuid() != 0) {
		tap_skip("user = nobody, group = nogroup resolved", "not root");
		tap_skip("CFG-21 user needs root", "not root");
		return;
	}
	pw = getpwnam("nobody");
	gr = getgrnam("nogroup");
	if (pw == NULL || gr == NULL) {
		tap_skip("user = nobody, group = nogroup resolved",
		    "no nobody/nogroup here");
		tap_skip("CFG-21 user needs root", "no nobody here");
		return;
	}
	if (good(SVC("  user = nobody\n"), "user = nobody")) {
		s = &conf->services[0];
		tap_is_str(s->user, "nobody", "user name kept");
		tap_is_int(s->uid, pw->pw_uid, "uid of nobody");
		tap_is_int(s->gid, pw->pw_gid, "gid: nobody's primary group");
		tap_is_str(s->home, pw->pw_dir, "home of nobody");
		tap_is_str(s->shell, pw->pw_shell, "shell of nobody");
		tap_ok(s->ngroups >= 1 && s->groups[0] == pw->pw_gid,
		    "supplementary groups start with the primary group");
		tap_is_str(s->group, NULL, "group unset");
	} else
		tap_ok(0, "user = nobody resolved");
	if (good(SVC("  user = nobody\n  group = nogroup\n"),
	    "user = nobody, group = nogroup"))
		tap_is_int(conf->services[0].gid, gr->gr_gid,
		    "gid of nogroup");
	else
		tap_ok(0, "gid of nogroup");
	if (good(SVC("  group = nogroup\n"), "group alone"))
		tap_ok(conf->services[0].user == NULL &&
		    conf->services[0].gid == gr->gr_gid, "group alone: gid");
	else
		tap_ok(0, "group alone: gid");

	/* CFG-21: not root, no user change (seteuid back and forth). */
	if (seteuid(pw->pw_uid) == -1) {
		tap_skip("CFG-21 user needs root", "seteuid failed");
		return;
	}
	load(SVC("  user = nobody\n"));
	if (seteuid(0) == -1) {
		perror("seteuid");
		exit(1);
	}
	tap_ok(conf == NULL, "CFG-21 user as non-root: refused");
	tap_is_str(errors, "t.conf:4: service a: cannot change user or group "
	    "when not running as root", "CFG-21 user as non-root: message");
}

static void
test_commands(void)
{
	const struct service_conf *s;

	/* CFG-22 */
	bad(CMD("\"\""), "t.conf:3: service a: command: command is empty",
	    "CFG-22 empty command");
	bad(CMD("\"   \""), "t.conf:3: service a: command: command is empty",
	    "CFG-22 blank command");
	bad(CMD("\"relative/bin -x\""), "t.conf:3: service a: command: "
	    "program 'relative/bin' must be an absolute path",
	    "CFG-22 relative program");
	bad(CMD("\"cat\""), "t.conf:3: service a: command: program 'cat' "
	    "must be an absolute path", "CFG-22 bare program name, no PATH");
	bad(CMD("\"/nonexistent\""), "t.conf:3: service a: command: program "
	    "'/nonexistent': No such file or directory",
	    "CFG-22 missing program");
	bad(CMD("\"/etc/passwd\""), "t.conf:3: service a: command: program "
	    "'/etc/passwd' is not an executable file",
	    "CFG-22 program not executable");
	bad(CMD("\"/etc\""), "t.conf:3: service a: command: program '/etc' "
	    "is not an executable file", "CFG-22 program is a directory");

	/* CFG-23: quoting, escapes and control characters. */
	bad(CMD("\"/bin/cat \\\"unbalanced\""), "t.conf:3: service a: "
	    "command: unbalanced double quote", "CFG-23 unbalanced \"");
	bad(CMD("\"/bin/cat 'unbalanced\""), "t.conf:3: service a: command: "
	    "unbalanced single quote", "CFG-23 unbalanced '");
	bad(CMD("\"/bin/cat trailing\\\\\""), "t.conf:3: service a: command: "
	    "trailing backslash", "CFG-23 trailing backslash");
	bad(CMD("'/bin/cat x\\\\'"), "t.conf:3: service a: command: "
	    "trailing backslash", "CFG-23 trailing backslash, single-quoted");
	bad(CMD("\"/bin/cat \\x1b[2J\""), "t.conf:3: service a: command: "
	    "control characters are not allowed", "CFG-23 \\x1b");
	bad(CMD("\"/bin/cat \\e\""), "t.conf:3: service a: command: control "
	    "characters are not allowed", "CFG-23 \\e");
	bad(CMD("\"/bin/cat \\n\""), "t.conf:3: service a: command: control "
	    "characters are not allowed", "CFG-23 \\n");
	bad(CMD("\"/bin/cat\\tx\""), "t.conf:3: service a: command: control "
	    "characters are not allowed", "CFG-23 \\t");
	bad(CMD("\"/bin/cat \\177\""), "t.conf:3: service a: command: "
	    "control characters are not allowed", "CFG-23 DEL");
	/* libconfuse counts the line where the string ends. */
	bad(CMD("\"/bin/cat\n  -u\""), "t.conf:4: service a: command: "
	    "control characters are not allowed",
	    "CFG-23 a raw newline inside the string");
	/* A \0 escape would cut the string short: refused before parsing. */
	bad(CMD("\"/bin/cat \\0 --evil\""), "t.conf:3: NUL character (escape "
	    "\\0 or \\x0) in a string", "CFG-23 \\0");
	bad(CMD("\"/bin/cat \\000\""), "t.conf:3: NUL character (escape "
	    "\\0 or \\x0) in a string", "CFG-23 \\000");
	bad(CMD("\"/bin/cat \\x00\""), "t.conf:3: NUL character (escape "
	    "\\0 or \\x0) in a string", "CFG-23 \\x00");
	bad(SVC("  chdir = \"/tmp\\0/x\"\n"), "t.conf:4: NUL character "
	    "(escape \\0 or \\x0) in a string", "CFG-23 \\0 in a path");
	bad(SVC("  chdir = \"/tmp\\x1b\"\n"), "t.conf:4: service a: chdir: "
	    "control characters are not allowed", "CFG-23 ESC in a path");
	bad(SVC("  pidfile = \"/run/\\a.pid\"\n"), "t.conf:4: service a: "
	    "pidfile: control characters are not allowed",
	    "CFG-23 BEL in a pidfile");
	bad("status-socket = \"/run/\\r.sock\"\n", "t.conf:1: status-socket: "
	    "control characters are not allowed", "CFG-23 CR in status-socket");

	/* Accepted commands split like sh, with no shell (SEC-12). */
	if (good(CMD("\"/bin/echo a; touch /tmp/pwned $(id) 'b c' \\\"d e\\\""
	    " f\\\\ g `x` $HOME\""), "SEC-12 shell syntax stays literal")) {
		s = &conf->services[0];
		tap_is_str(s->command, "/bin/echo a; touch /tmp/pwned $(id) "
		    "'b c' \"d e\" f\\ g `x` $HOME", "command kept as written");
		tap_ok(s->argv[0] != NULL && strcmp(s->argv[0], "/bin/echo") == 0 &&
		    strcmp(s->argv[1], "a;") == 0 &&
		    strcmp(s->argv[2], "touch") == 0 &&
		    strcmp(s->argv[3], "/tmp/pwned") == 0 &&
		    strcmp(s->argv[4], "$(id)") == 0 &&
		    strcmp(s->argv[5], "b c") == 0 &&
		    strcmp(s->argv[6], "d e") == 0 &&
		    strcmp(s->argv[7], "f g") == 0 &&
		    strcmp(s->argv[8], "`x`") == 0 &&
		    strcmp(s->argv[9], "$HOME") == 0 && s->argv[10] == NULL,
		    "argv split like sh, nothing expanded");
	} else {
		tap_ok(0, "command kept as written");
		tap_ok(0, "argv split like sh, nothing expanded");
	}
	if (good(CMD("'/bin/cat \\0'"), "a single-quoted \\0 is two characters"))
		tap_is_str(conf->services[0].argv[1], "0",
		    "'\\0' reaches argv_split as backslash-zero");
	else
		tap_ok(0, "'\\0' reaches argv_split as backslash-zero");
	if (good(CMD("\"/bin/cat \\101\\x42\""), "printable escapes"))
		tap_is_str(conf->services[0].argv[1], "AB",
		    "\\101 and \\x42 are A and B");
	else
		tap_ok(0, "\\101 and \\x42 are A and B");
}

static void
test_semantics(void)
{
	/* CFG-24, CFG-25: accept and handoff combinations. */
	bad(SVC_L("udp://127.0.0.1:7007", "  accept = yes\n"), "t.conf:2: "
	    "service a: accept = yes needs a stream socket, not "
	    "'udp://127.0.0.1:7007' (use accept = no for udp)",
	    "CFG-24 accept = yes on udp");
	bad(SVC("  accept = yes\n  type = daemon\n"), ACCEPT_ERR(5),
	    "CFG-25 accept = yes with type = daemon");
	bad(SVC("  accept = yes\n  type = forking\n"), ACCEPT_ERR(5),
	    "CFG-25 accept = yes with type = forking");
	bad(SVC("  type = notify\n  accept = yes\n"), ACCEPT_ERR(4),
	    "CFG-25 accept = yes with type = notify");
	bad(SVC("  accept = yes\n  handoff = stdio\n"), "t.conf:5: service a: "
	    "handoff has no meaning with accept = yes",
	    "CFG-25 accept = yes with handoff");
	bad(SVC("  accept = yes\n  pidfile = \"/run/t.pid\"\n"), "t.conf:5: "
	    "service a: pidfile has no meaning with accept = yes",
	    "accept = yes with a pidfile");
	bad(SVC("  handoff = stdio\n"), "t.conf:4: service a: handoff = stdio "
	    "needs type = simple or notify: a daemon that backgrounds itself "
	    "points fds 0-2 at /dev/null and loses its socket",
	    "CFG-25 handoff = stdio with the default type daemon");
	bad(SVC("  handoff = stdio\n  type = forking\n"), "t.conf:4: service "
	    "a: handoff = stdio needs type = simple or notify: a daemon that "
	    "backgrounds itself points fds 0-2 at /dev/null and loses its "
	    "socket", "CFG-25 handoff = stdio with type = forking");
	bad("service a {\n  listen = { \"tcp://127.0.0.1:7007\", "
	    "\"tcp://127.0.0.1:7008\" }\n  command = \"/bin/cat\"\n"
	    "  type = simple\n  handoff = stdio\n}\n", "t.conf:5: service a: "
	    "handoff = stdio passes one socket: give exactly one listen "
	    "address", "CFG-25 handoff = stdio with two listen addresses");
	bad(SVC("  type = simple\n  pidfile = \"/run/t.pid\"\n"), "t.conf:5: "
	    "service a: pidfile needs type = daemon",
	    "pidfile with type = simple");
	bad(SVC("  max-instances = 3\n"), "t.conf:4: service a: max-instances "
	    "needs accept = yes", "max-instances without accept");
	bad(SVC("  max-per-source = 0\n"), "t.conf:4: service a: "
	    "max-per-source needs accept = yes", "max-per-source without accept");
	bad(SVC("  allow = { \"127.0.0.0/8\" }\n"), "t.conf:4: service a: "
	    "allow needs accept = yes", "allow without accept");
	bad(SVC("\n  deny = { \"10.0.0.0/8\", \"::1/128\" }\n"), "t.conf:5: "
	    "service a: deny needs accept = yes", "deny without accept");
	bad(SVC("  accept = no\n  allow = { \"127.0.0.0/8\" }\n"), "t.conf:5: "
	    "service a: allow needs accept = yes",
	    "allow with an explicit accept = no");

	/* Keywords. */
	bad(SVC("  accept = maybe\n"), "t.conf:4: service a: accept: invalid "
	    "value 'maybe' (yes | true | on | no | false | off)",
	    "accept = maybe");
	bad(SVC("  type = bogus\n"), "t.conf:4: service a: type: invalid value "
	    "'bogus' (simple | daemon | forking | notify)", "type = bogus");
	bad(SVC("  handoff = fds\n"), "t.conf:4: service a: handoff: invalid "
	    "value 'fds' (listen-fds | stdio | bind | proxy)", "handoff = fds");
	bad(SVC("  restart = sometimes\n"), "t.conf:4: service a: restart: "
	    "invalid value 'sometimes' (on-demand | always | on-failure)",
	    "restart = sometimes");
	bad("log-level = loud\n", "t.conf:1: log-level: invalid value 'loud' "
	    "(error | warning | notice | info | debug)", "log-level = loud");
	bad(SVC("  type = Simple\n"), "t.conf:4: service a: type: invalid "
	    "value 'Simple' (simple | daemon | forking | notify)",
	    "keywords are case-sensitive");
}

#define RANGE_ERR(line, opt, val, lo, hi)				\
	"t.conf:" #line ": service a: " opt ": invalid value '" val	\
	"' (a decimal number from " #lo " to " #hi ")"

static void
test_integers(void)
{
	/* CFG-26 */
	bad(SVC("  accept = yes\n  max-instances = 0\n"),
	    RANGE_ERR(5, "max-instances", "0", 1, 65536), "CFG-26 "
	    "max-instances 0");
	bad(SVC("  accept = yes\n  max-instances = -5\n"),
	    RANGE_ERR(5, "max-instances", "-5", 1, 65536), "CFG-26 "
	    "max-instances -5");
	bad(SVC("  accept = yes\n  max-instances = 99999999999999999999\n"),
	    RANGE_ERR(5, "max-instances", "99999999999999999999", 1, 65536),
	    "CFG-26 max-instances overflow is refused, not wrapped");
	bad(SVC("  accept = yes\n  max-instances = 18446744073709551617\n"),
	    RANGE_ERR(5, "max-instances", "18446744073709551617", 1, 65536),
	    "CFG-26 max-instances 2^64+1 is not 1");
	bad(SVC("  accept = yes\n  max-instances = 4294967297\n"),
	    RANGE_ERR(5, "max-instances", "4294967297", 1, 65536),
	    "CFG-26 max-instances 2^32+1 is not 1");
	bad(SVC("  start-limit-burst = 0\n"),
	    RANGE_ERR(4, "start-limit-burst", "0", 1, 1000),
	    "CFG-26 start-limit-burst 0");
	bad("backlog = 0\n", "t.conf:1: backlog: invalid value '0' (a decimal "
	    "number from 1 to 65535)", "CFG-26 backlog 0");
	bad("backlog = 1000000\n", "t.conf:1: backlog: invalid value "
	    "'1000000' (a decimal number from 1 to 65535)",
	    "CFG-26 backlog 1000000");
	bad(SVC("  accept = yes\n  max-per-source = -1\n"),
	    RANGE_ERR(5, "max-per-source", "-1", 0, 65536),
	    "max-per-source -1");
	bad(SVC("  accept = yes\n  max-per-source = -0\n"),
	    RANGE_ERR(5, "max-per-source", "-0", 0, 65536),
	    "max-per-source -0 is no spelling of 0");
	bad(SVC("  accept = yes\n  max-per-source = "
	    "-99999999999999999999999999\n"),
	    RANGE_ERR(5, "max-per-source", "-99999999999999999999999999", 0,
	    65536), "max-per-source with a negative overflow");
	bad(SVC("  output-lines = 1001\n"),
	    RANGE_ERR(4, "output-lines", "1001", 0, 1000),
	    "output-lines above 1000");
	bad(SVC("  output-lines = -1\n"),
	    RANGE_ERR(4, "output-lines", "-1", 0, 1000), "output-lines -1");
	if (good(SVC("  output-lines = 0\n"), "output-lines 0"))
		tap_is_int(conf->services[0].output_lines, 0,
		    "output-lines 0: none kept");
	bad(SVC("  stop-timeout = 9223372036854775808\n"),
	    RANGE_ERR(4, "stop-timeout", "9223372036854775808", 1, 86400),
	    "stop-timeout 2^63 refused, not wrapped");
	bad("backlog = 9223372036854775807\n", "t.conf:1: backlog: invalid "
	    "value '9223372036854775807' (a decimal number from 1 to 65535)",
	    "backlog LLONG_MAX refused by the range");

	/* CFG-27 */
	bad(SVC("  start-timeout = -1\n"),
	    RANGE_ERR(4, "start-timeout", "-1", 1, 86400),
	    "CFG-27 start-timeout -1");
	bad(SVC("  start-timeout = 0\n"),
	    RANGE_ERR(4, "start-timeout", "0", 1, 86400),
	    "CFG-27 start-timeout 0");
	bad(SVC("  start-timeout = 1e309\n"),
	    RANGE_ERR(4, "start-timeout", "1e309", 1, 86400),
	    "CFG-27 start-timeout 1e309");
	bad(SVC("  start-timeout = \"5s\"\n"),
	    RANGE_ERR(4, "start-timeout", "5s", 1, 86400),
	    "CFG-27 start-timeout \"5s\"");
	bad(SVC("  start-timeout = 1.5\n"),
	    RANGE_ERR(4, "start-timeout", "1.5", 1, 86400),
	    "CFG-27 start-timeout 1.5");
	bad(SVC("  start-timeout = 010\n"),
	    RANGE_ERR(4, "start-timeout", "010", 1, 86400),
	    "CFG-27 010 is not octal 8");
	bad(SVC("  stop-timeout = 0x10\n"),
	    RANGE_ERR(4, "stop-timeout", "0x10", 1, 86400),
	    "CFG-27 0x10 is not hex 16");
	bad(SVC("  stop-timeout = 86401\n"),
	    RANGE_ERR(4, "stop-timeout", "86401", 1, 86400),
	    "CFG-27 stop-timeout 86401");
	bad(SVC("  start-limit-interval = \" 5\"\n"),
	    RANGE_ERR(4, "start-limit-interval", " 5", 1, 86400),
	    "CFG-27 a blank before the number");
	if (good(SVC("  start-timeout = 86400\n  stop-timeout = 1\n"
	    "  start-limit-burst = 1000\n  start-limit-interval = 1\n"),
	    "range limits are inclusive"))
		tap_ok(conf->services[0].start_timeout == 86400 &&
		    conf->services[0].stop_timeout == 1 &&
		    conf->services[0].start_limit_burst == 1000 &&
		    conf->services[0].start_limit_interval == 1,
		    "range limits read");
	else
		tap_ok(0, "range limits read");
}

static void
test_env_and_paths(void)
{
	/* CFG-32, CFG-33 */
	bad(SVC("  environment = { \"NOEQUALS\" }\n"), "t.conf:4: service a: "
	    "environment: 'NOEQUALS': expected NAME=VALUE", "CFG-32 NOEQUALS");
	bad(SVC("  environment = { \"=x\" }\n"), "t.conf:4: service a: "
	    "environment: '=x': empty variable name", "CFG-32 =x");
	bad(SVC("  environment = { \"A B=1\" }\n"), "t.conf:4: service a: "
	    "environment: 'A B=1': variable name may hold only letters, "
	    "digits and _", "CFG-32 A B=1");
	bad(SVC("  environment = { \"1A=1\" }\n"), "t.conf:4: service a: "
	    "environment: '1A=1': variable name must start with a letter or _",
	    "CFG-32 1A=1");
	bad(SVC("  environment = { \"X=\\n\" }\n"), "t.conf:4: service a: "
	    "environment: control characters are not allowed", "CFG-32 X=\\n");
	bad(SVC("  environment = { \"LANG=C\",\n    \"X=\\x1b\" }\n"),
	    "t.conf:5: service a: environment: control characters are not "
	    "allowed", "CFG-32 the line of the bad entry");
	bad(SVC("  environment = { \"LISTEN_FDS=9\" }\n"), "t.conf:4: service "
	    "a: environment: 'LISTEN_FDS=9': reserved variable: activator sets "
	    "it", "CFG-33 LISTEN_FDS");
	bad(SVC("  environment = { \"LISTEN_PID=1\" }\n"), "t.conf:4: service "
	    "a: environment: 'LISTEN_PID=1': reserved variable: activator sets "
	    "it", "CFG-33 LISTEN_PID");
	bad(SVC("  environment = { \"LISTEN_FDNAMES=x\" }\n"), "t.conf:4: "
	    "service a: environment: 'LISTEN_FDNAMES=x': reserved variable: "
	    "activator sets it", "CFG-33 LISTEN_FDNAMES");
	bad(SVC("  environment = { \"NOTIFY_SOCKET=/x\" }\n"), "t.conf:4: "
	    "service a: environment: 'NOTIFY_SOCKET=/x': reserved variable: "
	    "activator sets it", "CFG-33 NOTIFY_SOCKET");
	bad(SVC("  environment = { \"REMOTE_ADDR=1.2.3.4\" }\n"), "t.conf:4: "
	    "service a: environment: 'REMOTE_ADDR=1.2.3.4': reserved variable: "
	    "activator sets it", "CFG-33 REMOTE_ADDR");
	if (good(SVC("  environment = { \"LANG=C\", \"_X1=a=b\", \"EMPTY=\","
	    " \"LISTEN_FDSX=1\" }\n"), "environment entries")) {
		const struct service_conf *s = &conf->services[0];
		tap_is_int((long long)s->nenv, 4, "four entries");
		tap_ok(strcmp(s->env[0], "LANG=C") == 0 &&
		    strcmp(s->env[1], "_X1=a=b") == 0 &&
		    strcmp(s->env[2], "EMPTY=") == 0 &&
		    strcmp(s->env[3], "LISTEN_FDSX=1") == 0 &&
		    s->env[4] == NULL, "entries in order, NULL-terminated");
	} else {
		tap_ok(0, "four entries");
		tap_ok(0, "entries in order, NULL-terminated");
	}

	/* CFG-34: pidfile. */
	bad(SVC("  pidfile = \"relative.pid\"\n"), "t.conf:4: service a: "
	    "pidfile: 'relative.pid' must be an absolute path",
	    "CFG-34 relative pidfile");
	warned(SVC("  pidfile = \"/tmp/t.pid\"\n"), "t.conf:4: warning: "
	    "pidfile '/tmp/t.pid' is in /tmp, which other users may write",
	    "CFG-34 pidfile in /tmp");
	good(SVC("  pidfile = \"/run/t.pid\"\n"), "pidfile in /run");
	bad(SVC("  chdir = \"relative\"\n"), "t.conf:4: service a: chdir: "
	    "'relative' must be an absolute path", "relative chdir");

	/* CFG-36: status-socket. */
	bad("status-socket = \"activator.sock\"\n", "t.conf:1: status-socket: "
	    "'activator.sock' must be an absolute path",
	    "CFG-36 relative status-socket");
	bad("status-socket = \"\"\n", "t.conf:1: status-socket: '' must be "
	    "an absolute path", "CFG-36 empty status-socket");
	warned("status-socket = \"/tmp/activator.sock\"\n" SVC(""),
	    "t.conf:1: warning: status-socket '/tmp/activator.sock' is in "
	    "/tmp, which other users may write", "CFG-36 status-socket in /tmp");
	good("status-socket = \"/run/t-activator.sock\"\n" SVC(""),
	    "status-socket in /run");
	tap_is_str(conf != NULL ? conf->status_socket : NULL,
	    "/run/t-activator.sock", "status-socket read");

	/* CFG-38: ${VAR} from the environment, not in single quotes. */
	setenv("T_CONF_DIR", "/srv/t", 1);
	unsetenv("T_CONF_UNSET");
	good(SVC("  chdir = \"${T_CONF_DIR}/x\"\n"), "CFG-38 \"${VAR}\"");
	tap_is_str(conf != NULL ? conf->services[0].chdir : NULL, "/srv/t/x",
	    "CFG-38 expanded in double quotes");
	good(SVC("  chdir = ${T_CONF_DIR}\n"), "CFG-38 unquoted ${VAR}");
	tap_is_str(conf != NULL ? conf->services[0].chdir : NULL, "/srv/t",
	    "CFG-38 expanded unquoted");
	good(SVC("  chdir = \"${T_CONF_UNSET:-/var}\"\n"),
	    "CFG-38 ${VAR:-default}");
	tap_is_str(conf != NULL ? conf->services[0].chdir : NULL, "/var",
	    "CFG-38 default used when unset");
	bad(SVC("  chdir = \"${T_CONF_UNSET}\"\n"), "t.conf:4: service a: "
	    "chdir: '' must be an absolute path", "CFG-38 unset is empty");
	bad(SVC("  chdir = '${T_CONF_DIR}'\n"), "t.conf:4: service a: chdir: "
	    "'${T_CONF_DIR}' must be an absolute path",
	    "CFG-38 not expanded in single quotes");
	/* Quotes inside ${...} are not syntax, in or out of strings. */
	good(SVC("  chdir = ${T_CONF_UNSET:-/it's}\n"),
	    "CFG-38 a quote in an unquoted ${VAR:-word}");
	tap_is_str(conf != NULL ? conf->services[0].chdir : NULL, "/it's",
	    "CFG-38 its value");
	good(SVC("  environment = { \"Q=${T_CONF_UNSET:-a\"b}\" }\n"),
	    "CFG-38 a double quote in \"${VAR:-word}\"");
	tap_is_str(conf != NULL ? conf->services[0].env[0] : NULL, "Q=a\"b",
	    "CFG-38 its value");
	setenv("T_CONF_DIR", "/srv/t\033x", 1);
	bad(SVC("  chdir = \"${T_CONF_DIR}\"\n"), "t.conf:4: service a: chdir: "
	    "control characters are not allowed",
	    "CFG-38 control characters from the environment are refused too");
	unsetenv("T_CONF_DIR");
}

static void
test_defaults(void)
{
	const struct service_conf *s;

	if (!good(SVC(""), "minimal service")) {
		tap_ok(0, "defaults");
		return;
	}
	tap_is_str(conf->path, "t.conf", "path is the name given");
	tap_ok(conf->status_socket != NULL && conf->status_socket[0] == '/' &&
	    strstr(conf->status_socket, "/activator.sock") != NULL,
	    "status-socket default: $(runstatedir)/activator.sock");
	tap_is_int(conf->status_mode, 0660, "status-mode default 0660");
	tap_is_int(conf->log_level, LOG_INFO, "log-level default info");
	tap_is_int(conf->backlog, 1024, "backlog default 1024");
	tap_is_int((long long)conf->nservices, 1, "one service");
	s = &conf->services[0];
	tap_is_str(s->name, "a", "name");
	tap_is_int((long long)s->nlisten, 1, "one listen address");
	tap_is_str(s->listen[0].spec, "tcp://127.0.0.1:7007", "listen spec");
	tap_is_int(s->listen[0].family, AF_INET, "listen family");
	tap_is_str(s->command, "/bin/cat", "command");
	tap_ok(strcmp(s->argv[0], "/bin/cat") == 0 && s->argv[1] == NULL,
	    "argv");
	tap_is_int(s->accept, 0, "accept default no");
	tap_is_int(s->type, TYPE_DAEMON, "type default daemon");
	tap_is_str(conf_type_name(s->type), "daemon", "type name");
	tap_is_int(s->handoff, HANDOFF_LISTEN_FDS, "handoff default listen-fds");
	tap_is_int(s->restart, RESTART_ON_DEMAND, "restart default on-demand");
	tap_is_str(conf_restart_name(s->restart), "on-demand", "restart name");
	tap_is_int(s->start_timeout, 30, "start-timeout default 30");
	tap_is_int(s->stop_timeout, 5, "stop-timeout default 5");
	tap_is_int(s->start_limit_burst, 5, "start-limit-burst default 5");
	tap_is_int(s->start_limit_interval, 10,
	    "start-limit-interval default 10");
	tap_is_int(s->max_instances, 64, "max-instances default 64");
	tap_is_int(s->max_per_source, 0, "max-per-source default 0");
	tap_is_int(s->socket_mode, 0660, "socket-mode default 0660");
	tap_is_int(s->output_lines, 20, "output-lines default 20");
	tap_is_str(s->chdir, "/", "chdir default /");
	tap_is_str(s->pidfile, NULL, "pidfile default none");
	tap_ok(s->user == NULL && s->group == NULL, "user, group default none");
	tap_ok(s->uid == 0 && s->gid == 0 && s->groups == NULL &&
	    s->home == NULL, "no identity resolved without user");
	tap_ok(s->nenv == 0 && s->env != NULL && s->env[0] == NULL,
	    "environment default empty");
	tap_ok(s->nallow == 0 && s->ndeny == 0, "allow, deny default none");
	tap_is_int(CONF_BACKLOG_DEFAULT, 1024, "CONF_BACKLOG_DEFAULT");
	tap_is_int(CONF_MAX_INSTANCES_DEFAULT, 64, "CONF_MAX_INSTANCES_DEFAULT");
}

static const char full[] =
    "# every option set\n"				/* 1 */
    "status-socket = \"/run/t/activator.sock\"\n"	/* 2 */
    "status-mode   = 0600\n"				/* 3 */
    "log-level     = notice\n"			/* 4 */
    "backlog       = 4096\n"				/* 5 */
    "\n"
    "service echo {\n"
    "    listen  = { \"tcp://127.0.0.1:7007\", \"tcp://[::1]:7007\",\n"
    "                \"udp://0.0.0.0:6969\", \"unix:/run/t/echo.sock\" }\n"
    "    command = \"/bin/cat -u 'a b'\"\n"
    "    accept  = no\n"
    "    type    = forking\n"
    "    pidfile = \"/run/t/echod.pid\"\n"
    "    handoff = listen-fds\n"
    "    chdir   = \"/var\"\n"
    "    environment = { \"LANG=C\", \"TZ=UTC\" }\n"
    "    restart = on-failure\n"
    "    start-timeout = 60\n"
    "    stop-timeout  = 7\n"
    "    start-limit-burst    = 3\n"
    "    start-limit-interval = 20\n"
    "    socket-mode = 0640\n"
    "}\n"
    "\n"
    "service inetd {\n"
    "    listen  = { \"tcp://*:7008\", \"unix:@t-inetd\" }\n"
    "    command = \"/bin/true\"\n"
    "    accept  = yes\n"
    "    type    = simple\n"
    "    restart = always\n"
    "    max-instances  = 32\n"
    "    max-per-source = 4\n"
    "    allow = { \"127.0.0.0/8\", \"::1/128\" }\n"
    "    deny  = { \"10.0.0.0/8\" }\n"
    "}\n"
    "\n"
    "service stdio {\n"
    "    listen  = { \"udp://[::]:6970\" }\n"
    "    command = \"/bin/cat\"\n"
    "    type    = notify\n"
    "    handoff = stdio\n"
    "}\n";

static void
test_full(void)
{
	const struct service_conf *s;

	if (!good(full, "every option set")) {
		tap_ok(0, "values of every option");
		return;
	}
	tap_is_str(conf->status_socket, "/run/t/activator.sock",
	    "status-socket");
	tap_is_int(conf->status_mode, 0600, "status-mode 0600");
	tap_is_int(conf->log_level, LOG_NOTICE, "log-level notice");
	tap_is_int(conf->backlog, 4096, "backlog 4096");
	tap_is_int((long long)conf->nservices, 3, "three services");
	tap_ok(conf_find(conf, "nope") == NULL, "conf_find: unknown name");

	s = conf_find(conf, "echo");
	tap_ok(s == &conf->services[0], "conf_find echo, config order");
	tap_is_int((long long)s->nlisten, 4, "echo: four addresses");
	tap_ok(strcmp(s->listen[0].spec, "tcp://127.0.0.1:7007") == 0 &&
	    strcmp(s->listen[1].spec, "tcp://[::1]:7007") == 0 &&
	    strcmp(s->listen[2].spec, "udp://0.0.0.0:6969") == 0 &&
	    strcmp(s->listen[3].spec, "unix:/run/t/echo.sock") == 0,
	    "echo: listen order kept");
	tap_ok(s->listen[1].family == AF_INET6 &&
	    s->listen[2].socktype == SOCK_DGRAM &&
	    s->listen[3].family == AF_UNIX, "echo: address kinds");
	tap_ok(strcmp(s->argv[0], "/bin/cat") == 0 &&
	    strcmp(s->argv[1], "-u") == 0 && strcmp(s->argv[2], "a b") == 0 &&
	    s->argv[3] == NULL, "echo: argv");
	tap_is_int(s->accept, 0, "echo: accept no");
	tap_is_int(s->type, TYPE_DAEMON, "echo: forking is daemon");
	tap_is_str(s->pidfile, "/run/t/echod.pid", "echo: pidfile");
	tap_is_int(s->handoff, HANDOFF_LISTEN_FDS, "echo: handoff");
	tap_is_str(s->chdir, "/var", "echo: chdir");
	tap_ok(s->nenv == 2 && strcmp(s->env[0], "LANG=C") == 0 &&
	    strcmp(s->env[1], "TZ=UTC") == 0 && s->env[2] == NULL,
	    "echo: environment");
	tap_is_int(s->restart, RESTART_ON_FAILURE, "echo: restart on-failure");
	tap_ok(s->start_timeout == 60 && s->stop_timeout == 7 &&
	    s->start_limit_burst == 3 && s->start_limit_interval == 20,
	    "echo: timeouts and limits");
	tap_is_int(s->socket_mode, 0640, "echo: socket-mode 0640");

	s = conf_find(conf, "inetd");
	tap_is_int(s->accept, 1, "inetd: accept yes");
	tap_is_int(s->type, TYPE_SIMPLE, "inetd: type simple");
	tap_is_int(s->restart, RESTART_ALWAYS, "inetd: restart always");
	tap_ok(s->listen[0].wildcard && s->listen[1].abstract,
	    "inetd: * and abstract");
	tap_ok(s->max_instances == 32 && s->max_per_source == 4,
	    "inetd: instance limits");
	tap_ok(s->nallow == 2 && s->allow[0].prefix == 8 &&
	    s->allow[1].prefix == 128 && s->allow[1].family == AF_INET6,
	    "inetd: allow");
	tap_ok(s->ndeny == 1 && s->deny[0].prefix == 8 &&
	    s->deny[0].family == AF_INET, "inetd: deny");
	tap_is_int(s->socket_mode, 0660, "inetd: socket-mode default");

	s = conf_find(conf, "stdio");
	tap_ok(s->type == TYPE_NOTIFY && s->handoff == HANDOFF_STDIO,
	    "stdio: notify and stdio");
	tap_is_str(conf_type_name(s->type), "notify", "stdio: type name");

	/* An accept = yes service without type is simple. */
	if (good(SVC("  accept = on\n"), "accept = on"))
		tap_ok(conf->services[0].accept == 1 &&
		    conf->services[0].type == TYPE_SIMPLE,
		    "accept = yes makes the default type simple");
	else
		tap_ok(0, "accept = yes makes the default type simple");
	if (good(SVC("  type = simple\n  handoff = stdio\n  restart = always\n"),
	    "stdio with type = simple"))
		tap_is_str(conf_restart_name(conf->services[0].restart),
		    "always", "restart name always");
	else
		tap_ok(0, "restart name always");
	/* The last value of an option given twice wins, and its line counts. */
	bad(SVC("  type = simple\n  type = daemon\n  handoff = stdio\n"),
	    "t.conf:6: service a: handoff = stdio needs type = simple or "
	    "notify: a daemon that backgrounds itself points fds 0-2 at "
	    "/dev/null and loses its socket", "an option set twice: last wins");
}

static void
test_equal(void)
{
	struct config *a, *b;
	char	*e = NULL;

	a = conf_load_buf(full, sizeof full - 1, "a", &e, NULL);
	b = conf_load_buf(full, sizeof full - 1, "b", &e, NULL);
	if (a == NULL || b == NULL) {
		tap_ok(0, "conf_service_equal");
		conf_free(a);
		conf_free(b);
		free(e);
		return;
	}
	tap_ok(conf_service_equal(&a->services[0], &b->services[0]) &&
	    conf_service_equal(&a->services[1], &b->services[1]),
	    "same text: services equal");
	tap_ok(!conf_service_equal(&a->services[0], &a->services[1]),
	    "different services differ");
	tap_ok(conf_listen_equal(&a->services[0], &b->services[0]) &&
	    !conf_listen_equal(&a->services[0], &a->services[2]),
	    "conf_listen_equal");
	b->services[1].max_per_source = 5;
	tap_ok(!conf_service_equal(&a->services[1], &b->services[1]),
	    "one field differs: not equal");
	conf_free(a);
	conf_free(b);
}

/* ---- comments: every form, every position, exact lines ---- */

static const char *comment_forms[] = {
	"# hash", "#### hashes ####", "#", "// slashes", "/// three", "//",
	"/* block */", "/**/", "/* two\n   lines */", "/* three\n\n lines */",
	"/* # and // inside */", "# /* not a block", "// /* not a block",
	"/* ** stars **/", "/*\n*/",
};

struct text {
	char	buf[4096];
	size_t	len;
	int	marked;		/* line of the error, once added */
};

static void
text_add(struct text *t, const char *s)
{
	size_t	n = strlen(s);

	if (t->len + n < sizeof t->buf) {
		memcpy(t->buf + t->len, s, n);
		t->len += n;
	}
	t->buf[t->len] = '\0';
}

/* The line the next character of T will be on. */
static int
text_line(const struct text *t)
{
	size_t	i;
	int	line = 1;

	for (i = 0; i < t->len; i++)
		if (t->buf[i] == '\n')
			line++;
	return line;
}

/* Add S with every "\n" written as EOL. */
static void
text_eol(struct text *t, const char *s, const char *eol)
{
	for (; *s != '\0'; s++) {
		char c[2] = { *s, '\0' };
		text_add(t, *s == '\n' ? eol : c);
	}
}

/*
 * A config with the comment FORM at every position it may take: on its
 * own line, at the end of a line, after an element and on its own line
 * inside a multi-line list, before an element (block comments only), and
 * between an option's name and its "=". The error (a bad element when
 * BAD_ELEMENT, else an unknown option after the list) is on the line
 * recorded in t->marked.
 */
static void
comment_config(struct text *t, const char *form, const char *eol, int bom,
    int bad_element)
{
	int	block = strncmp(form, "/*", 2) == 0;

	memset(t, 0, sizeof *t);
	if (bom)
		text_add(t, "\xef\xbb\xbf");
	text_eol(t, form, eol);
	text_eol(t, "\nlog-level = info ", eol);
	text_eol(t, form, eol);
	text_eol(t, "\n\n", eol);
	text_eol(t, form, eol);
	text_eol(t, "\nservice a { ", eol);
	text_eol(t, form, eol);
	text_eol(t, "\n  listen = { ", eol);
	text_eol(t, form, eol);
	text_eol(t, "\n    \"tcp://127.0.0.1:7001\", ", eol);
	text_eol(t, form, eol);
	text_eol(t, "\n    ", eol);
	text_eol(t, form, eol);
	text_eol(t, "\n", eol);
	if (block) {
		text_eol(t, "    ", eol);
		text_eol(t, form, eol);
		text_eol(t, " \"tcp://127.0.0.1:7002\", ", eol);
		text_eol(t, form, eol);
		text_eol(t, "\n", eol);
	}
	text_eol(t, "    ", eol);
	if (bad_element)
		t->marked = text_line(t);
	text_eol(t, bad_element ? "\"tcp://127.0.0.1:0\"" :
	    "tcp://127.0.0.1:7003", eol);
	text_eol(t, " ", eol);
	text_eol(t, form, eol);
	text_eol(t, "\n  }\n  ", eol);
	text_eol(t, form, eol);
	text_eol(t, "\n  command ", eol);
	if (block)
		text_eol(t, form, eol);
	text_eol(t, " = \"/bin/cat\" ", eol);
	text_eol(t, form, eol);
	text_eol(t, "\n", eol);
	if (!bad_element) {
		text_eol(t, "  ", eol);
		text_eol(t, form, eol);
		text_eol(t, "\n", eol);
		t->marked = text_line(t);
		text_eol(t, "  lisen = 1\n", eol);
	}
	text_eol(t, "}\n", eol);
	text_eol(t, form, eol);
}

/* DESC for a comment FORM, on one line. */
static void
comment_desc(char *desc, size_t len, const char *form, const char *rest)
{
	size_t	i;

	snprintf(desc, len, "comment '%s'%s", form, rest);
	for (i = 0; desc[i] != '\0'; i++)
		if (desc[i] == '\n')
			desc[i] = ' ';
}

static void
test_comments(void)
{
	struct text t;
	char	 want[256], desc[256], rest[64], *file, *edited;
	size_t	 f, len, i, pos;
	int	 eol, bom, which, wrong = 0, nlines, line, k;
	FILE	*fp;
	const char *srcdir;

	for (f = 0; f < sizeof comment_forms / sizeof comment_forms[0]; f++)
	    for (eol = 0; eol < 2; eol++)
		for (bom = 0; bom < 2; bom++)
		    for (which = 0; which < 2; which++) {
			comment_config(&t, comment_forms[f], eol ? "\r\n" :
			    "\n", bom, which);
			if (which)
				snprintf(want, sizeof want, "t.conf:%d: service "
				    "a: listen: invalid port '0' in "
				    "'tcp://127.0.0.1:0' (1-65535, decimal)",
				    t.marked);
			else
				snprintf(want, sizeof want, "t.conf:%d: no such "
				    "option 'lisen'", t.marked);
			snprintf(rest, sizeof rest, "%s%s, %s", eol ? ", CRLF" :
			    "", bom ? ", BOM" : "", which ? "bad list element" :
			    "unknown option after the list");
			comment_desc(desc, sizeof desc, comment_forms[f], rest);
			bad_len(t.buf, t.len, want, desc);
		    }

	/* The same configs without the error are read whole. */
	for (f = 0; f < sizeof comment_forms / sizeof comment_forms[0]; f++) {
		comment_config(&t, comment_forms[f], "\r\n", 1, 0);
		pos = (size_t)(strstr(t.buf, "  lisen = 1") - t.buf);
		memcpy(t.buf + pos, "  # xxxxx", 9);
		load_len(t.buf, t.len);
		comment_desc(desc, sizeof desc, comment_forms[f], " everywhere, "
		    "CRLF, BOM: accepted with every element");
		if (!tap_ok(conf != NULL && conf->log_level == LOG_INFO &&
		    conf->services[0].nlisten ==
		    (strncmp(comment_forms[f], "/*", 2) == 0 ? 3u : 2u) &&
		    strcmp(conf->services[0].listen[conf->services[0].nlisten -
		    1].spec, "tcp://127.0.0.1:7003") == 0 &&
		    strcmp(conf->services[0].command, "/bin/cat") == 0, desc))
			printf("#   errors: '%s'\n", errors != NULL ? errors :
			    "(null)");
	}

	/* Comment markers in strings and variables are text. */
	if (good(CMD("\"/bin/echo # not // a /* comment */\""),
	    "comment markers in a double-quoted string"))
		tap_is_str(conf->services[0].command, "/bin/echo # not // a /* "
		    "comment */", "... are kept in the value");
	else
		tap_ok(0, "... are kept in the value");
	if (good(SVC("  environment = { 'X=# \\' // /*' }\n"),
	    "comment markers in a single-quoted string"))
		tap_is_str(conf->services[0].env[0], "X=# ' // /*",
		    "... are kept in the value");
	else
		tap_ok(0, "... are kept in the value");
	if (good(SVC("  environment = { \"X=\\\" # \\\\\" } # trailing\n"),
	    "an escaped quote does not end the string early"))
		tap_is_str(conf->services[0].env[0], "X=\" # \\",
		    "... and the comment after the string is dropped");
	else
		tap_ok(0, "... and the comment after the string is dropped");
	unsetenv("T_CONF_UNSET");
	if (good(CMD("\"/bin/echo ${T_CONF_UNSET:-#x//y}\""),
	    "comment markers in a ${VAR:-word}"))
		tap_is_str(conf->services[0].command, "/bin/echo #x//y",
		    "... are the default's text");
	else
		tap_ok(0, "... are the default's text");
	good("service a { listen = { tcp://127.0.0.1:7007 } // tcp:// here\n"
	    "  command = /bin/cat# right after a word\n}\n",
	    "// after an unquoted tcp:// word, # right after a word");
	bad(SVC("  /* never\n   closed\n"), "t.conf:4: unterminated comment: "
	    "the /* opened here is never closed",
	    "an unterminated block comment, at its start");
	bad(SVC("  x = \"${A\n}\"\n"), "t.conf:4: a ${...} variable may not "
	    "span lines", "a ${...} over two lines is refused at its line");
	bad("# a\n/* b\n */ service a {\n  listen = { \"tcp://127.0.0.1:7007\","
	    " // c\n  \"tcp://127.0.0.1:7007\" }\n  command = \"/bin/cat\"\n}\n",
	    "t.conf:5: service a: listen: 'tcp://127.0.0.1:7007' conflicts "
	    "with 'tcp://127.0.0.1:7007' of service a",
	    "an error found after parsing points at the right line too");

	/*
	 * The shipped example (made by make from conf/activator.conf.in, so
	 * in the build tree): an error on line K is reported on line K.
	 */
	srcdir = getenv("top_builddir");
	snprintf(want, sizeof want, "%s/conf/activator.conf",
	    srcdir != NULL ? srcdir : "../..");
	file = NULL;
	len = 0;
	if ((fp = fopen(want, "r")) != NULL) {
		file = malloc(65536);
		len = fread(file, 1, 65535, fp);
		fclose(fp);
	}
	if (file == NULL || len == 0) {
		tap_ok(0, "conf/activator.conf read");
		free(file);
		return;
	}
	file[len] = '\0';
	good(file, "conf/activator.conf as shipped");
	for (nlines = 0, i = 0; i < len; i++)
		nlines += file[i] == '\n';
	edited = malloc(len + 64);
	for (line = 1; line <= nlines + 1; line++) {
		/* Insert a bad line before line LINE. */
		for (pos = 0, k = 1; k < line; pos++)
			if (file[pos] == '\n')
				k++;
		memcpy(edited, file, pos);
		memcpy(edited + pos, "bogus = 1\n", 10);
		memcpy(edited + pos + 10, file + pos, len - pos);
		load_len(edited, len + 10);
		snprintf(want, sizeof want, "t.conf:%d: no such option "
		    "'bogus'", line);
		if (line == 28)
			tap_is_str(errors, want, "conf/activator.conf: an error "
			    "on line 28 is reported on line 28");
		else if (errors == NULL || strcmp(errors, want) != 0) {
			if (wrong++ < 3)
				printf("# line %d: '%s'\n", line, errors != NULL ?
				    errors : "(null)");
		}
	}
	snprintf(desc, sizeof desc, "conf/activator.conf: an error on each of "
	    "its %d lines is reported on that line", nlines + 1);
	tap_is_int(wrong, 0, desc);
	free(edited);
	free(file);
}

/* One service may hand over at most 61 sockets (fds 3..63). */
static void
test_listen_count(void)
{
	char	buf[8192];
	size_t	n = 0;
	int	i;

	n += (size_t)snprintf(buf + n, sizeof buf - n, "service a {\n");
	for (i = 0; i < 62; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n,
		    "  listen += { \"tcp://127.0.0.1:%d\" }\n", 7000 + i);
	snprintf(buf + n, sizeof buf - n, "  command = \"/bin/cat\"\n}\n");
	bad(buf, "t.conf:63: service a: listen: at most 61 addresses",
	    "62 listen addresses");
	/* Drop the last one: 61 are fine. */
	n = (size_t)(strstr(buf, "7061") - buf);
	while (buf[n] != '\n')
		n--;
	snprintf(buf + n + 1, sizeof buf - n - 1,
	    "  command = \"/bin/cat\"\n}\n");
	good(buf, "61 listen addresses");
}

int
main(void)
{
	test_syntax();
	test_comments();
	test_names();
	test_addresses();
	test_modes();
	test_users();
	test_commands();
	test_semantics();
	test_integers();
	test_env_and_paths();
	test_defaults();
	test_full();
	test_equal();
	test_listen_count();
	conf_free(conf);
	free(errors);
	free(warnings);
	return tap_done();
}
