#!/bin/bash
# SPDX-License-Identifier: ISC
# defaults.sh -- one set of default paths, from configure: activator's
# config file and status socket, activatorctl's socket, the man pages and
# the generated configurations agree.  The "inspect with" line activator
# prints runs as printed: from the build tree, installed on PATH, and
# installed off PATH in a directory with a space.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

# Set by tests/Makefile.am from $(sysconfdir) and $(runstatedir).
[ -n "${default_conf:-}" ] && [ -n "${default_socket:-}" ] ||
    bail "run through make check (default_conf, default_socket unset)"
CONF=$default_conf
SOCK=$default_socket

# --- the programs -------------------------------------------------------
like "$("$ACTIVATOR" -h)" "-f  config file \\(default $CONF\\)" \
    "activator -h: default config file $CONF"
like "$("$ACTIVATOR" -h | tr -d '\n' | tr -s ' ')" \
    "default $SOCK\\)" "activator -h: default status socket $SOCK"
like "$("$ACTIVATORCTL" -h 2>&1)" "\\(default $SOCK\\)" \
    "activatorctl -h: default socket $SOCK"
if command -v strace >/dev/null; then
	like "$(strace -e trace=connect "$ACTIVATORCTL" ping 2>&1)" \
	    "connect\\(.*sun_path=\"$SOCK\"" "activatorctl with no -s connects to $SOCK"
else
	skip "activatorctl with no -s connects to $SOCK" "strace is not installed"
fi
# activator itself, with no -s and no status-socket (the socket is not
# bound: -t reads the config only, so nothing here touches $SOCK).
printf 'log-level = info\n' >"$T/empty.conf"
is "$("$ACTIVATOR" -t -f "$T/empty.conf" 2>/dev/null)" \
    "$T/empty.conf: configuration valid, 0 services" "a config with no service is valid"

# --- the man pages ------------------------------------------------------
for page in activator.8 activator.conf.5 activatorctl.8; do
	m=$top_builddir/man/$page
	nok "$page: no @placeholder@ is left" grep -E '@[a-z]+@' "$m"
	ok "$page: names $SOCK" grep -qF "$SOCK" "$m"
	if [ "$SOCK" != /run/activator.sock ]; then
		nok "$page: never names /run/activator.sock" \
		    grep -qE '(^|[^a-z])/run/activator\.sock' "$m"
	fi
done
for page in activator.8 activator.conf.5; do
	ok "$page: names $CONF" grep -qF "$CONF" "$top_builddir/man/$page"
	if [ "$CONF" != /etc/activator.conf ]; then
		nok "$page: never names /etc/activator.conf" \
		    grep -qE '(^|[^a-z])/etc/activator\.conf' "$top_builddir/man/$page"
	fi
done

# --- the configurations -------------------------------------------------
ex=$top_builddir/conf/activator.conf
nok "the example leaves status-socket at its default" \
    grep -qE '^[[:space:]]*status-socket' "$ex"
ok "... and says where that is" grep -qF "$SOCK" "$ex"
ok "the example runs the built demo daemon" \
    grep -qF "$top_builddir/src/activator-demo" "$ex"
def=$top_builddir/conf/default.conf
is "$("$ACTIVATOR" -t -f "$def" 2>/dev/null)" "$def: configuration valid, 0 services" \
    "the installed default config is valid and serves nothing"
ok "... its commented demo runs the installed demo daemon" \
    grep -qE "^#[[:space:]]*command = \"/.*/activator-demo\"" "$def"
# Its examples, uncommented, with the demo daemon of the build tree.
sed -E -e 's/^#(service |    [a-z]|\})/\1/' \
    -e "s|\"/[^\"]*/activator-demo\"|\"'$top_builddir/src/activator-demo'\"|" \
    "$def" >"$T/default-uncommented.conf"
is "$("$ACTIVATOR" -t -f "$T/default-uncommented.conf" 2>&1)" \
    "$T/default-uncommented.conf: configuration valid, 2 services" \
    "... and its commented examples are valid"
ok "the systemd unit runs the configured activator" \
    grep -qE '^ExecStart=/.*/sbin/activator -n$' "$top_builddir/conf/activator.service"

# --- the "inspect with" line --------------------------------------------
P=$(free_port)
conf() {
	cat <<EOC
service echo {
    listen  = { "tcp://127.0.0.1:$P" }
    command = "/bin/cat"
    accept  = yes
}
EOC
}
hint() {
	sed -n 's/.*inspect with: //p' "$LOG" | tail -n 1
}
# The shell's quoting of $1, as the hint should have it.
quoted() {
	case $1 in
	*[!A-Za-z0-9_@%+=:,./-]*) printf "'%s'" "$1" ;;
	*) printf '%s' "$1" ;;
	esac
}

activator_start < <(conf) || bail "activator did not start"
is "$(hint)" "$(quoted "$top_builddir/src/activatorctl") -s $(quoted "$CTL") list" \
    "from the build tree: the built activatorctl by its full name"
like "$(cd / && eval "$(hint)" 2>&1)" '^NAME +STATE' "... which runs as printed, from anywhere"
activator_stop

# Installed: copies of both programs (they need nothing of the build tree).
inst="$T/in stalled/sbin"
mkdir -p "$inst"
cp "$ACTIVATOR" "$ACTIVATORCTL" "$inst/"
PATH="$inst:$PATH" ACTIVATOR="$inst/activator" activator_start < <(conf) ||
    bail "the copy of activator did not start"
is "$(hint)" "activatorctl -s $(quoted "$CTL") list" \
    "installed, on PATH: activatorctl by its name"
like "$(PATH="$inst:$PATH" && eval "$(hint)" 2>&1)" '^NAME +STATE' \
    "... which runs as printed"
activator_stop

ACTIVATOR="$inst/activator" activator_start < <(conf) ||
    bail "the copy of activator did not start"
is "$(hint)" "'$inst/activatorctl' -s $(quoted "$CTL") list" \
    "installed off PATH, with a space: the full name, quoted"
like "$(eval "$(hint)" 2>&1)" '^NAME +STATE' "... which runs as printed"
activator_stop

ok "no leftover process" no_leftovers
done_testing
