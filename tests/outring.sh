#!/bin/bash
# SPDX-License-Identifier: ISC
# outring.sh -- output-lines: each service keeps its last output lines in
# memory, for "activatorctl logs NAME" (the logs verb) and below
# "activatorctl status NAME" (status NAME logs): the last 20 by default,
# N with output-lines = N, none with 0; escaped like the log, so the JSON
# stays valid whatever the service wrote; a long line cut and marked; at
# most 4 KiB a service; accept = yes instances' stderr too; kept across
# a restart of the service; trimmed or dropped when a reload lowers
# output-lines. Plain status and list replies carry no lines.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 P3 P4 P5 P6 P7 P8 P9 <<<"$(free_port -n 9 | tr '\n' ' ')"
TC="$HELPERS/tclient"

# say.sh MODE: write something, then sleep until stopped.
cat >"$T/say.sh" <<'EOF'
#!/bin/sh
case $1 in
count)	i=1; while [ "$i" -le "$2" ]; do echo "line $i"; i=$((i + 1)); done ;;
binary)	printf 'a\000b\001\033[31m\377\376 caf\303\251 "q" \\ end\n' ;;
long)	head -c 5000 /dev/zero | tr '\0' x; echo
	head -c 1000 /dev/zero | tr '\0' '\001'; echo
	echo after ;;
big)	i=1; while [ "$i" -le 300 ]; do
		printf '%03d %0196d\n' "$i" 0; i=$((i + 1)); done ;;
run)	n=$(cat "$2" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" >"$2"
	echo "run $n a"; echo "run $n b" >&2 ;;
esac
exec sleep 600
EOF
chmod +x "$T/say.sh"
S=$T/say.sh

conf() {	# OUTPUT-LINES of chat and of three
	cat <<EOF
service chat {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$S count 30"
    type    = simple
    ${1:+output-lines = $1}
}
service three {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "$S count 10"
    type    = simple
    output-lines = ${2:-3}
}
service none {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$S count 5"
    type    = simple
    output-lines = 0
}
service bin {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$S binary"
    type    = simple
}
service long {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "$S long"
    type    = simple
}
service big {
    listen  = { "tcp://127.0.0.1:$P6" }
    command = "$S big"
    type    = simple
    output-lines = 1000
}
service again {
    listen  = { "tcp://127.0.0.1:$P7" }
    command = "$S run $T/runs"
    type    = simple
}
service inst {
    listen  = { "tcp://127.0.0.1:$P8" }
    command = "/bin/sh -c 'echo served; echo instance-said >&2; printf tail >&2'"
    accept  = yes
}
service quiet {
    listen  = { "tcp://127.0.0.1:$P9" }
    command = "$S count 1"
    type    = simple
}
EOF
}
activator_start <<<"$(conf)" || bail "activator did not start"

# The texts of the kept lines of NAME, one per line (logs -j, decoded).
texts() {
	ctl -j logs "$1" | python3 -c '
import json, sys
for l in json.load(sys.stdin)["lines"]:
    print(l["text"])'
}
last_is() {	# NAME TEXT: the newest kept line is TEXT
	[ "$(texts "$1" | tail -n 1)" = "$2" ]
}

for s in chat three none bin long big again; do
	ctl start "$s" >/dev/null || fail "start $s"
done
ok "chat wrote its 30 lines" wait_for "line 30" 10 last_is chat "line 30"
is "$(texts chat | tr '\n' ' ')" "$(seq -f 'line %g' 11 30 | tr '\n' ' ')" \
    "default output-lines: the last 20 lines, oldest first"
reply=$(ctl -j logs chat)
ok "the logs reply is valid JSON with ok, name and lines" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["ok"] is True and r["name"] == "chat" and len(r["lines"]) == 20
for l in r["lines"]:
    assert set(l) == {"time", "text"} and isinstance(l["time"], int)' "$reply"
now=$(date +%s)
ok "each line has its wall-clock time" python3 -c '
import json, sys
t = json.loads(sys.argv[1])["lines"][-1]["time"]
assert abs(t - int(sys.argv[2])) < 60, t' "$reply" "$now"
out=$(ctl logs chat)
is "$(printf '%s\n' "$out" | wc -l)" 20 "activatorctl logs prints 20 lines"
like "$(printf '%s\n' "$out" | tail -n 1)" \
    '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} line 30$' \
    "... as 'Mon DD HH:MM:SS text'"
like "$(printf '%s\n' "$out" | head -n 1)" ' line 11$' "... oldest first"

ok "three wrote its lines" wait_for "line 10" 10 last_is three "line 10"
is "$(texts three | tr '\n' ' ')" "line 8 line 9 line 10 " \
    "output-lines = 3: the last 3"

ok "none wrote its lines (in the log)" \
    wait_for "the log" 10 grep -q 'none: line 5' "$LOG"
is "$(ctl -j logs none)" '{"ok":true,"name":"none","lines":[]}' \
    "output-lines = 0: logs returns an empty list"
is "$(ctl logs none)" "" "... activatorctl logs prints nothing"

ok "bin wrote its line" wait_for "bin's line" 10 grep -q 'bin: a' "$LOG"
reply=$(ctl -j logs bin)
ok "NUL, control bytes, invalid UTF-8: the JSON is valid" \
    python3 -c 'import json, sys; json.loads(sys.argv[1])' "$reply"
# shellcheck disable=SC2016
is "$(texts bin)" 'a\x00b\x01\x1b[31m\xff\xfe caf\xc3\xa9 "q" \x5c end' \
    "... the bytes come back escaped as in the log"
like "$(ctl logs bin)" ' a\\x00b\\x01\\x1b\[31m\\xff' \
    "... and activatorctl prints them escaped"

ok "long wrote its lines" wait_for "after" 10 last_is long after
long=$(texts long)
is "$(printf '%s\n' "$long" | sed -n 1p)" \
    "$(head -c 1024 /dev/zero | tr '\0' x) [truncated]" \
    "a 5000-byte line: its first 1024 bytes, marked [truncated]"
# The rest of the cut line is dropped, not kept as another line.
is "$(printf '%s\n' "$long" | wc -l)" 3 "... the rest is dropped, not kept"
is "$(printf '%s\n' "$long" | sed -n 2p)" \
    "$(printf '\\x01%.0s' $(seq 256)) [truncated]" \
    "a line of 1000 control bytes: 1024 escaped bytes, marked"

ok "big wrote its 300 lines" wait_for "line 300" 10 \
    eval 'texts big | tail -n 1 | grep -q "^300 "'
ok "the byte bound holds: at most 4 KiB of records (10-byte header each)" \
    python3 -c '
import json, sys
ls = json.loads(sys.argv[1])["lines"]
size = sum(10 + len(l["text"].encode()) for l in ls)
n = [int(l["text"][:3]) for l in ls]
assert size <= 4096 and len(ls) >= 4096 // 210, (size, len(ls))
assert n == list(range(301 - len(ls), 301)), n' "$(ctl -j logs big)"

ok "again ran once" wait_for "run 1 b" 10 last_is again "run 1 b"
ctl restart again >/dev/null
ok "again restarted" wait_for "run 2 b" 10 last_is again "run 2 b"
is "$(texts again | tr '\n' ' ')" "run 1 a run 1 b run 2 a run 2 b " \
    "the lines survive a restart of the service (stdout and stderr)"

is "$("$TC" "tcp://127.0.0.1:$P8")" "served" "an accept = yes instance serves"
ok "its stderr lands in the ring, its partial last line marked" \
    wait_for "the instance's lines" 10 last_is inst "tail [partial]"
is "$(texts inst | tr '\n' ' ')" "instance-said tail [partial] " \
    "... in order"

st=$(ctl status chat | sed -n '/^  last error:/,$p')
is "$(printf '%s\n' "$st" | sed -n 2p)" "" \
    "activatorctl status NAME: a blank line below the block"
like "$(printf '%s\n' "$st" | sed -n 3p)" \
    '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} line 11$' "... then the lines"
is "$(printf '%s\n' "$st" | wc -l)" 22 "... all 20 of them"
like "$(printf '%s\n' "$st" | tail -n 1)" ' line 30$' "... up to the last"
is "$(ctl status quiet | tail -n 1)" "  last error: -" \
    "a service that wrote nothing: no blank line, no lines"
ok "status NAME -j: the service has its lines" python3 -c '
import json, sys
assert len(json.loads(sys.argv[1])["services"][0]["lines"]) == 20' \
    "$(ctl -j status chat)"

# Plain status and list, as the protocol carries them.
raw() {	# REQUEST: the reply line
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
b = b""
while not b.endswith(b"\n"):
    d = s.recv(65536)
    if not d:
        break
    b += d
print(b.decode().strip())' "$CTL" "$1"
}
nolines() {	# REPLY: no service in it has a lines member
	python3 -c '
import json, sys
assert all("lines" not in s for s in json.loads(sys.argv[1])["services"])' "$1"
}
ok "plain status: no lines member" nolines "$(raw status)"
ok "status NAME without the option: no lines member" nolines "$(raw 'status chat')"
ok "list: no lines member" nolines "$(raw list)"
ok "status NAME logs: the lines" python3 -c '
import json, sys
assert len(json.loads(sys.argv[1])["services"][0]["lines"]) == 20' \
    "$(raw 'status chat logs')"
like "$(raw 'status chat lines')" '"error":"usage: status \[NAME \[logs\]\]"' \
    "status NAME WORD: only logs is an option"
like "$(raw 'logs')" '"error":"usage: logs NAME"' "logs needs a name"
like "$(raw 'logs chat x')" '"error":"usage: logs NAME"' "logs takes no option"

err=$(ctl logs nosuch 2>&1)
is "$?" 1 "logs of an unknown service: exit 1"
like "$err" 'no such service: nosuch' "... saying so"
ctl logs >/dev/null 2>&1
is "$?" 2 "activatorctl logs without a name: usage, exit 2"

# A reload lowers output-lines: chat keeps its last 5, three none at all.
conf 5 0 >"$T/activator.conf"
ok "reload succeeds" ctl reload
is "$(texts chat | tr '\n' ' ')" "line 26 line 27 line 28 line 29 line 30 " \
    "reload to output-lines = 5: the last 5 are kept"
is "$(ctl -j logs three)" '{"ok":true,"name":"three","lines":[]}' \
    "reload to output-lines = 0: the lines are dropped"
ctl restart three >/dev/null
ok "three restarted, writing again" \
    wait_for "three's second run" 10 eval '[ "$(grep -c "three: line 10" "$LOG")" -ge 2 ]'
is "$(ctl -j logs three)" '{"ok":true,"name":"three","lines":[]}' \
    "... and keeps none of it"
ctl restart chat >/dev/null
ok "chat restarted" wait_for "chat's second run" 10 \
    eval '[ "$(grep -c "chat: line 30" "$LOG")" -ge 2 ]'
is "$(texts chat | tr '\n' ' ')" "line 26 line 27 line 28 line 29 line 30 " \
    "... and now keeps 5 of the new run"

# A service removed by a reload while an instance still writes.
sed -i 's/^service inst /service inst2 /' "$T/activator.conf"
ok "reload renaming inst" ctl reload
err=$(ctl logs inst 2>&1)
is "$?" 1 "the old name has no lines any more"
is "$(ctl -j logs inst2)" '{"ok":true,"name":"inst2","lines":[]}' \
    "the new name starts with none"
ok "activator still answers" ctl ping

activator_stop
is "$AEXIT" 0 "activator exits 0"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies

# -t: the range.
bad() {	# VALUE WANT
	cat >"$T/bad.conf" <<EOF
service b {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "/bin/cat"
    output-lines = $1
}
EOF
	err=$("$ACTIVATOR" -t -f "$T/bad.conf" 2>&1 >/dev/null)
	is "$?" "$2" "-t with output-lines = $1: exit $2"
}
bad 0 0
bad 1000 0
bad 1001 1
bad -1 1
done_testing
