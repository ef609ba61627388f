#!/bin/bash
# SPDX-License-Identifier: ISC
# activatorctl.sh -- the client: every command in human and -j form, the
# 0/1/2 exit contract, the SO_PEERCRED gate for unprivileged peers
# (CTL-10), and a bounded, clear failure against a missing socket or one
# that is not activator's (CTL-20).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed"

read -r P1 P2 <<<"$(free_port -n 2 | tr '\n' ' ')"
config() {	# [GLOBAL-LINE]: the test's config on stdout
	cat <<EOF
$1
service echo {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$HELPERS/fakedaemon listen-fds --tag $T"
    type    = simple
}
service a.b@c-d_e {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "$HELPERS/fakedaemon listen-fds --tag $T"
    type    = simple
}
EOF
}
activator_start <<<"$(config)" || bail "activator did not start"

# Servers that are not activator (CTL-20), one socket per behaviour.  The
# silent one makes activatorctl wait its full 10 s, so that client runs in
# the background while the rest goes on.
python3 -c '
import socket, sys, threading, time
def serve(path, reply):
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(16)
    held = []
    while True:
        c, _ = s.accept()
        c.recv(4096)
        if reply == b"close":
            c.close()
            continue
        if reply:
            c.sendall(reply)
        held.append(c)		# keep it open: no EOF to help the client
replies = {"garbage": b"garbage\n", "array": b"[1,2]\n",
    "nook": b"{\"pong\":true}\n", "okstr": b"{\"ok\":\"yes\"}\n",
    "close": b"close", "silent": b"",
    "trunc": b"{\"ok\":true,\"services\":[{\"name\":\"x\"\n",
    "oklast": b"{ \"pong\" : true , \"ok\" : true }\n",
    "surrogate": b"{\"ok\":true,\"version\":\"\\ud800x\"}\n",
    "uni": b"{\"ok\":true,\"services\":[{\"extra\":{\"a\":[1,{\"b\":null}],"
        b"\"name\":\"no\"},\"name\":\"caf\\u00e9\\ud83d\\ude00\\t\","
        b"\"state\":\"running\",\"main_pid\":12,\"activations\":3,"
        b"\"listen\":[\"tcp://x:1\",\"unix:/a\\\"b\"],\"since\":12.34,"
        b"\"last_exit\":{\"signal\":\"TERM\"},\"pids\":[12,-1e0]}]}\n"}
for name, reply in replies.items():
    threading.Thread(target=serve, daemon=True,
        args=(sys.argv[1] + "/fake-" + name + ".sock", reply)).start()
time.sleep(120)
' "$T" &
fakepid=$!
for f in garbage array nook okstr close silent trunc oklast surrogate uni; do
	wait_for "fake-$f.sock" 5 test -S "$T/fake-$f.sock" ||
	    bail "the fake servers did not start"
done
(
	t0=$(date +%s%3N)
	"$ACTIVATORCTL" -s "$T/fake-silent.sock" ping 2>&1
	echo "exit $? after $(($(date +%s%3N) - t0)) ms"
) >"$T/silent.out" &
silentpid=$!

# Usage (exit 2) and the informational options (exit 0).
out=$(ctl -h 2>/dev/null)
is "$?" 0 "-h exits 0"
like "$out" "^usage: activatorctl " "... and prints the usage on stdout"
is "$(ctl -V)" "activatorctl $("$ACTIVATOR" -V | awk '{ print $2 }')" \
    "-V prints the version activator has"
usage_err() {	# DESC REGEX ARGS...: exit 2, REGEX and the usage on stderr
	local desc=$1 re=$2 err st
	shift 2
	err=$(ctl "$@" 2>&1 >/dev/null)
	st=$?
	is "$st" 2 "$desc: exit 2"
	like "$err" "$re" "$desc: says why"
	like "$err" "usage: activatorctl" "$desc: shows the usage"
}
usage_err "no command" "activatorctl: no command given"
usage_err "unknown command" "activatorctl: unknown command 'frob'" frob
usage_err "start without a name" "start needs a service name" start
usage_err "list with a name" "too many arguments for list" list echo
usage_err "status with two names" "too many arguments" status echo echo
usage_err "a bad option" "invalid option" -x ping
usage_err "a name with a newline" "invalid service name" status $'a\nping'
usage_err "a name with a space" "invalid service name" stop 'a b'

# Reading commands.
is "$(ctl ping)" pong "ping prints pong"
is "$(ctl -j ping)" '{"ok":true,"pong":true}' "-j ping prints the reply as is"
is "activator $(ctl version)" "$("$ACTIVATOR" -V)" \
    "version prints the server's version"

out=$(ctl list)
is "$?" 0 "list exits 0"
is "$(echo "$out" | head -n 1 | tr -s ' ')" \
    "NAME STATE PID ACTIVATIONS LISTEN" \
    "list has the header"
ok "list columns are aligned" python3 -c '
import re, sys
lines = sys.argv[1].splitlines()
starts = [[m.start() for m in re.finditer(r"\S+", l)] for l in lines]
assert len(lines) == 3 and all(len(s) == 5 for s in starts), starts
assert all(s == starts[0] for s in starts), starts
assert not any(l.endswith(" ") for l in lines)' "$out"
like "$out" "^echo +listening +- +0 +tcp://127\\.0\\.0\\.1:$P1$" \
    "list shows echo's row"
like "$out" "^a\\.b@c-d_e +listening +- +0 +tcp://127\\.0\\.0\\.1:$P2$" \
    "list shows a.b@c-d_e's row"
ok "list -j is JSON with both services" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["ok"] is True
assert sorted(s["name"] for s in r["services"]) == ["a.b@c-d_e", "echo"]
' "$(ctl -j list)"

out=$(ctl status a.b@c-d_e)
is "$?" 0 "status NAME exits 0"
is "$(echo "$out" | sed -n '1p')" "a.b@c-d_e:" "status starts with the name"
fields="state,accept,type,listen,main pid,pids,activations,restarts,instances"
fields="$fields,accepted,refused,last exit,since,ready time,restart pending"
is "$(echo "$out" | sed -n '2,$s/^  \([a-z ]*\): .*/\1/p' | tr '\n' ,)" \
    "$fields,last error," \
    "status has every field, indented, in order"
is "$(echo "$out" | sed -n '2,7p')" "  state: listening
  accept: no
  type: simple
  listen: tcp://127.0.0.1:$P2
  main pid: -
  pids: -" "status shows the values"
like "$out" "^  last exit: -$" "status shows no last exit yet"
like "$out" "^  since: [0-9]+\\.[0-9]s$" "status shows since in seconds"
out=$(ctl status)
is "$(echo "$out" | grep -c '^[^ ].*:$')" 2 "status with no name shows both"

out=$(ctl status nosuch 2>&1)
is "$?" 1 "status of an unknown service exits 1"
is "$out" "activatorctl: no such service: nosuch" "... with the server's error"
out=$(ctl -j status nosuch 2>/dev/null)
is "$?" 1 "... also with -j"
is "$out" '{"ok":false,"error":"no such service: nosuch"}' \
    "... which prints the reply as is"

# Changing commands print nothing and exit 0.
out=$(ctl start echo 2>&1)
is "$?:$out" "0:" "start echo exits 0 quietly"
ok "echo runs" wait_state echo running
pid1=$(svc_field echo main_pid)
like "$pid1" "^[0-9]+$" "... with a main pid"
like "$(ctl status echo)" "^  main pid: $pid1$" "status shows the main pid"
like "$(ctl list)" "^echo +running +$pid1 +1 " \
    "list shows its pid and one activation"

out=$(ctl restart echo 2>&1)
is "$?:$out" "0:" "restart echo exits 0 quietly"
# shellcheck disable=SC2016
ok "echo runs again with a new main pid" wait_for "a new pid" 10 \
    eval '[ "$(svc_field echo state)" = running ] &&
	[ "$(svc_field echo main_pid)" != "$pid1" ]'

out=$(ctl stop echo 2>&1)
is "$?:$out" "0:" "stop echo exits 0 quietly"
ok "echo is stopped" wait_state echo stopped
is "$(svc_field echo main_pid)" None "... with no main pid"

out=$(ctl stop a.b@c-d_e 2>&1)
is "$?:$out" "0:" "stop a.b@c-d_e exits 0 quietly"
ok "a.b@c-d_e is stopped" wait_state a.b@c-d_e stopped
ok "start a.b@c-d_e" ctl start a.b@c-d_e
ok "... runs" wait_state a.b@c-d_e running

out=$(ctl reload 2>&1)
is "$?:$out" "0:unchanged: echo a.b@c-d_e
sockets kept: tcp://127.0.0.1:$P2" "reload exits 0 saying what it kept (echo is stopped: no socket)"
ok "activator answers after the reload" ctl ping
cp "$T/activator.conf" "$T/good.conf"
echo 'service broken { listen = { "tcp://127.0.0.1:0" } bogus = 1 }' \
    >>"$T/activator.conf"
out=$(ctl reload 2>&1)
is "$?" 1 "a reload of a bad config exits 1"
like "$out" "^activatorctl: .*activator\\.conf:[0-9]+: " \
    "... with the file and line from the server"
cp "$T/good.conf" "$T/activator.conf"
ok "... and the old config keeps running" ctl status echo

# An unprivileged peer (CTL-10).  $T becomes traversable so that only the
# socket's own mode decides.
NOBODY_CTL=$(runnable_copy "$ACTIVATORCTL") || bail "cannot copy activatorctl"
nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$NOBODY_CTL" -s "$CTL" "$@"
}
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null 2>&1 ||
    ! nobody -V >/dev/null 2>&1; then
	skip_ctl10() {
		local d
		for d in "$@"; do
			skip "$d" "needs root, setpriv, a client nobody can run"
		done
	}
	skip_ctl10 "nobody cannot connect to a 0660 socket" \
	    "nobody may read" "nobody may not start" "nobody may not stop" \
	    "nobody may not restart" "nobody may not reload" \
	    "-j shows the JSON error" "no state change" "denial logged"
else
	chmod 0711 "$T"
	out=$(nobody ping 2>&1)
	is "$?:$out" \
	    "2:activatorctl: cannot connect to $CTL: Permission denied" \
	    "nobody cannot connect to a 0660 socket"
	activator_stop
	activator_start <<<"$(config "status-mode = 0666")" ||
	    bail "activator did not restart"
	ok "nobody may read" eval 'nobody ping >/dev/null &&
	    nobody list >/dev/null && nobody status echo >/dev/null'
	for v in "start echo" "stop echo" "restart echo" reload; do
		# shellcheck disable=SC2086
		out=$(nobody $v 2>&1)
		is "$?:$out" "1:activatorctl: permission denied" \
		    "nobody may not ${v%% *}"
	done
	is "$(nobody -j stop a.b@c-d_e)" \
	    '{"ok":false,"error":"permission denied"}' \
	    "-j shows the JSON error"
	is "$(svc_field echo state) $(svc_field a.b@c-d_e state)" \
	    "listening listening" \
	    "no state change"
	like "$(cat "$LOG")" \
	    "control: start echo by uid 65534: permission denied" \
	    "denial logged (the first; the next ones only counted)"
fi

# Nothing usable at the socket path (CTL-20): exit 2 and a clear message.
out=$("$ACTIVATORCTL" -s "$T/missing.sock" ping 2>&1)
st=$?
enoent="No such file or directory"
is "$st:$out" "2:activatorctl: cannot connect to $T/missing.sock: $enoent" \
    "a missing socket: exit 2"
: >"$T/plain"
out=$("$ACTIVATORCTL" -s "$T/plain" ping 2>&1)
is "$?:$out" "2:activatorctl: cannot connect to $T/plain: Connection refused" \
    "a regular file: exit 2"
for f in garbage array nook okstr; do
	out=$("$ACTIVATORCTL" -s "$T/fake-$f.sock" ping 2>&1)
	is "$?:$out" "2:activatorctl: invalid reply from $T/fake-$f.sock" \
	    "a server that replies $f: exit 2"
done
# -j passes the reply through: only its first member is read.
out=$("$ACTIVATORCTL" -s "$T/fake-trunc.sock" -j list 2>&1)
is "$?:$out" '0:{"ok":true,"services":[{"name":"x"' \
    "-j prints a reply as it came, unparsed after \"ok\""
out=$("$ACTIVATORCTL" -s "$T/fake-trunc.sock" list 2>&1)
is "$?:$out" "2:activatorctl: invalid reply from $T/fake-trunc.sock" \
    "... while the table checks it all: exit 2"
out=$("$ACTIVATORCTL" -s "$T/fake-oklast.sock" -j ping 2>&1)
is "$?:$out" '0:{ "pong" : true , "ok" : true }' \
    "-j finds \"ok\" anywhere in the object"
is "$("$ACTIVATORCTL" -s "$T/fake-oklast.sock" ping 2>&1)" pong \
    "... so does ping"
out=$("$ACTIVATORCTL" -s "$T/fake-surrogate.sock" version 2>&1)
is "$?:$out" "2:activatorctl: invalid reply from $T/fake-surrogate.sock" \
    "a lone surrogate escape is an invalid reply"
out=$("$ACTIVATORCTL" -s "$T/fake-uni.sock" list 2>&1)
is "$?:$(echo "$out" | sed -n 2p)" \
    "0:caf$(printf '\303\251\360\237\230\200')\\x09  running  12   3            tcp://x:1,unix:/a\"b" \
    "list decodes escapes and skips members it does not print"
out=$("$ACTIVATORCTL" -s "$T/fake-uni.sock" status 2>&1)
like "$out" "^  since: 12\\.3s$" "status: since in seconds"
like "$out" "^  last exit: signal TERM$" "status: last exit"
like "$out" "^  pids: 12 -1\\.000$" "status: pids, a real one as a real"
like "$out" "^  type: -$" "status: a missing field is -"
out=$("$ACTIVATORCTL" -s "$T/fake-close.sock" ping 2>&1)
is "$?:$out" \
    "2:activatorctl: no reply from $T/fake-close.sock: connection closed" \
    "a server that closes: exit 2"
wait "$silentpid"
is "$(head -n 1 "$T/silent.out")" \
    "activatorctl: no reply from $T/fake-silent.sock" \
    "a server that never answers: no reply"
took=$(sed -n 's/^exit 2 after \([0-9]*\) ms$/\1/p' "$T/silent.out")
ok "... exit 2 after its 10 s timeout (${took:-?} ms)" \
    test "${took:-0}" -ge 9500 -a "${took:-0}" -lt 15000
kill "$fakepid"
wait "$fakepid" 2>/dev/null

activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM"
ok "no process left" no_leftovers
ok "no zombie left" no_zombies
done_testing
