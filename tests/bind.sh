#!/bin/bash
# SPDX-License-Identifier: ISC
# bind.sh -- handoff = bind with programs of ours: a daemon that closes
# every descriptor, double-forks and binds from a thread; the same
# statically linked; a Go program; a grandchild that binds; readiness
# waiting for claims; start-timeout with an address unclaimed; a
# supervisor that dies while the program waits in bind(2); a set-uid
# program run as another user; refusals.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"
. "$top_srcdir/tests/lib/bind.sh"

B="$HELPERS/bindd"
BS="$HELPERS/bindd-static"
G="$HELPERS/gobind"
ports=($(free_port -n 17))
# A set-uid root copy that nobody may run: the filter must not cost the
# program its privileges (it is installed before the credentials drop).
SU=$(runnable_copy "$HELPERS/bindd") || bail "cannot copy bindd"
chown root:root "$SU" && chmod 4755 "$SU" || bail "cannot make bindd set-uid"
U1=$(free_port -u)
ABS="act-bind-${T##*/}"

# ---- refusals ----
P=${ports[15]}
cat >"$T/refuse.conf" <<EOF
service inst {
    listen  = { "tcp://127.0.0.1:$P" }
    command = "$B tcp://127.0.0.1:$P"
    accept  = yes
    handoff = bind
}
EOF
out=$("$ACTIVATOR" -t -f "$T/refuse.conf" 2>&1)
is "$?" 1 "-t refuses handoff = bind with accept = yes"
like "$out" "^$T/refuse.conf:5: service inst: handoff = bind needs accept = no" \
    "... at FILE:LINE of handoff"
cat >"$T/nokernel.conf" <<EOF
service nokernel {
    listen  = { "tcp://127.0.0.1:$P" }
    command = "$B tcp://127.0.0.1:$P"

    handoff = bind
}
EOF
ok "the same service is valid where seccomp works" "$ACTIVATOR" -t -f "$T/nokernel.conf"
out=$("$HELPERS/noseccomp" "$ACTIVATOR" -t -f "$T/nokernel.conf" 2>&1)
is "$?" 1 "-t refuses handoff = bind on a kernel without seccomp filters"
like "$out" "^$T/nokernel.conf:5: service nokernel: handoff = bind is not possible here: .*seccomp.*handoff = proxy" \
    "... at FILE:LINE, pointing to handoff = proxy"
out=$("$HELPERS/noseccomp" "$ACTIVATOR" -n -f "$T/nokernel.conf" -s "$T/nk.sock" 2>&1)
is "$?" 1 "start-up refuses it too, exit 1"
like "$out" "nokernel.conf:5: service nokernel: handoff = bind is not possible here" \
    "... with the same message"
is "$(tcp_listeners "$P")" "" "... and nothing was bound"

# ---- the services ----
P1=${ports[0]}		# dbl: tcp v4 + v6 + udp on one port, unix path, abstract
P2=${ports[1]}		# dbl's own second port, not in listen
P3=${ports[2]}		# cold
P4=${ports[3]}		# gchild
P5=${ports[4]}		# static
P6=${ports[5]}		# go
P7=${ports[6]}		# simple
P8=${ports[7]}		# partial: claimed
P9=${ports[8]}		# partial: never bound
P10=${ports[9]}		# partial: bound instead
P11=${ports[10]}	# nonblock
P12=${ports[11]}	# supdie
P13=${ports[16]}	# suid
activator_start <<EOF
backlog = 200
service dbl {
    listen  = { "tcp://127.0.0.1:$P1", "tcp://[::1]:$P1", "udp://127.0.0.1:$P1",
                "unix:$T/dbl.sock", "unix:@$ABS" }
    command = "$B --fork 2 --close-all --thread --unlink --nodelay --rcvbuf 100000 --backlog 5 --pidfile $T/dbl.pid --report $T/dbl.rep tcp://127.0.0.1:$P1 tcp://[::1]:$P1 udp://127.0.0.1:$P1 unix:$T/dbl.sock unix:@$ABS tcp://127.0.0.1:$P2"
    handoff = bind
    start-timeout = 10
}
service cold {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "$B --fork 2 --bind-delay 300 --pidfile $T/cold.pid tcp://127.0.0.1:$P3"
    handoff = bind
}
service gchild {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "$B --fork 1 --grandchild --pidfile $T/gchild.pid --report $T/gchild.rep tcp://127.0.0.1:$P4"
    handoff = bind
}
service static {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "$BS --fork 2 --close-all --thread --pidfile $T/static.pid --report $T/static.rep tcp://127.0.0.1:$P5"
    handoff = bind
}
service go {
    listen  = { "tcp://127.0.0.1:$P6", "udp://127.0.0.1:$U1", "unix:$T/go.sock" }
    command = "$G -report $T/go.rep -extra 200 -spin 4 tcp://127.0.0.1:$P6 udp://127.0.0.1:$U1 unix:$T/go.sock"
    handoff = bind
    type    = simple
}
service simple {
    listen  = { "tcp://127.0.0.1:$P7" }
    command = "$B --bind-when $T/simple.go --report $T/simple.rep tcp://127.0.0.1:$P7"
    handoff = bind
    type    = simple
}
service partial {
    listen  = { "tcp://127.0.0.1:$P8", "tcp://127.0.0.1:$P9" }
    command = "$B --fork 2 --report $T/partial.rep tcp://127.0.0.1:$P8 tcp://127.0.0.1:$P10"
    handoff = bind
    start-timeout = 2
}
service nonblock {
    listen  = { "unix:$T/rel.sock", "tcp://127.0.0.1:$P11" }
    command = "$B --fork 2 --chdir $T --nonblock --cloexec --report $T/nonblock.rep unix:rel.sock tcp://127.0.0.1:$P11"
    handoff = bind
}
service supdie {
    listen  = { "tcp://127.0.0.1:$P12" }
    command = "$B --bind-when $T/supdie.go --keep-going --report $T/supdie.rep tcp://127.0.0.1:$P12"
    handoff = bind
    type    = simple
    start-timeout = 30
}
service suid {
    listen  = { "tcp://127.0.0.1:$P13" }
    command = "$SU --report $T/suid.rep tcp://127.0.0.1:$P13"
    handoff = bind
    type    = simple
    user    = nobody
    group   = nogroup
}
EOF
[ -n "$APID" ] || bail "activator did not start"

# Activator's own sockets, before any program runs.
act_ino_tcp=$(tcp_listeners "$P1" | sort | tr '\n' ' ')
unix_ino=$(stat -c %i "$T/dbl.sock")
is "$(svc_field dbl state)" listening "a bind service is listening before any client"
is "$(svc_field dbl claimed)" "[]" "status shows claimed, empty while cold"
is "$(svc_field dbl pids)" "[]" "no process before the first client"

# ---- the double-forking daemon that closes everything and binds from a thread ----
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P1" 2>&1)" '^OK [0-9]+$' \
    "first client on tcp 127.0.0.1 activates it and is answered"
wait_state dbl running 10
wait_file "$T/dbl.pid" 5
dpid=$(cat "$T/dbl.pid")
for a in "tcp://[::1]:$P1" "udp://127.0.0.1:$P1" "unix:$T/dbl.sock" "unix:@$ABS"; do
	is "$("$HELPERS/tclient" "$a" 2>&1)" "OK $dpid" "the daemon answers on $a"
done
is "$(svc_field dbl main_pid)" "$dpid" "main_pid is the daemon's own pid (its pidfile)"
is "$(svc_field dbl claimed)" \
    "['tcp://127.0.0.1:$P1', 'tcp://[::1]:$P1', 'udp://127.0.0.1:$P1', 'unix:$T/dbl.sock', 'unix:@$ABS']" \
    "status: every listen address claimed"
like "$(ctl status dbl)" "  claimed: tcp://127.0.0.1:$P1, tcp://\\[::1\\]:$P1, udp://127.0.0.1:$P1, unix:$T/dbl.sock, unix:@$ABS" \
    "activatorctl status prints them"
is "$(rep "$T/dbl.rep" fds_at_start)" "0 1 2" \
    "nothing of activator's in the program's descriptors before it binds"
is "$(rep "$T/dbl.rep" listen_fds)" "-" "no LISTEN_FDS"
is "$(tcp_listeners "$P1" | sort | tr '\n' ' ')" "$act_ino_tcp" \
    "the TCP listeners on the port are activator's, and no second one"
is "$(tcp_listeners "$P1" | wc -l)" 2 "... one for IPv4, one for IPv6"
is "$(rep "$T/dbl.rep" ino.0)" "$(tcp_listeners "$P1" | head -1)" \
    "the daemon's IPv4 socket is activator's (same inode)"
ok "... and activator still holds it" holds_socket "$APID" "$(rep "$T/dbl.rep" ino.0)"
is "$(udp_sockets "$P1")" "$(rep "$T/dbl.rep" ino.2)" \
    "the daemon's UDP socket on the same port is activator's, the only one"
is "$(unix_listeners "$T/dbl.sock")" "$(rep "$T/dbl.rep" ino.3)" \
    "the unix path: activator's socket, the only one"
is "$(unix_listeners "@$ABS")" "$(rep "$T/dbl.rep" ino.4)" \
    "the abstract name: activator's socket, the only one"
is "$(stat -c %i "$T/dbl.sock")" "$unix_ino" \
    "the daemon's unlink() left activator's socket file in place"
is "$(rep "$T/dbl.rep" nodelay.0)" 1 "TCP_NODELAY set before bind was copied"
is "$(rep "$T/dbl.rep" rcvbuf.0)" 200000 "SO_RCVBUF set before bind was copied"

is "$(rep "$T/dbl.rep" nonblock.0) $(rep "$T/dbl.rep" cloexec.0)" "0 0" \
    "a blocking, inheritable socket stays blocking and inheritable"
like "$(ss -ltn "sport = :$P1" | awk 'NR > 1 { print $3 }' | tr '\n' ' ')" '^200 200 $' \
    "listen(5) by the daemon keeps activator's backlog of 200"
# Its own second port: untouched, its own socket.
is "$("$HELPERS/tclient" "tcp://127.0.0.1:$P2" 2>&1)" "OK $dpid" \
    "a port of the daemon not in listen works"
is "$(tcp_listeners "$P2")" "$(rep "$T/dbl.rep" ino.5)" \
    "... and is the daemon's own socket"
nok "... which activator does not hold" holds_socket "$APID" "$(rep "$T/dbl.rep" ino.5)"

# ---- 50 clients on a cold service; kill -9; the next client ----
is "$("$HELPERS/burst" -n 50 "tcp://127.0.0.1:$P3")" \
    "ok=50 refused=0 reset=0 timeout=0 other=0" \
    "50 concurrent clients of a cold service are all answered"
is "$(svc_field cold activations)" 1 "... by a single activation"
wait_file "$T/cold.pid" 5
old=$(cat "$T/cold.pid")
is "$(svc_field cold main_pid)" "$old" "main_pid is the daemon's pid"
rm -f "$T/cold.pid"
kill -KILL "$old"
wait_state cold listening 10
is "$(tcp_listeners "$P3" | wc -l)" 1 "after kill -9 the port is still listened on"
ok "... by activator" holds_socket "$APID" "$(tcp_listeners "$P3")"
out=$("$HELPERS/burst" -n 20 -p "tcp://127.0.0.1:$P3" 2>"$T/replies")
is "$out" "ok=20 refused=0 reset=0 timeout=0 other=0" "the next clients re-activate it"
wait_file "$T/cold.pid" 5
new=$(cat "$T/cold.pid")
ok "... a new daemon ($old -> $new)" test "$new" != "$old"
is "$(svc_field cold activations) $(svc_field cold main_pid)" "2 $new" \
    "status: two activations, the new main pid"

# ---- a grandchild binds ----
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P4" 2>&1)" '^OK [0-9]+$' \
    "a grandchild's bind is served like its grandparent's"
wait_state gchild running 10
gpid=$(rep "$T/gchild.rep" pid)
is "$(rep "$T/gchild.rep" ppid)" "$(cat "$T/gchild.pid")" "... (the binder is the daemon's child)"
is "$(tcp_listeners "$P4")" "$(rep "$T/gchild.rep" ino.0)" "... with activator's socket"
is "$(svc_field gchild main_pid)" "$(cat "$T/gchild.pid")" "main_pid is the daemon"

# ---- statically linked ----
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P5" 2>&1)" '^OK [0-9]+$' \
    "a statically linked daemon is served through bind"
wait_state static running 10
spid=$(cat "$T/static.pid")
nok "... (it is static: no dynamic loader mapped)" grep -q 'ld-linux' "/proc/$spid/maps"
is "$(tcp_listeners "$P5")" "$(rep "$T/static.rep" ino.0)" "... with activator's socket"
is "$(rep "$T/static.rep" fds_at_start)" "0 1 2" "... and nothing else of activator's"

# ---- Go ----
if [ -x "$G" ]; then
	like "$("$HELPERS/tclient" "tcp://127.0.0.1:$P6" 2>&1)" '^OK [0-9]+$' \
	    "a Go program is served through bind"
	wait_state go running 10
	wait_file "$T/go.rep" 5
	gopid=$(rep "$T/go.rep" pid)
	is "$("$HELPERS/tclient" "udp://127.0.0.1:$U1" 2>&1)" "OK $gopid" "... over UDP"
	is "$("$HELPERS/tclient" "unix:$T/go.sock" 2>&1)" "OK $gopid" "... over a unix path"
	is "$(tcp_listeners "$P6")" "$(rep "$T/go.rep" ino.0)" "... TCP: activator's socket"
	is "$(udp_sockets "$U1")" "$(rep "$T/go.rep" ino.1)" "... UDP: activator's socket"
	is "$(unix_listeners "$T/go.sock")" "$(rep "$T/go.rep" ino.2)" "... unix: activator's socket"
	is "$(svc_field go main_pid)" "$gopid" "... main_pid is the Go program"
else
	fail "the Go program was built (golang-go is a test dependency: autogen.sh installs it)"
fi

# ---- type = simple: ready only once the address is claimed ----
"$HELPERS/tclient" -t 30 "tcp://127.0.0.1:$P7" >/dev/null 2>&1 &
cpid=$!
_slaunched() { [[ "$(svc_field simple main_pid)" =~ ^[0-9]+$ ]]; }
wait_for "simple's program" 5 _slaunched
is "$(svc_field simple state)" starting "type = simple is not ready before its bind"
is "$(svc_field simple claimed)" "[]" "... nothing claimed yet"
: >"$T/simple.go"
wait_state simple running 10
wait "$cpid"
is "$?" 0 "the client that activated it is answered once it binds"
like "$(grep -E 'simple: (pid [0-9]+ bound|ready)' "$LOG" | tr '\n' ' ')" \
    "simple: pid [0-9]+ bound tcp://127.0.0.1:$P7 .*simple: ready" \
    "... ready after the claim"

# ---- start-timeout with an address unclaimed ----
"$HELPERS/tclient" "tcp://127.0.0.1:$P8" >/dev/null 2>&1
wait_state partial running 10
is "$(svc_field partial claimed)" "['tcp://127.0.0.1:$P8']" \
    "the address the daemon did not bind stays unclaimed"
like "$(grep 'partial: ready at start-timeout' "$LOG")" \
    "tcp://127.0.0.1:$P9 not claimed \\(the program bound tcp://127.0.0.1:$P10 instead\\)" \
    "at start-timeout: ready, with a warning naming it and what was bound instead"
is "$(tcp_listeners "$P10")" "$(rep "$T/partial.rep" ino.1)" \
    "the address bound instead is the daemon's own socket"

# ---- blocking mode and close-on-exec follow the program's socket ----
"$HELPERS/tclient" "tcp://127.0.0.1:$P11" >/dev/null 2>&1
wait_state nonblock running 10
is "$(rep "$T/nonblock.rep" nonblock.0) $(rep "$T/nonblock.rep" cloexec.0)" "1 1" \
    "a non-blocking close-on-exec socket gets ours so"
is "$(rep "$T/nonblock.rep" ino.0)" "$(unix_listeners "$T/rel.sock")" \
    "a relative unix path, from the program's directory, claims the path"
is "$("$HELPERS/tclient" "unix:$T/rel.sock" 2>&1)" "OK $(rep "$T/nonblock.rep" pid)" \
    "... and is served"

# ---- the supervisor dies while the program waits in bind() ----
"$HELPERS/tclient" -t 1 "tcp://127.0.0.1:$P12" >/dev/null 2>&1
_launched() { [[ "$(svc_field supdie main_pid)" =~ ^[0-9]+$ ]]; }
wait_for "supdie launched" 5 _launched
prog=$(svc_field supdie main_pid)
sp=$(_a_ppid "$prog")		# type = simple: the supervisor's child
is "$(cat "/proc/$sp/comm")" "sup:supdie" "the program's parent is its supervisor"
kill -STOP "$sp"
: >"$T/supdie.go"
_in_bind() { [ "$(cut -d' ' -f1 "/proc/$prog/syscall" 2>/dev/null)" = 49 ]; }
wait_for "the program to call bind" 10 _in_bind
ok "the program waits in bind() for its stopped supervisor" _in_bind
kill -KILL "$sp"
wait_file "$T/supdie.rep" 5
is "$(rep "$T/supdie.rep" err.0)" "Function not implemented" \
    "when the supervisor dies, the bind fails (ENOSYS) instead of hanging"
kill -TERM "$prog" 2>/dev/null

# ---- a set-uid program started as nobody ----
su_ino=$(tcp_listeners "$P13")
out=$("$HELPERS/tclient" "tcp://127.0.0.1:$P13" 2>&1)
like "$out" '^OK [0-9]+$' "a set-uid program run as nobody is activated and served"
supid=${out#OK }
is "$(awk '/^Uid:/ { print $2, $3 }' "/proc/$supid/status" 2>/dev/null)" "65534 0" \
    "... as nobody, with the set-uid root effective user it was given"
is "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$supid/status" 2>/dev/null)" 0 \
    "... and no no_new_privs: the filter cost it nothing"
is "$(rep "$T/suid.rep" ino.0) $(tcp_listeners "$P13")" "$su_ino $su_ino" \
    "... on activator's socket, the only listener"

# ---- stop, SIGTERM ----
ok "stop dbl" ctl stop dbl
wait_state dbl stopped 10
_dgone() { ! proc_alive "$dpid"; }
wait_for "dbl gone" 5 _dgone
ok "stop leaves no process of the daemon" _dgone
is "$(tcp_listeners "$P1")$(tcp_listeners "$P2")" "" "... and nothing listening on its ports"
nok "... its unix socket file is removed" test -e "$T/dbl.sock"
activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM"
ok "no process of any service is left" no_leftovers
ok "no zombie is left" no_zombies
is "$(tcp_listeners "$P1")$(tcp_listeners "$P2")$(tcp_listeners "$P6")$(udp_sockets "$P1")" "" \
    "nothing listens on the ports any more"
nok "unix socket files are removed" test -e "$T/go.sock"
done_testing
