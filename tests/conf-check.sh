#!/bin/bash
# SPDX-License-Identifier: ISC
# conf-check.sh -- the config file as the real binary sees it: activator -t
# on the example config and on the man page's examples, the bad-config
# cases of RELIABILITY.md 5.1 that need real files (CFG-01 missing, CFG-02
# unreadable, CFG-03 not a regular file, CFG-35 untrusted owner or mode,
# CFG-38 ${VAR} from the environment), start-up (-n) with bad files
# (exit 1, the same one line, nothing bound, nothing forked), and the
# command line (-l, -V, -h).  The message texts themselves are covered
# case by case in unit/t-conf.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

umask 022	# the files written here must pass CFG-35 when root
EXAMPLE=$top_builddir/conf/activator.conf	# made by make
MAN=$top_builddir/man/activator.conf.5
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1

# Run CMD... bounded by 5 s (a FIFO or /dev/zero must not hang it), with
# the output in OUT and ERR and the status in RC.
run() {
	timeout 5 "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

nlines() {
	if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi
}

# A log record on stderr without its "HH:MM:SS.mmm activator[error]: ".
strip_log() {
	sed -E 's/^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} activator\[[a-z]+\]: //'
}

# Write stdin to $T/NAME.conf and print its path.
fixture() {
	cat >"$T/$1.conf"
	echo "$T/$1.conf"
}

# activator -t -f FILE exits 1 with exactly the one line WANT on stderr.
check_t_bad() {	# DESC FILE WANT
	run "$ACTIVATOR" -t -f "$2"
	is "$RC" 1 "$1: -t exits 1"
	is "$ERR" "$3" "$1: -t prints the one error line"
	is "$OUT" "" "$1: -t prints nothing on stdout"
}

# Can strace watch the start-up for bind() and fork()?  Not everywhere
# (a container may forbid ptrace): then only the port and socket file
# are checked.
STRACE=0
strace -f -o /dev/null true 2>/dev/null && STRACE=1

# activator -n -f FILE (start-up, not just -t) exits 1 with the same one
# line as -t, binds nothing (PORT, if given, and the status socket) and
# starts no process.
check_n_bad() {	# DESC FILE WANT [PORT]
	local desc=$1 file=$2 want=$3 port=${4:-} pre=() calls
	rm -f "$T/ctl.sock" "$T/strace"
	# LeakSanitizer stops the world with ptrace, which strace holds: in a
	# sanitizer build the leak check is left to the other tests.
	[ "$STRACE" = 1 ] && pre=(env ASAN_OPTIONS=detect_leaks=0 \
	    strace -f -qq -o "$T/strace" \
	    -e 'trace=socket,bind,listen,clone,clone3,fork,vfork')
	run "${pre[@]}" "$ACTIVATOR" -n -f "$file" -s "$T/ctl.sock"
	is "$RC" 1 "$desc: start-up exits 1"
	is "$(nlines "$ERR")" 1 "$desc: start-up logs one line"
	is "$(printf '%s\n' "$ERR" | strip_log)" "$want" \
	    "$desc: start-up logs the same error as -t"
	if [ -e "$T/ctl.sock" ]; then
		fail "$desc: no status socket created"
	else
		pass "$desc: no status socket created"
	fi
	if [ -n "$port" ]; then
		is "$(ss -ltnH "sport = :$port" 2>/dev/null)" "" \
		    "$desc: port $port not listening"
	fi
	if [ "$STRACE" = 1 ]; then
		calls=$(grep -E '(bind|listen|clone3?|v?fork)\(' "$T/strace")
		is "$calls" "" "$desc: no bind, listen or fork"
	else
		skip "$desc: no bind, listen or fork" "strace cannot trace here"
	fi
}

# --- the example config -------------------------------------------------

# The example must pass where it is.  As root a config is trusted only if
# root owns it and only root may write it (CFG-35): a checkout owned by
# someone else is copied first.
ex=$EXAMPLE
if [ "$ROOT" = 1 ] && { [ "$(stat -c %u "$EXAMPLE")" != 0 ] ||
    [ $((0$(stat -c %a "$EXAMPLE") & 022)) -ne 0 ]; }; then
	diag "$EXAMPLE is not root-owned 0644 here: checking a copy"
	install -m 0644 "$EXAMPLE" "$T/example.conf"
	ex=$T/example.conf
fi
run "$ACTIVATOR" -t -f "$ex"
is "$RC" 0 "example config: -t exits 0"
is "$OUT" "$ex: configuration valid, 3 services" "example config: valid"
is "$ERR" "" "example config: no warning"

# --- the man page's examples --------------------------------------------

# Every literal block of activator.conf(5) that defines a service is a
# config of its own.  The loader checks that the program exists (a typo
# should fail -t, not a client), and /usr/local/sbin/webd and the like do
# not exist here, so each command's program is replaced with /bin/cat
# before the check; its arguments stay.  A user that does not exist here
# becomes nobody, and without root user and group are dropped (only root
# may change user).  mdoc escapes (\e, \(dq, \&) are undone.
awk -v dir="$T" '
	/^\.Bd -literal/ { n++; f = sprintf("%s/man-%d.txt", dir, n); inb = 1; next }
	inb && /^\.Ed/ { inb = 0; close(f); next }
	inb { print > f }
' "$MAN"
nman=0
for f in "$T"/man-*.txt; do
	[ -e "$f" ] || continue
	grep -qE '^[[:space:]]*service[[:space:]]' "$f" || continue
	nman=$((nman + 1))
	c=${f%.txt}.conf
	sed -E -e 's/\\e/\\/g' -e 's/\\\(dq/"/g' -e 's/\\&//g' \
	    -e 's|^([[:space:]]*command[[:space:]]*=[[:space:]]*")[^" ]+|\1/bin/cat|' \
	    "$f" >"$c"
	while read -r u; do
		getent passwd "$u" >/dev/null ||
		    sed -i -E "s/^([[:space:]]*user[[:space:]]*=[[:space:]]*)\"?$u\"?/\\1nobody/" "$c"
	done < <(sed -nE 's/^[[:space:]]*user[[:space:]]*=[[:space:]]*"?([^" ]+)"?.*/\1/p' "$c")
	[ "$ROOT" = 1 ] || sed -i -E '/^[[:space:]]*(user|group)[[:space:]]*=/d' "$c"
	name=$(sed -nE 's/^[[:space:]]*service[[:space:]]+([^ {]+).*/\1/p' "$c" |
	    head -n 1)
	run "$ACTIVATOR" -t -f "$c"
	is "$RC" 0 "man example $nman (service $name): -t exits 0" ||
	    diag "$ERR" "config:" "$(cat "$c")"
	like "$OUT" "^$c: configuration valid, [0-9]+ services?$" \
	    "man example $nman (service $name): valid"
done
if [ "$nman" -ge 3 ]; then
	pass "man page: $nman examples checked"
else
	fail "man page: only $nman examples found in $MAN"
fi

# --- CFG-01..03: what -f names ------------------------------------------

check_t_bad "CFG-01 missing file" "$T/nope.conf" \
    "$T/nope.conf: No such file or directory"
check_n_bad "CFG-01 missing file" "$T/nope.conf" \
    "$T/nope.conf: No such file or directory"

# nobody may not reach the build tree (a clone in /root): it runs a copy
# of activator, on the example less the built demo daemon.
NOBODY_ACTIVATOR=$(runnable_copy "$ACTIVATOR") || bail "cannot copy activator"
chmod 0700 "$T"
if [ "$ROOT" = 1 ] &&
    setpriv --reuid=65534 --regid=65534 --clear-groups "$NOBODY_ACTIVATOR" -V \
    >/dev/null 2>&1; then
	# $T is private (0700); let nobody through to a subdirectory.
	chmod 0711 "$T"
	mkdir -m 0755 "$T/pub"
	sed -E 's|^( *command = ")[^"]*activator-demo[^"]*"|\1/bin/cat"|' \
	    "$EXAMPLE" >"$T/nobody-example.conf"
	install -m 0600 "$T/nobody-example.conf" "$T/pub/unreadable.conf"
	install -m 0644 "$T/nobody-example.conf" "$T/pub/readable.conf"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$NOBODY_ACTIVATOR" -t -f "$T/pub/unreadable.conf"
	is "$RC" 1 "CFG-02 unreadable file: -t exits 1"
	is "$ERR" "$T/pub/unreadable.conf: Permission denied" \
	    "CFG-02 unreadable file: Permission denied"
	run setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$NOBODY_ACTIVATOR" -t -f "$T/pub/readable.conf"
	is "$RC" 0 "CFG-02 control: the same file readable by nobody is valid"
	chmod 0700 "$T"
else
	skip "CFG-02 unreadable file: -t exits 1" "needs root and setpriv"
	skip "CFG-02 unreadable file: Permission denied" "needs root"
	skip "CFG-02 control: readable by nobody" "needs root"
fi

mkdir "$T/dir.conf"
check_t_bad "CFG-03 directory" "$T/dir.conf" "$T/dir.conf: not a regular file"
mkfifo "$T/fifo.conf"
# Nobody writes to the FIFO: a blocking open or read would hang (124).
check_t_bad "CFG-03 FIFO, no writer" "$T/fifo.conf" \
    "$T/fifo.conf: not a regular file"
check_n_bad "CFG-03 FIFO at start-up" "$T/fifo.conf" \
    "$T/fifo.conf: not a regular file"
check_t_bad "CFG-03 /dev/zero" /dev/zero "/dev/zero: not a regular file"
check_t_bad "CFG-03 /dev/null" /dev/null "/dev/null: not a regular file"

# --- CFG-04..06, CFG-28 as files ----------------------------------------

: >"$T/empty.conf"
run "$ACTIVATOR" -t -f "$T/empty.conf"
is "$RC" 0 "CFG-04 empty file: -t exits 0"
is "$OUT" "$T/empty.conf: configuration valid, 0 services" \
    "CFG-04 empty file: valid, 0 services"
is "$ERR" "$T/empty.conf: warning: no services configured" \
    "CFG-04 empty file: warning"

f=$(printf '=' | fixture only-equal)
check_t_bad "CFG-06 only =" "$f" "$f:1: unexpected token '='"

# 1 KiB of fixed-seed binary (LC_ALL=C: bytes, not characters).
LC_ALL=C awk 'BEGIN { srand(42); for (i = 0; i < 1024; i++)
    printf "%c", int(rand() * 255) + 1 }' >"$T/binary.conf"
run "$ACTIVATOR" -t -f "$T/binary.conf"
is "$RC" 1 "CFG-05 binary file: -t exits 1"
like "$ERR" "^$T/binary.conf:[0-9]+: " \
    "CFG-05 binary file: FILE:LINE: message"
is "$(nlines "$ERR")" 1 "CFG-05 binary file: one line"

awk 'BEGIN { for (i = 0; i < 30000; i++) printf "x {";
    for (i = 0; i < 30000; i++) printf "}"; print "" }' >"$T/nested.conf"
# With a 1 MiB stack, unbounded recursion in the parser would crash.
RC=$( (ulimit -s 1024; timeout 5 "$ACTIVATOR" -t -f "$T/nested.conf" \
    >/dev/null 2>"$T/err"; echo $?) )
is "$RC" 1 "CFG-28 30000 nested blocks, 1 MiB stack: exits 1, no crash"
is "$(cat "$T/err")" "$T/nested.conf:1: blocks nested too deeply" \
    "CFG-28 30000 nested blocks: message"

# --- CFG-35: who may have written the file ------------------------------

if [ "$ROOT" = 1 ]; then
	refuse="refusing a config file that is not owned by root or that group or others may write"
	install -m 0644 "$EXAMPLE" "$T/trusted.conf"
	run "$ACTIVATOR" -t -f "$T/trusted.conf"
	is "$RC" 0 "CFG-35 control: root-owned 0644 is trusted"
	install -m 0664 "$EXAMPLE" "$T/gw.conf"
	check_t_bad "CFG-35 group-writable" "$T/gw.conf" "$T/gw.conf: $refuse"
	check_n_bad "CFG-35 group-writable" "$T/gw.conf" "$T/gw.conf: $refuse"
	install -m 0646 "$EXAMPLE" "$T/ow.conf"
	check_t_bad "CFG-35 world-writable" "$T/ow.conf" "$T/ow.conf: $refuse"
	install -m 0644 -o 65534 "$EXAMPLE" "$T/nobody.conf"
	check_t_bad "CFG-35 owned by nobody" "$T/nobody.conf" \
	    "$T/nobody.conf: $refuse"
	install -m 0444 -o 65534 "$EXAMPLE" "$T/nobody-ro.conf"
	check_t_bad "CFG-35 owned by nobody, read-only" "$T/nobody-ro.conf" \
	    "$T/nobody-ro.conf: $refuse"
else
	skip "CFG-35 untrusted config files" "only root refuses them"
fi

# --- CFG-38: ${VAR} comes from activator's environment ------------------

# activator.conf(5): ${NAME} is replaced in double-quoted and unquoted
# strings, by nothing if NAME is unset, ${NAME:-word} by word if unset;
# single-quoted strings are kept as they are.
f=$(fixture env-dq <<'EOF'
service a {
    listen  = { "tcp://127.0.0.1:7007" }
    command = "${T_CONF_PROG} -u"
}
EOF
)
T_CONF_PROG=/bin/cat run "$ACTIVATOR" -t -f "$f"
is "$RC" 0 "CFG-38 \"\${VAR}\" set to an existing program: valid"
T_CONF_PROG=/tmp/evil run "$ACTIVATOR" -t -f "$f"
is "$ERR" "$f:3: service a: command: program '/tmp/evil': No such file or directory" \
    "CFG-38 \"\${VAR}\" is replaced from the environment"
env -u T_CONF_PROG "$ACTIVATOR" -t -f "$f" >/dev/null 2>"$T/err"
is "$(cat "$T/err")" "$f:3: service a: command: program '-u' must be an absolute path" \
    "CFG-38 \"\${VAR}\" unset is replaced by nothing"
f=$(fixture env-default <<'EOF'
service a {
    listen  = { "tcp://127.0.0.1:7007" }
    command = "${T_CONF_PROG:-/bin/true}"
}
EOF
)
env -u T_CONF_PROG "$ACTIVATOR" -t -f "$f" >/dev/null 2>&1
is "$?" 0 "CFG-38 \${VAR:-word} unset: word is used"
T_CONF_PROG=/tmp/evil run "$ACTIVATOR" -t -f "$f"
is "$ERR" "$f:3: service a: command: program '/tmp/evil': No such file or directory" \
    "CFG-38 \${VAR:-word} set: the variable wins"
f=$(fixture env-sq <<'EOF'
service a {
    listen  = { "tcp://127.0.0.1:7007" }
    command = '${T_CONF_PROG}'
}
EOF
)
T_CONF_PROG=/bin/cat run "$ACTIVATOR" -t -f "$f"
is "$ERR" "$f:3: service a: command: program '\${T_CONF_PROG}' must be an absolute path" \
    "CFG-38 '\${VAR}' in single quotes is kept as written"
f=$(fixture env-bare <<'EOF'
service a {
    listen  = { "tcp://127.0.0.1:7007" }
    command = ${T_CONF_PROG}
}
EOF
)
T_CONF_PROG=/tmp/evil run "$ACTIVATOR" -t -f "$f"
is "$ERR" "$f:3: service a: command: program '/tmp/evil': No such file or directory" \
    "CFG-38 unquoted \${VAR} is replaced too"

# --- start-up with bad configs: exit 1, one line, nothing bound ---------

PORT=$(free_port)
f=$(fixture syntax <<EOF
service good {
    listen  = { "tcp://127.0.0.1:$PORT" }
    command = "/bin/cat"
    accept  = yes
}
service a {
    listen  = { "tcp://127.0.0.1:7007" }
    command = "/bin/cat"
    lisen   = { "tcp://127.0.0.1:7008" }
}
EOF
)
check_t_bad "CFG-10 unknown option" "$f" "$f:9: no such option 'lisen'"
check_n_bad "CFG-10 unknown option" "$f" "$f:9: no such option 'lisen'" \
    "$PORT"

f=$(fixture conflict <<EOF
service good {
    listen  = { "tcp://127.0.0.1:$PORT" }
    command = "/bin/cat"
    accept  = yes
}
service b {
    listen  = { "tcp://*:$PORT" }
    command = "/bin/cat"
}
EOF
)
want="$f:7: service b: listen: 'tcp://*:$PORT' conflicts with 'tcp://127.0.0.1:$PORT' of service good"
check_t_bad "CFG-14 address conflict" "$f" "$want"
check_n_bad "CFG-14 address conflict" "$f" "$want" "$PORT"

f=$(fixture noprog <<EOF
service good {
    listen  = { "tcp://127.0.0.1:$PORT" }
    command = "/bin/cat"
    accept  = yes
}
service b {
    listen  = { "tcp://127.0.0.1:7007" }
    command = "$T/no-such-program --daemon"
}
EOF
)
want="$f:8: service b: command: program '$T/no-such-program': No such file or directory"
check_t_bad "CFG-22 missing program" "$f" "$want"
check_n_bad "CFG-22 missing program" "$f" "$want" "$PORT"

f=$(fixture baduser <<EOF
service good {
    listen  = { "tcp://127.0.0.1:$PORT" }
    command = "/bin/cat"
    accept  = yes
}
service b {
    listen  = { "tcp://127.0.0.1:7007" }
    command = "/bin/cat"
    user    = 0day
}
EOF
)
want="$f:9: service b: user: unknown user '0day'"
check_t_bad "CFG-20 bad user" "$f" "$want"
check_n_bad "CFG-20 bad user" "$f" "$want" "$PORT"

f=$(fixture unterminated <<EOF
service good {
    listen  = { "tcp://127.0.0.1:$PORT" }
    command = "/bin/cat
    accept  = yes
}
EOF
)
want="$f:3: unterminated string: the quote opened here is never closed"
check_t_bad "CFG-08 unterminated string" "$f" "$want"
check_n_bad "CFG-08 unterminated string" "$f" "$want" "$PORT"

# CFG-04 at start-up: an empty config runs and answers ping.
if activator_start </dev/null; then
	pass "CFG-04 empty config: activator -n runs"
	ok "CFG-04 empty config: ping answered" ctl ping
	activator_stop
	is "$AEXIT" 0 "CFG-04 empty config: exit 0 on SIGTERM"
else
	fail "CFG-04 empty config: activator -n runs"
	skip "CFG-04 empty config: ping answered" "activator did not start"
	skip "CFG-04 empty config: exit 0 on SIGTERM" "activator did not start"
fi

# --- the command line ---------------------------------------------------

run "$ACTIVATOR" -t -l bogus -f "$ex"
is "$RC" 2 "-l bogus: exit 2 (usage)"
is "$(printf '%s\n' "$ERR" | head -n 1)" "activator: unknown log level 'bogus'" \
    "-l bogus: says why"
run "$ACTIVATOR" -t -l debug -f "$ex"
is "$RC" 0 "-l debug: accepted"
run "$ACTIVATOR" -t -x
is "$RC" 2 "unknown option: exit 2"
run "$ACTIVATOR" -t -f "$ex" extra
is "$RC" 2 "extra argument: exit 2"
run "$ACTIVATOR" -t -f "$ex" -s relative.sock
is "$RC" 2 "-s with a relative path: exit 2"

version=$(sed -nE 's/^#define PACKAGE_VERSION "(.*)"$/\1/p' \
    "$top_builddir/config.h")
run "$ACTIVATOR" -V
is "$RC" 0 "-V: exit 0"
is "$OUT" "activator $version" "-V: prints the version"
run "$ACTIVATOR" -h
is "$RC" 0 "-h: exit 0"
like "$OUT" "^usage: activator " "-h: usage on stdout"
is "$ERR" "" "-h: nothing on stderr"

ok "no process left behind" no_leftovers
ok "no zombie left behind" no_zombies
done_testing
