#!/bin/bash
# SPDX-License-Identifier: ISC
# sdnotify.sh -- under systemd (Type=notify) activator sends READY=1 to
# $NOTIFY_SOCKET once every socket is bound: to a path and to an abstract
# name, with -n and in the background (there MAINPID names the process
# that stays).  A NOTIFY_SOCKET it cannot use is logged, not fatal.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

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

# Listen on datagram socket ADDR (path or @name) in the background; write
# the first message to OUT, then whether the service's port and the status
# socket took a connection at that moment ("bound yes yes").
notify_listen() {
	python3 - "$1" "$2" "$P" "$CTL" "$T" <<'PY' &
import socket, sys, time
addr, out, port, ctl = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".up", "w").write("1\n")
s.settimeout(20)
try:
    msg = s.recv(4096).decode()
except socket.timeout:
    msg = "(nothing within 20 s)"
def reach(family, a):
    c = socket.socket(family, socket.SOCK_STREAM)
    c.settimeout(5)
    try:
        c.connect(a)
        return "yes"
    except OSError:
        return "no"
    finally:
        c.close()
res = "bound %s %s" % (reach(socket.AF_INET, ("127.0.0.1", int(port))),
                       reach(socket.AF_UNIX, ctl))
open(out + ".tmp", "w").write(msg + res + "\n")
import os; os.rename(out + ".tmp", out)
PY
	wait_file "$2.up" 10
}

# A path, with -n: MAINPID is activator's pid.
notify_listen "$T/notify.sock" "$T/msg1"
NOTIFY_SOCKET=$T/notify.sock activator_start < <(conf) || bail "activator did not start"
wait_file "$T/msg1" 10
is "$(cat "$T/msg1")" "READY=1
MAINPID=$APID
STATUS=running
bound yes yes" "path: READY=1 with MAINPID, once the sockets are bound"
activator_stop

# An abstract name.
name="@activator-test-${T##*/}"
notify_listen "$name" "$T/msg2"
NOTIFY_SOCKET=$name activator_start < <(conf) || bail "activator did not start"
wait_file "$T/msg2" 10
is "$(head -n 1 "$T/msg2") $(sed -n 's/^MAINPID=//p' "$T/msg2")" "READY=1 $APID" \
    "abstract name: READY=1 with MAINPID"
activator_stop

# Without -n: the process that was started exits once the background one
# is ready, and MAINPID names that one.
notify_listen "$T/notify.sock3" "$T/msg3"
conf >"$T/bg.conf"
NOTIFY_SOCKET=$T/notify.sock3 "$ACTIVATOR" -f "$T/bg.conf" -s "$CTL" \
    </dev/null >>"$LOG" 2>&1 &
launcher=$!
wait "$launcher"
is "$?" 0 "background: the launcher exits 0"
wait_file "$T/msg3" 10
main=$(sed -n 's/^MAINPID=//p' "$T/msg3")
ok "background: MAINPID $main is a live activator, not the launcher $launcher" \
    test -n "$main" -a "$main" != "$launcher" -a \
    "$(readlink "/proc/$main/exe" 2>/dev/null)" = "$(readlink -f "$ACTIVATOR")"
is "$(head -n 1 "$T/msg3") $(tail -n 1 "$T/msg3")" "READY=1 bound yes yes" \
    "background: READY=1 once the sockets are bound"
kill -TERM "$main" 2>/dev/null
wait_for "the background activator to stop" 10 eval '! proc_alive "$main"'

# Unusable: logged, and activator runs on.
NOTIFY_SOCKET=relative/path activator_start < <(conf) || bail "activator did not start"
ok "a relative NOTIFY_SOCKET is logged" grep -q 'NOTIFY_SOCKET: not a socket path' "$LOG"
ok "... and activator runs on" ctl ping
activator_stop
NOTIFY_SOCKET=$T/nobody-listens activator_start < <(conf) || bail "activator did not start"
like "$(grep "NOTIFY_SOCKET $T/nobody-listens" "$LOG")" "sendto: No such file" \
    "a NOTIFY_SOCKET nobody listens on is logged"
ok "... and activator runs on" ctl ping
activator_stop

ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
