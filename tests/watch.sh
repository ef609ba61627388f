#!/bin/bash
# SPDX-License-Identifier: ISC
# watch.sh -- `watch [NAME]` on the status socket (issue 18): one JSON
# event per line (state, activation, ready, exit, start_failed, reload),
# all services or one; activatorctl watch prints them as they come. A
# watcher that does not read is dropped at the bound on its pending
# output, logged, while the core keeps serving everyone else.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

command -v python3 >/dev/null || skip_all "needs python3"

read -r P1 P2 P3 P4 <<<"$(free_port -n 4 | tr '\n' ' ')"
F=$HELPERS/fakedaemon
TC=$HELPERS/tclient

activator_start <<CONF || bail "activator did not start"
service d {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$F listen-fds --tag $T"
    type    = simple
}
service three {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "/bin/sh -c 'exit 3'"
    accept  = yes
}
service flood {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "/bin/true"
    accept  = yes
}
CONF
cp "$T/activator.conf" "$T/good.conf"

# The watchers: every service, and d alone. Their first line says they
# are subscribed; events come after it.
ctl watch >"$T/all.out" 2>"$T/all.err" &
WALL=$!
ctl watch d >"$T/d.out" 2>"$T/d.err" &
WD=$!
subscribed() { grep -q '"watching"' "$1"; }
ok "activatorctl watch: subscribed to every service" \
    wait_for "the first line" 10 subscribed "$T/all.out"
ok "activatorctl watch d: subscribed to d" \
    wait_for "the first line" 10 subscribed "$T/d.out"
is "$(head -n1 "$T/all.out")" '{"ok":true,"watching":null}' \
    "the first line of a watch of everything"
is "$(head -n1 "$T/d.out")" '{"ok":true,"watching":"d"}' \
    "the first line of a watch of one service"

err=$(ctl watch nosuch 2>&1)
is "$?" 1 "watch of an unknown service: exit 1"
like "$err" "no such service: nosuch" "... saying so"

# has FILE EXPR: some event in FILE satisfies the python EXPR over e.
has() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]).read().splitlines()[1:]:
    e = json.loads(line)
    if eval(sys.argv[2]):
        sys.exit(0)
sys.exit(1)' "$1" "$2"
}
event() {	# DESC FILE EXPR
	ok "$1" wait_for "$1" 10 has "$2" "$3"
}
main_pid() {
	ctl -j status d | python3 -c 'import json, sys
print(json.load(sys.stdin)["services"][0]["main_pid"])'
}

# Activation by a client, readiness, running.
like "$("$TC" "tcp://127.0.0.1:$P1")" "^OK [0-9]+" "a client activates d"
event "activation of d by a client" "$T/all.out" \
    'e["event"] == "activation" and e["service"] == "d" and e["why"] == "activity on a socket" and e["instance"] is False'
event "state listening -> starting" "$T/all.out" \
    'e["event"] == "state" and e["service"] == "d" and e["from"] == "listening" and e["to"] == "starting"'
event "ready, with the main pid and the seconds the start took" \
    "$T/all.out" \
    'e["event"] == "ready" and e["service"] == "d" and isinstance(e["main_pid"], int) and e["main_pid"] > 1 and isinstance(e["seconds"], float) and e["seconds"] >= 0'
event "state starting -> running" "$T/all.out" \
    'e["event"] == "state" and e["service"] == "d" and e["from"] == "starting" and e["to"] == "running"'
main=$(main_pid)
event "ready names the main pid that status shows ($main)" "$T/all.out" \
    "e['event'] == 'ready' and e['main_pid'] == ${main:-0}"

# Stop: the main process exits (SIGTERM: exit 0), the states follow.
ok "stop d" ctl stop d
event "state running -> stopping" "$T/all.out" \
    'e["event"] == "state" and e["service"] == "d" and e["from"] == "running" and e["to"] == "stopping"'
event "exit of the main process, code 0, not an instance" "$T/all.out" \
    "e['event'] == 'exit' and e['service'] == 'd' and e['pid'] == ${main:-0} and e['code'] == 0 and e['instance'] is False and 'signal' not in e"
event "state stopping -> stopped" "$T/all.out" \
    'e["event"] == "state" and e["service"] == "d" and e["from"] == "stopping" and e["to"] == "stopped"'
ok "start d" ctl start d
event "state stopped -> listening" "$T/all.out" \
    'e["event"] == "state" and e["service"] == "d" and e["from"] == "stopped" and e["to"] == "listening"'
event "activation of d by the operator" "$T/all.out" \
    'e["event"] == "activation" and e["service"] == "d" and e["why"] == "operator start"'

# A daemon killed with SIGKILL.
like "$("$TC" "tcp://127.0.0.1:$P1")" "^OK [0-9]+" "d serves again"
running() { ctl status d | grep -q running; }
ok "d runs" wait_for "d running" 10 running
main=$(main_pid)
kill -KILL "${main:-0}"
event "exit of a daemon killed by SIGKILL: signal KILL" "$T/all.out" \
    "e['event'] == 'exit' and e['service'] == 'd' and e['pid'] == ${main:-0} and e['signal'] == 'KILL' and e['instance'] is False and 'code' not in e"

# An accept = yes instance exiting with code 3.
"$TC" "tcp://127.0.0.1:$P2" >/dev/null 2>&1
event "an instance's activation, with its pid" "$T/all.out" \
    'e["event"] == "activation" and e["service"] == "three" and e["why"] == "connection" and e["instance"] is True and e["pid"] > 1'
ipid=$(python3 -c 'import json, sys
for l in open(sys.argv[1]).read().splitlines()[1:]:
    e = json.loads(l)
    if e["event"] == "activation" and e["service"] == "three":
        print(e["pid"])' "$T/all.out" | tail -n1)
event "the instance's exit: code 3, an instance" "$T/all.out" \
    "e['event'] == 'exit' and e['service'] == 'three' and e['pid'] == ${ipid:-0} and e['code'] == 3 and e['instance'] is True"

# Reloads: one that works, one that does not.
ok "reload" ctl reload
event "reload ok, with no service member" "$T/all.out" \
    'e["event"] == "reload" and e["ok"] is True and "service" not in e and "error" not in e'
echo 'service broken {' >"$T/activator.conf"
quiet_reload() { ctl reload 2>/dev/null; }
nok "a broken configuration is not loaded" quiet_reload
event "reload failed, with the error" "$T/all.out" \
    'e["event"] == "reload" and e["ok"] is False and len(e["error"]) > 0'

# A start that fails: never ready within its start-timeout.
cp "$T/good.conf" "$T/activator.conf"
cat >>"$T/activator.conf" <<CONF
service late {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$F listen-fds --tag $T"
    type    = notify
    start-timeout = 1
}
CONF
ok "reload with a service that never says it is ready" ctl reload
"$TC" -t 3 "tcp://127.0.0.1:$P4" >/dev/null 2>&1
event "start_failed of late, with the error" "$T/all.out" \
    'e["event"] == "start_failed" and e["service"] == "late" and "not ready within 1 s" in e["error"] and e["instance"] is False'
event "state starting -> stopping after it" "$T/all.out" \
    'e["event"] == "state" and e["service"] == "late" and e["from"] == "starting" and e["to"] == "stopping"'

# Every line is one JSON object with a wall-clock time, ms precision.
ok "every event has time (now, to the ms), event and, but reload, service" \
    python3 -c '
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()[1:]
now = int(sys.argv[2])
assert len(lines) > 10, len(lines)
for l in lines:
    e = json.loads(l)
    assert re.match(r"^\{\"time\":[0-9]+\.[0-9]{1,3},\"event\":\"", l), l
    assert abs(e["time"] - now) < 300, l
    assert e["event"] in ("state", "activation", "ready", "exit",
                          "start_failed", "reload"), l
    assert ("service" in e) == (e["event"] != "reload"), l' \
    "$T/all.out" "$(date +%s)"

# The watcher of d saw d's events and nothing else.
ok "watch d: only d's events" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[1:]]
assert len(ev) > 5, ev
assert all(e.get("service") == "d" for e in ev), ev
assert any(e["event"] == "exit" and e.get("signal") == "KILL" for e in ev)' \
    "$T/d.out"
nok "watch d: no reload, no other service" \
    grep -Eq '"reload"|"three"|"late"' "$T/d.out"

# A watcher that never reads: a tiny receive buffer, then sleep until
# told to read. Events from many accept = yes connections fill its
# output; it is dropped, and everyone else is still served.
cat >"$T/slow.py" <<'PY'
import os, socket, sys, time
path, go = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.connect(path)
s.sendall(b"watch\n")
open(go + ".sent", "w").close()
for _ in range(1200):		# at most 60 s
    if os.path.exists(go):
        break
    time.sleep(0.05)
s.settimeout(10)
n, how = 0, "timeout"
try:
    for _ in range(100000):
        b = s.recv(65536)
        if not b:
            how = "eof"
            break
        n += len(b)
except ConnectionResetError:
    how = "reset"
except socket.timeout:
    pass
print(how, n)
PY
python3 "$T/slow.py" "$CTL" "$T/go" >"$T/slow.out" 2>&1 &
SLOW=$!
ok "the slow watcher subscribed" wait_for "slow.py" 10 test -e "$T/go.sent"
sleep 0.2
cat >"$T/flood.py" <<'PY'
import socket, sys, time
port, log, ctl = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def ping():
    p = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    p.settimeout(10)
    try:
        p.connect(ctl)
        p.sendall(b"ping\n")
        return p.recv(100) == b'{"ok":true,"pong":true}\n'
    except OSError:
        return False
    finally:
        p.close()

end = time.time() + 120
pings = bad = 0
for i in range(1, 4001):
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        c.recv(16)
    except OSError:
        pass
    c.close()
    if i % 50 == 0:
        pings += 1
        bad += not ping()
        if "does not read" in open(log, errors="replace").read() or \
           time.time() > end:
            break
print(i, pings, bad)
PY
python3 "$T/flood.py" "$P3" "$LOG" "$CTL" >"$T/flood.out" 2>&1
read -r nconn npings nbad <"$T/flood.out"
diag "connections made: $nconn, pings: $npings"
ok "pings during the flood were answered (${nbad:-?} of ${npings:-?} not)" \
    test "${nbad:-1}" -eq 0 -a "${npings:-0}" -gt 0
dropped() {
	grep -q 'control: watcher of uid [0-9]* pid [0-9]* does not read: over 65536 bytes pending, dropped' "$LOG"
}
ok "the watcher that does not read is dropped, with a log line" \
    wait_for "the log line" 10 dropped
is "$(grep -c 'does not read' "$LOG")" 1 "one log line for it"
is "$(ctl ping)" pong "meanwhile another client's ping is answered"
like "$(ctl status d)" "d" "... and status"
"$TC" "tcp://127.0.0.1:$P2" >/dev/null 2>&1
is "$?" 1 "... and a service still serves (exit 3: connection closed)"
touch "$T/go"
wait "$SLOW"
like "$(cat "$T/slow.out")" '^(eof|reset) [0-9]+$' \
    "the dropped watcher reads to an end of stream: $(cat "$T/slow.out")"
ok "the reading watcher is still subscribed" proc_alive "$WALL"
nc=$(grep -c '"service":"flood"' "$T/all.out")
ok "... and saw the flood's events ($nc)" test "$nc" -ge 100

# The server ends the stream: activatorctl watch exits 0.
activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM (no sanitizer report)"
wait_exit() { ! proc_alive "$1"; }
ok "activatorctl watch ends when activator does" \
    wait_for "activatorctl" 10 wait_exit "$WALL"
wait "$WALL"
is "$?" 0 "... with status 0"
wait "$WD"
is "$?" 0 "activatorctl watch d too"
is "$(cat "$T/all.err" "$T/d.err")" "" "nothing on their stderr"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
