#!/bin/bash
# SPDX-License-Identifier: ISC
# control-scale.sh -- the status socket at scale (issue 15, CTL-13): with
# 300 running services the core keeps serving other services and clients
# while a large reply streams to a slow reader or one client pipelines a
# thousand requests; root keeps control whatever nobody does; floods of
# denied or malformed requests make a bounded number of log lines.  Every
# assertion is about the order of events, none about time.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed"
NSVC=300

P1=$(free_port)
{
	echo "status-mode = 0666"
	for ((i = 0; i < NSVC; i++)); do
		cat <<EOF
service s$i {
    listen  = { "unix:$T/s$i.sock" }
    command = "$HELPERS/fakedaemon listen-fds --tag $T"
    type    = simple
}
EOF
	done
	cat <<EOF
service marker {
    listen  = { "unix:$T/marker.sock" }
    command = "$HELPERS/fakedaemon nowait --tag $T"
    accept  = yes
}
service echo {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "$HELPERS/fakedaemon nowait --tag $T"
    accept  = yes
}
EOF
} >"$T/scale.conf"
activator_start <"$T/scale.conf" || bail "activator did not start"

PYLIB=$(cat <<'PY'
import json, os, resource, socket, subprocess, sys, time
SOCK, ARGS = sys.argv[1], sys.argv[2:]

def conn(timeout=60):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(SOCK)
    return s

_rest = {}
def readlines(s, n):
    """Up to n reply lines: fewer if the server closes or goes quiet.
    What was read past the n-th line is kept for the next call."""
    buf, out = _rest.pop(s, b""), []
    try:
        while True:
            while b"\n" in buf and len(out) < n:
                line, buf = buf.split(b"\n", 1)
                out.append(line)
            if len(out) == n:
                break
            d = s.recv(1 << 20)
            if not d:
                break
            buf += d
    except (socket.timeout, ConnectionResetError):
        pass
    _rest[s] = buf
    return out

def reply(line):
    r = json.loads(line)
    assert isinstance(r, dict) and isinstance(r.get("ok"), bool), line
    return r

def ask(data, n=1):
    s = conn()
    s.sendall(data)
    out = [reply(l) for l in readlines(s, n)]
    s.close()
    assert len(out) == n, "%d of %d replies to %r" % (len(out), n, data[:80])
    return out

def state(name):
    return ask(b"status %s\n" % name.encode())[0]["services"][0]["state"]

def wait_state(name, want, secs=20):
    end = time.time() + secs
    while time.time() < end:
        if state(name) == want:
            return True
        time.sleep(0.05)
    return False
PY
)
py() {
	python3 -c "$PYLIB"$'\n'"$1" "$CTL" "${@:2}"
}
# As nobody, with a python3 that nobody may run (not one under ~root).
NOBODY_PY=
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	for p in /usr/bin/python3 "$(command -v python3)"; do
		if setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$p" -c '' 2>/dev/null; then
			NOBODY_PY=$p
			break
		fi
	done
fi
nobody_py() {
	(cd / && setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$NOBODY_PY" -c "$PYLIB"$'\n'"$1" "$CTL" "${@:2}")
}

# 300 daemons running, started through the socket in one connection.
ok "start $NSVC services in one pipelined connection" py '
n = int(ARGS[0])
out = ask(b"".join(b"start s%d\n" % i for i in range(n)), n)
assert all(r == {"ok": True} for r in out), [r for r in out if not r["ok"]][:3]
' "$NSVC"
# shellcheck disable=SC2016
ok "... all $NSVC run" wait_for "$NSVC running" 120 py '
r = ask(b"list\n")[0]
running = [s for s in r["services"] if s["state"] == "running" and s["pids"]]
sys.exit(len(running) != int(ARGS[0]))' "$NSVC"

# A slow reader of large replies does not hold up other services: ten
# pipelined lists (90 kB each), nothing read, then a connection to the
# accept = yes service; only then are the replies read.  Each reply shows
# how many connections echo had accepted when it was written: the last
# ones must have seen it, so they were written after it completed.
ok "another service's connection completes while list replies stream" py '
slow = conn()
slow.sendall(b"list\n" * 10)
time.sleep(0.2)         # let the server get ahead as far as it will
out = subprocess.run([ARGS[0] + "/tclient", "-t", "60",
    "tcp://127.0.0.1:" + ARGS[1]], capture_output=True, timeout=90)
assert out.returncode == 0 and out.stdout.startswith(b"OK "), out
replies = [reply(l) for l in readlines(slow, 10)]
assert len(replies) == 10, len(replies)
seen = []
for r in replies:
    assert r["ok"] is True and len(r["services"]) == int(ARGS[2]) + 2
    echo = [s for s in r["services"] if s["name"] == "echo"][0]
    seen.append(echo["accepted"])
print("accepted seen by each reply:", seen, file=sys.stderr)
assert seen[-1] == 1, seen
' "$HELPERS" "$P1" "$NSVC"

# One request per client per loop turn: A pipelines 1000 status requests
# for marker; once A has its first reply, B stops (or starts) marker.  Some
# of A's later replies must already see the change, i.e. B was served
# while A still had requests waiting.  (Served all at once, as before,
# every one of A's replies would show the old state.)  Three tries, in
# case the test itself was descheduled for all of A's turns.
ok "1000 pipelined requests do not hold up another client's request" py '
for attempt in range(3):
    a = conn()
    a.sendall(b"status marker\n" * 1000)
    first = reply(readlines(a, 1)[0])["services"][0]["state"]
    assert first in ("listening", "stopped"), first
    verb = b"stop" if first == "listening" else b"start"
    assert ask(verb + b" marker\n")[0] == {"ok": True}
    states = [first]
    states += [reply(l)["services"][0]["state"] for l in readlines(a, 999)]
    a.close()
    assert len(states) == 1000, len(states)
    changed = [i for i, s in enumerate(states) if s != first]
    before = changed[0] if changed else 1000
    print("attempt %d: %d of the pipelined replies came before the %s" %
        (attempt + 1, before, verb.decode()), file=sys.stderr)
    if before < 1000:
        assert all(s != first for s in states[before:]), states
        break
assert before < 1000
'

# Root keeps control (SO_PEERCRED): nobody opens 1100 connections and
# holds them; only a bounded number are kept, and root's requests work.
chmod 0711 "$T"
if [ -z "$NOBODY_PY" ]; then
	for d in "nobody's floods answered" "... logged in a few lines" \
	    "nobody keeps at most 64 connections" "root can stop a service" \
	    "... which stops" "... and read the status" \
	    "refused connections logged in a few lines" "a summary line"; do
		skip "$d" "needs root, setpriv and a python3 nobody may run"
	done
else
	base=$(wc -l <"$LOG")
	ok "nobody: 5000 denied and 5000 malformed requests, each answered" \
	    nobody_py '
s = conn()
s.sendall(b"stop s1\n" * 5000 + b"frob\n" * 5000)
out = [reply(l) for l in readlines(s, 10000)]
assert len(out) == 10000, len(out)
assert all(r == {"ok": False, "error": "permission denied"}
    for r in out[:5000]), out[0]
assert all(r == {"ok": False, "error": "unknown command"}
    for r in out[5000:]), out[5000]
for i in range(50):        # and as many connections, one request each
    assert ask(b"restart s2\n")[0]["error"] == "permission denied"
'
	flood=$(tail -n "+$((base + 1))" "$LOG" | grep 'uid 65534' |
	    grep -Ec 'permission denied|unknown command|more refused|more malformed')
	ok "... logged in at most 4 lines, not 10050 ($flood)" \
	    test "$flood" -ge 1 -a "$flood" -le 4

	base=$(wc -l <"$LOG")
	mkfifo "$T/hold.fifo"
	nobody_py '
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
held = []
for i in range(1100):
    try:
        held.append(conn(5))
    except OSError:
        break
for s in held:
    try:
        s.sendall(b"ping\n")
    except OSError:
        pass
kept = sum(1 for s in held if readlines(s, 1))
print("nobody connected %d times, %d connections kept" % (len(held), kept),
    file=sys.stderr)
print(kept, flush=True)
sys.stdin.read()            # hold them until the test is done
' <"$T/hold.fifo" >"$T/hold.out" 2>"$T/hold.err" &
	holdpid=$!
	exec 7>"$T/hold.fifo"
	wait_file "$T/hold.out" 60
	diag "$(cat "$T/hold.err")"
	kept=$(head -n 1 "$T/hold.out")
	ok "nobody with 1100 connections keeps at most 64 (${kept:-?})" \
	    test "${kept:-9999}" -le 64 -a "${kept:-0}" -ge 1
	ok "root can still stop a service" ctl stop s3
	ok "... which stops" wait_state s3 stopped
	is "$(ctl -j status s4 | cut -c1-11)" '{"ok":true,' \
	    "... and read the status"
	exec 7>&-
	wait "$holdpid"
	refused=$(tail -n "+$((base + 1))" "$LOG" | grep 'uid 65534' |
	    grep -Ec 'refusing|more refused')
	ok "... the refused connections logged in at most 4 lines ($refused)" \
	    test "$refused" -le 4
	ok "the held-back lines are counted in a summary" wait_for \
	    "a summary line" 15 grep -Eq \
	    'control: uid 65534: [0-9]{4,} more refused or denied requests' \
	    "$LOG"
fi

ok "activator still answers" ctl ping
ok "activator is still the same process" proc_alive "$APID"
# Stopped here, with a generous bound, so that activator_stop's 10 s are
# not spent on 300 trees on a busy machine.
ok "stop the $NSVC services" py '
n = int(ARGS[0])
out = ask(b"".join(b"stop s%d\n" % i for i in range(n)), n)
assert all(r == {"ok": True} for r in out)
' "$NSVC"
# shellcheck disable=SC2016
ok "... all stopped" wait_for "$NSVC stopped" 120 py '
r = ask(b"list\n")[0]
sys.exit(any(s["pids"] for s in r["services"]))'
activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM"
ok "no process left" no_leftovers
ok "no zombie left" no_zombies
done_testing
