#!/bin/bash
# SPDX-License-Identifier: ISC
# control.sh -- the status socket under bad input (RELIABILITY.md 5.2,
# CTL-01..18): every reply is one valid JSON line, abuse gets an error or
# a close and never stalls the server, descriptors return to baseline, and
# the socket path is guarded by a singleton lock.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed"

read -r P1 P2 P3 <<<"$(free_port -n 3 | tr '\n' ' ')"
activator_start <<EOF || bail "activator did not start"
status-mode = 0666
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

# Raw clients in python: py CODE [ARGS...] runs CODE after these helpers,
# with SOCK, APID and ARGS set.  An assertion failing fails the test.
PYLIB=$(cat <<'PY'
import json, os, random, resource, socket, sys, threading, time
SOCK, APID, ARGS = sys.argv[1], sys.argv[2], sys.argv[3:]

def conn(timeout=10):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(SOCK)
    return s

def readlines(s, n):
    """Up to n reply lines: fewer if the server closes or goes quiet."""
    buf, out = b"", []
    try:
        while len(out) < n:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            while b"\n" in buf and len(out) < n:
                line, buf = buf.split(b"\n", 1)
                out.append(line)
    except (socket.timeout, ConnectionResetError):
        pass
    return out

def reply(line):
    """A reply must be a JSON object with a boolean "ok"."""
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

def closed(s, timeout=10):
    """True once the server closed s (EOF or reset) within timeout."""
    end = time.time() + timeout
    try:
        while time.time() < end:
            s.settimeout(max(end - time.time(), 0.01))
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        pass
    return False

def is_error(r, msg):
    assert r == {"ok": False, "error": msg}, r

def pong():
    assert ask(b"ping\n")[0] == {"ok": True, "pong": True}

def fds():
    return len(os.listdir("/proc/%s/fd" % APID))

def rss_kb():
    for l in open("/proc/%s/status" % APID):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
PY
)
py() {
	python3 -c "$PYLIB"$'\n'"$1" "$CTL" "$APID" "${@:2}"
}

# RSS bounds mean nothing under a sanitizer or valgrind.
rss_meaningful() {
	[ "${VALGRIND:-0}" != 1 ] && ! ldd "$ACTIVATOR" 2>/dev/null |
	    grep -q -e libasan -e libubsan
}

cpu_ms() {	# utime + stime of PID in ms
	local line
	read -r line <"/proc/$1/stat"
	line=${line##*) }
	# shellcheck disable=SC2086
	set -- $line
	echo $(((${12} + ${13}) * 1000 / $(getconf CLK_TCK)))
}

ok "ping answers" ctl ping
FD0=$(fd_count "$APID")
diag "activator fd baseline: $FD0"

# The socket itself: final mode at creation, never abstract (CTL-18).
is "$(stat -c '%F %a' "$CTL")" "socket 666" "the socket has status-mode 0666"
is "$(stat -c '%F %a' "$CTL.lock")" "regular empty file 600" \
    "the singleton lock file is beside it, mode 0600"
ok "the socket is bound to its path" grep -qF " $CTL" /proc/net/unix
nok "no abstract status socket (CTL-18)" grep -qF "@$CTL" /proc/net/unix

# Well-formed requests: every field has the documented JSON type.
ok "list: every service with every field, typed" py '
r = ask(b"list\n")[0]
assert r["ok"] is True
svcs = {s["name"]: s for s in r["services"]}
assert set(svcs) == {"echo", "a.b@c-d_e"}, list(svcs)
for s in svcs.values():
    assert s["state"] == "listening", s
    assert isinstance(s["accept"], bool) and s["accept"] is False
    assert isinstance(s["type"], str)
    assert all(isinstance(a, str) for a in s["listen"]) and s["listen"]
    assert s["main_pid"] is None
    assert isinstance(s["pids"], list)
    assert all(type(p) is int for p in s["pids"])
    for k in ("activations", "restarts", "instances", "accepted", "refused"):
        assert type(s[k]) is int, k
    assert s["last_exit"] is None or isinstance(s["last_exit"], dict)
    assert type(s["since"]) in (int, float) and s["since"] >= 0
    assert s["ready_time"] is None or type(s["ready_time"]) in (int, float)
    assert isinstance(s["restart_pending"], bool)
    assert s["last_error"] is None or isinstance(s["last_error"], str)
    assert "command" not in s and "environment" not in s, "SEC-18"
assert svcs["echo"]["listen"] == ["tcp://127.0.0.1:" + ARGS[0]]
' "$P1"
ok "status with no name is list" py '
a, b = ask(b"list\nstatus\n", 2)
assert [s["name"] for s in a["services"]] == [s["name"] for s in b["services"]]
'
ok "status a.b@c-d_e: one service, the name intact" py '
r = ask(b"status a.b@c-d_e\n")[0]
assert r["ok"] is True and len(r["services"]) == 1, r
assert r["services"][0]["name"] == "a.b@c-d_e"
'
ok "ping and version" py '
pong()
r = ask(b"version\n")[0]
assert r["ok"] is True and isinstance(r["version"], str) and r["version"], r
'

# Hostile arguments (CTL-12): valid JSON errors, the name given back.
ok "status ../../etc: no such service" py '
is_error(ask(b"status ../../etc\n")[0], "no such service: ../../etc")'
ok "a name with quote and backslash comes back JSON-escaped" py '
name = "a\"b\\c\\\"d"
r = ask(b"status " + name.encode() + b"\n")[0]
is_error(r, "no such service: " + name)'
ok "a name of invalid UTF-8 still gives valid JSON" py '
r = ask(b"status \xff\xfe\xc3(\n")[0]
assert r["ok"] is False and r["error"].startswith("no such service: "), r'
ok "start/stop/restart of an unknown service" py '
for v in (b"start", b"stop", b"restart"):
    is_error(ask(v + b" nosuch\n")[0], "no such service: nosuch")'
ok "verbs are case-sensitive" py '
for v in (b"PING", b"Status", b"LIST echo"):
    is_error(ask(v + b"\n")[0], "unknown command")'
ok "wrong argument counts give the usage" py '
is_error(ask(b"ping x\n")[0], "usage: ping")
is_error(ask(b"status a b\n")[0], "usage: status [NAME [logs]]")
is_error(ask(b"stop\n")[0], "usage: stop NAME")
is_error(ask(b"reload now\n")[0], "usage: reload")'
ok "a NUL in a name does not cut it short" py '
is_error(ask(b"status echo\x00junk\n")[0], "unknown command")'

# Framing (CTL-03, 04, 05).
ok "CRLF line endings are accepted" py '
assert ask(b"ping\r\n")[0] == {"ok": True, "pong": True}'
ok "empty lines are ignored (CTL-05)" py '
r = ask(b"\n\n\n\r\n \t \nping\n\n")
assert r == [{"ok": True, "pong": True}], r'
ok "connect-then-close and zero-length writes are harmless" py '
for i in range(20):
    conn().close()
s = conn()
s.send(b"")
s.sendall(b"ping\n")
assert reply(readlines(s, 1)[0])["pong"] is True
pong()'
ok "one byte per write with 10 ms gaps is reassembled (CTL-03)" py '
s = conn()
for b in b"status echo\n":
    s.send(bytes([b]))
    time.sleep(0.01)
r = reply(readlines(s, 1)[0])
assert r["ok"] is True and r["services"][0]["name"] == "echo", r'
ok "1000 pipelined requests in one write: 1000 replies in order (CTL-04)" py '
s = conn()
s.sendall(b"".join(b"status n%d\n" % i for i in range(1000)))
out = readlines(s, 1000)
assert len(out) == 1000, len(out)
for i, l in enumerate(out):
    is_error(reply(l), "no such service: n%d" % i)'
ok "a request and EOF without a final LF is still answered" py '
s = conn()
s.sendall(b"ping\nversion")
s.shutdown(socket.SHUT_WR)
out = [reply(l) for l in readlines(s, 3)]
assert len(out) == 2 and out[1]["version"], out
assert closed(s, 5)'

# Garbage (CTL-02): one error per line, and the log stays printable.
ok "1000 random binary lines: one JSON error each (CTL-02)" py '
rnd = random.Random(1)
junk = bytes(range(256)).replace(b"\n", b"")
lines = []
for i in range(1000):
    first = rnd.choice(b"\x00\x1b\x7f\xff\xc3#ABCxyz")
    rest = bytes(rnd.choice(junk) for _ in range(rnd.randrange(0, 200)))
    lines.append(bytes([first]) + rest + b"\n")
lines.append(b"\x1b[31mred\x1b[0m\n\xff\xfe\xfd\n")
s = conn()
s.sendall(b"".join(lines))
out = readlines(s, 1002)
assert len(out) == 1002, len(out)
for l in out:
    is_error(reply(l), "unknown command")
pong()'
ok "the log has no raw control or 8-bit bytes" python3 -c '
import sys
data = open(sys.argv[1], "rb").read()
bad = [c for c in data if c > 126 or (c < 32 and c not in (9, 10))]
sys.exit(1 if bad else 0)' "$LOG"

# Oversized requests (CTL-01).
ok "a 4 KiB+ line gets an error, then the connection closes" py '
s = conn()
s.sendall(b"status " + b"x" * 5000 + b"\n")
out = readlines(s, 1)
is_error(reply(out[0]), "request too long")
assert closed(s, 5), "still open"'
ok "a 10 KiB name gets an error and a close" py '
s = conn()
s.sendall(b"stop " + b"n" * 10240 + b"\nping\n")
is_error(reply(readlines(s, 1)[0]), "request too long")
assert closed(s, 5), "still open"'
RSS0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$APID/status")
ok "1 MiB without a newline: error or close; another client is served" py '
s = conn()
s.setblocking(False)
data, sent, end = b"y" * (1 << 20), 0, time.time() + 5
while sent < len(data) and time.time() < end:
    try:
        sent += s.send(data[sent:])
    except BlockingIOError:
        time.sleep(0.01)
    except (BrokenPipeError, ConnectionResetError):
        break
pong()
s.setblocking(True)
out = readlines(s, 1)
assert out == [] or reply(out[0]) == {"ok": False,
    "error": "request too long"}, out
assert closed(s, 5), "still open"'
RSS1=$(awk '/^VmRSS:/ { print $2 }' "/proc/$APID/status")
if rss_meaningful; then
	ok "... and RSS grew by less than 1 MiB ($RSS0 -> $RSS1 kB)" \
	    test $((RSS1 - RSS0)) -lt 1024
else
	skip "RSS growth under 1 MiB" "sanitizer or valgrind build"
fi

# Many clients (CTL-08).
out=$("$HELPERS/burst" -n 500 -p -s $'ping\n' "unix:$CTL" 2>"$T/burst.err")
is "$out" "ok=500 refused=0 reset=0 timeout=0 other=0" \
    "500 concurrent clients are all answered (CTL-08)"
is "$(cat "$T/burst.err")" '500 {"ok":true,"pong":true}' "... each with a pong"

if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt 2048 ] ||
    [ "$(awk '/^Max open files/ { print $4 }' "/proc/$APID/limits")" -lt 2048 ]
then
	skip "at 1024 clients a new one is closed" "RLIMIT_NOFILE below 2048"
	skip "... and says so in the log" "RLIMIT_NOFILE below 2048"
else
ok "at 1024 clients a new one is closed unanswered, then served again" py '
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
base, end = int(ARGS[0]), time.time() + 5
while fds() > base and time.time() < end:
    time.sleep(0.05)    # clients of the burst above may linger briefly
assert fds() == base, "%d fds, not %d" % (fds(), base)
held = [conn() for i in range(1024)]
end = time.time() + 5
while fds() < base + 1024 and time.time() < end:
    time.sleep(0.05)
assert fds() >= base + 1024, "only %d accepted" % (fds() - base)
extra = conn()
try:
    extra.sendall(b"ping\n")
except (BrokenPipeError, ConnectionResetError):
    pass                # closed already: as good as closed after
assert readlines(extra, 1) == [] and closed(extra, 5)
for s in held:
    s.close()
end = time.time() + 5
while fds() > base and time.time() < end:
    time.sleep(0.05)
pong()' "$FD0"
like "$(cat "$LOG")" "control: 1024 clients connected" \
    "... and says so in the log"
fi

# Out of descriptors: accept backs off, logs once, recovers (CTL-08, D4).
if [ "$(id -u)" -ne 0 ] || ! command -v prlimit >/dev/null 2>&1; then
	skip "EMFILE on accept backs off" "needs root and prlimit"
	skip "... logs once per episode" "needs root and prlimit"
	skip "... without spinning" "needs root and prlimit"
else
	soft=$(prlimit --pid "$APID" --nofile --noheadings -o SOFT | tr -d ' ')
	warned=$(grep -c 'control: accept on' "$LOG")
	prlimit --pid "$APID" --nofile=$(($(fd_count "$APID") + 16)):
	cpu0=$(cpu_ms "$APID")
	t0=$(date +%s%3N)
	out=$("$HELPERS/burst" -n 300 -t 30 -s $'ping\n' "unix:$CTL")
	t1=$(date +%s%3N)
	cpu1=$(cpu_ms "$APID")
	prlimit --pid "$APID" --nofile="$soft":
	is "$out" "ok=300 refused=0 reset=0 timeout=0 other=0" \
	    "EMFILE on accept: 300 clients through 16 free fds, all answered"
	is $(($(grep -c 'control: accept on' "$LOG") - warned)) 1 \
	    "... logged once for the episode"
	ok "... without spinning: $((cpu1 - cpu0)) ms CPU in $((t1 - t0)) ms" \
	    test $(((cpu1 - cpu0) * 2)) -lt $((t1 - t0 + 200))
fi
ok "ping after the floods" ctl ping

# Slow clients (CTL-06, CTL-07), in the background since each takes the
# full 10 s timeout: a half line then silence; a byte every 2 s and never
# a newline (the read timeout alone would not end it); a client that
# pipelines list and never reads.
py '
idle = conn()
idle.sendall(b"stat")
trickle = conn()
slow = conn()
slow.setblocking(False)
rss0 = rss_kb()
sent, end, paused = 0, time.time() + 2, True
while time.time() < end and paused:
    try:
        sent += slow.send(b"list\n" * 1000)
    except BlockingIOError:
        time.sleep(0.02)
    except (BrokenPipeError, ConnectionResetError):
        paused = False
rss1 = rss_kb()
res = {}
def idle_watch():
    t0 = time.time()
    res["idle"] = closed(idle, 15) and time.time() - t0
def trickle_watch():
    t0 = time.time()
    trickle.setblocking(False)
    while time.time() - t0 < 15:
        try:
            trickle.send(b"x")
        except BlockingIOError:
            pass
        except (BrokenPipeError, ConnectionResetError):
            res["trickle"] = time.time() - t0
            return
        time.sleep(2)
    res["trickle"] = False
ts = [threading.Thread(target=f) for f in (idle_watch, trickle_watch)]
for t in ts:
    t.start()
time.sleep(13)
try:
    slow.send(b"x")
    dropped = False
except BlockingIOError:
    dropped = False
except (BrokenPipeError, ConnectionResetError):
    dropped = True
for t in ts:
    t.join()
print("idle", res["idle"] is not False and res["idle"] >= 5)
print("trickle", res["trickle"] is not False and res["trickle"] >= 5)
print("paused", paused)
print("slow", dropped)
print("rss", rss1 - rss0, sent)
' >"$T/slow.out" 2>&1 &
slowpid=$!

# Meanwhile: the socket path is guarded.  A second activator with the
# same config must refuse and leave the first one's socket (CTL-15).
ino=$(stat -c %i "$CTL")
out=$(timeout 10 "$ACTIVATOR" -n -f "$T/activator.conf" -s "$CTL" \
    2>&1 </dev/null)
is "$?" 1 "a second activator on the same socket exits 1 (CTL-15)"
like "$out" "another activator is running on $CTL" "... and says why"
is "$(stat -c %i "$CTL")" "$ino" "... and leaves the first one's socket"
ok "... which still answers" ctl ping

cat >"$T/b.conf" <<EOF
service other {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$HELPERS/fakedaemon listen-fds --tag $T"
    type    = simple
}
EOF
chmod 600 "$T/b.conf"

# A socket file left by a killed activator is replaced (CTL-16).
python3 -c 'import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/stale.sock"
ok "a stale socket file is there" test -S "$T/stale.sock"
"$ACTIVATOR" -n -l debug -f "$T/b.conf" -s "$T/stale.sock" \
    </dev/null >"$T/b.log" 2>&1 &
bpid=$!
ok "an activator starts over the stale socket (CTL-16)" \
    wait_for "ping on stale.sock" 10 \
    "$ACTIVATORCTL" -s "$T/stale.sock" ping
like "$(cat "$T/b.log")" "removed the stale socket $T/stale.sock" \
    "... saying it removed it"
kill -TERM "$bpid"
wait "$bpid"
is "$?" 0 "... exits 0 on SIGTERM"
ok "... and removes its socket" test ! -e "$T/stale.sock"

# Anything else at the path is refused and left alone (CTL-17).
echo keep >"$T/target"
touch -d '2001-02-03 04:05:06' "$T/target"
before=$(stat -c '%Y %s %i' "$T/target")
ln -s target "$T/link.sock"
out=$(timeout 10 "$ACTIVATOR" -n -f "$T/b.conf" -s "$T/link.sock" \
    2>&1 </dev/null)
is "$?" 1 "a symlink at the socket path is refused (CTL-17)"
like "$out" "link.sock is a symbolic link" "... with a clear message"
is "$(readlink "$T/link.sock")" target "... the link is left as it was"
is "$(stat -c '%Y %s %i' "$T/target"; cat "$T/target")" "$before"$'\n'keep \
    "... and its target untouched"
cp -p "$T/target" "$T/file.sock"
out=$(timeout 10 "$ACTIVATOR" -n -f "$T/b.conf" -s "$T/file.sock" \
    2>&1 </dev/null)
is "$?" 1 "a regular file at the socket path is refused"
like "$out" "file.sock exists and is not a socket" "... with a clear message"
is "$(cat "$T/file.sock")" keep "... and left untouched"
mkdir "$T/dir.sock"
out=$(timeout 10 "$ACTIVATOR" -n -f "$T/b.conf" -s "$T/dir.sock" \
    2>&1 </dev/null)
is "$?" 1 "a directory at the socket path is refused"
like "$out" "dir.sock is a directory" "... with a clear message"
ok "... and left in place" test -d "$T/dir.sock"

# Now the slow clients.
ok "pinged while slow clients hang on" ctl ping
wait "$slowpid"
diag "$(cat "$T/slow.out")"
ok "a half line then silence is dropped after the timeout (CTL-06)" \
    grep -qx 'idle True' "$T/slow.out"
ok "a byte every 2 s without a newline is dropped too" \
    grep -qx 'trickle True' "$T/slow.out"
ok "a client that pipelines but never reads is paused, not dropped" \
    grep -qx 'paused True' "$T/slow.out"
ok "... until it has not read for the timeout (CTL-07)" \
    grep -qx 'slow True' "$T/slow.out"
rss=$(awk '$1 == "rss" { print $2 }' "$T/slow.out")
if rss_meaningful; then
	ok "... its unread output stayed bounded (RSS +${rss} kB)" \
	    test "${rss:-99999}" -lt 8192
else
	skip "unread output bounded" "sanitizer or valgrind build"
fi

# Afterwards: nothing left over.
# shellcheck disable=SC2016
ok "fd count back to its baseline of $FD0" \
    wait_for "fd count $FD0" 15 eval '[ "$(fd_count "$APID")" -le "$FD0" ]'
ok "activator still answers" ctl ping
ok "activator is still the same process" proc_alive "$APID"
activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM"
ok "its socket is removed on exit" test ! -e "$CTL"
ok "no process left" no_leftovers
ok "no zombie left" no_zombies
done_testing
