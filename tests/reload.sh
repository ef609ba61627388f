#!/bin/bash
# SPDX-License-Identifier: ISC
# reload.sh -- SIGHUP and `activatorctl reload`: validate-then-swap, the
# same sockets and daemons for what did not change, no refused client,
# and a bad file that changes nothing (CFG-R1..R5, LOAD-06).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r PK PI PG PC PA PM1 PM2 PM3 PN PS <<<"$(free_port -n 10 | tr '\n' ' ')"
F="$HELPERS/fakedaemon"

# conf VARIANT: the config, with a few differences between variants.
conf() {
	cat <<EOF
service keep {
    listen  = { "tcp://127.0.0.1:$PK", "unix:$T/keep.sock" }
    command = "$F listen-fds --tag $T --fork 2 --pid-out $T/keep.pid"
    socket-mode = 0640
}
service inst {
    listen  = { "tcp://127.0.0.1:$PI" }
    command = "$F nowait --tag $T"
    accept  = yes
}
service change {
    listen  = { "tcp://127.0.0.1:$PC" }
    command = "$F listen-fds --tag $T --fork 2 --pid-out $T/change.pid --report $T/change.$1"
}
service moving {
    listen  = { $( [ "$1" = a ] && echo "\"tcp://127.0.0.1:$PM1\", \"tcp://127.0.0.1:$PM2\"" ||
	echo "\"tcp://127.0.0.1:$PM2\", \"tcp://127.0.0.1:$PM3\"" ) }
    command = "$F nowait --tag $T"
    accept  = yes
}
EOF
	if [ "$1" = a ]; then
		cat <<EOF
service gone {
    listen  = { "tcp://127.0.0.1:$PG", "unix:$T/gone.sock" }
    command = "$F listen-fds --tag $T --fork 2 --workers 2 --pid-out $T/gone.pid"
}
EOF
	else
		cat <<EOF
service added {
    listen  = { "tcp://127.0.0.1:$PA" }
    command = "$F nowait --tag $T"
    accept  = yes
}
EOF
	fi
}

# Inode of the listening socket on a tcp port, from /proc/net/tcp.
tcp_inode() {
	awk -v p="$(printf ':%04X' "$1")" '$2 ~ p"$" && $4 == "0A" { print $10 }' /proc/net/tcp
}

activator_start < <(conf a) || bail "activator did not start"
apply() { conf "$1" >"$T/activator.conf"; }

"$HELPERS/tclient" "tcp://127.0.0.1:$PK" >/dev/null
"$HELPERS/tclient" "tcp://127.0.0.1:$PC" >/dev/null
"$HELPERS/tclient" "tcp://127.0.0.1:$PG" >/dev/null
wait_state keep running 5
wait_state change running 5
wait_state gone running 5
keep_pid=$(svc_field keep main_pid)
change_pid=$(svc_field change main_pid)
gone_pids=$(svc_field gone pids | tr -d '[],')
ino_keep=$(tcp_inode "$PK")
ino_inst=$(tcp_inode "$PI")
ino_m2=$(tcp_inode "$PM2")

# 1000 connections to unchanged services while the file flips 20 times.
(
	fail=0
	for i in $(seq 1 500); do
		"$HELPERS/tclient" -t 5 "tcp://127.0.0.1:$PI" >/dev/null 2>&1 || fail=$((fail + 1))
		"$HELPERS/tclient" -t 5 "tcp://127.0.0.1:$PK" >/dev/null 2>&1 || fail=$((fail + 1))
	done
	echo "$fail" >"$T/loop.fail"
) &
loop=$!
for i in $(seq 1 20); do
	if [ $((i % 2)) = 1 ]; then apply b; else apply a; fi
	if [ $((i % 4)) = 0 ]; then kill -HUP "$APID"; else ctl reload >/dev/null; fi
	sleep 0.1
done
apply b
ok "activatorctl reload applies a good file" ctl reload
wait "$loop"
is "$(cat "$T/loop.fail")" 0 "1000 connections to unchanged services across 20 reloads: none refused or reset"

is "$(svc_field keep main_pid)" "$keep_pid" "an unchanged running daemon is the same process"
is "$(tcp_inode "$PK")" "$ino_keep" "... and its socket is the same (inode)"
is "$(tcp_inode "$PI")" "$ino_inst" "an idle service keeps its socket (inode)"
is "$(tcp_inode "$PM2")" "$ino_m2" "a listen address kept by a changed service keeps its socket"
is "$(stat -c %a "$T/keep.sock")" 640 "socket-mode of a unix socket survives reloads (CFG-R3)"
is "$(tcp_inode "$PM1")" "" "a dropped address is closed"
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$PM3")" '^OK' "an address added to a service answers"
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$PA")" '^OK' "an added service answers"
nok "a removed service's port refuses" "$HELPERS/tclient" -t 2 "tcp://127.0.0.1:$PG"
nok "a removed service's unix socket is gone" test -e "$T/gone.sock"
left=0
for p in $gone_pids; do proc_alive "$p" && left=$((left + 1)); done
is "$left" 0 "a removed service's processes are stopped"
is "$(svc_field change main_pid) $(svc_field change restart_pending)" "$change_pid True" \
    "a changed service keeps running, with a restart pending"
ok "restart applies the change" ctl restart change
wait_state change running 5
wait_file "$T/change.b" 5
ok "... the new command ran" test -e "$T/change.b"
is "$(svc_field change restart_pending)" False "... and nothing is pending any more"

# CFG-R1: a bad file changes nothing, and says why.
keep_pid=$(svc_field keep main_pid)
printf 'service keep {\n    lisen = { "tcp://127.0.0.1:1" }\n}\n' >"$T/activator.conf"
out=$(ctl reload 2>&1)
is "$?" 1 "activatorctl reload of a bad file exits 1"
like "$out" "$T/activator.conf:2: no such option 'lisen'" "... with FILE:LINE: message"
kill -HUP "$APID"
wait_for "HUP error logged" 5 grep -q "reload failed" "$LOG"
ok "SIGHUP with a bad file logs the error" grep -q "reload failed" "$LOG"
is "$(svc_field keep main_pid)" "$keep_pid" "... the daemon is untouched"
is "$(tcp_inode "$PK")" "$ino_keep" "... and so is its socket"
like "$("$HELPERS/tclient" "tcp://127.0.0.1:$PK")" '^OK' "... and it still serves"

# CFG-R2: a half-written file, cut at 50 offsets.
conf b >"$T/full.conf"
size=$(stat -c %s "$T/full.conf")
bad=0
for i in $(seq 1 50); do
	head -c $(( (i * 7919) % size )) "$T/full.conf" >"$T/activator.conf"
	ctl reload >/dev/null 2>&1
	"$HELPERS/tclient" -t 5 "tcp://127.0.0.1:$PK" >/dev/null 2>&1 || bad=$((bad + 1))
done
cp "$T/full.conf" "$T/activator.conf"
ok "the full file reloads" ctl reload
is "$bad" 0 "50 truncated files: the unchanged service answered after each"
is "$(svc_field keep main_pid)" "$keep_pid" "... and was never restarted"

# CFG-R4: a storm of SIGHUPs while clients connect. The descriptors are
# counted once every service of the full file is back and inst's
# supervisor exists, so that only a leak of the storm can change them.
"$HELPERS/tclient" "tcp://127.0.0.1:$PI" >/dev/null
wait_for "inst idle" 10 test "$(svc_field inst instances)" = 0
fds1=$(fd_count "$APID")
fdtab1=$(fd_table "$APID")
"$HELPERS/burst" -n 200 "tcp://127.0.0.1:$PI" >"$T/burst.out" &
bpid=$!
for i in $(seq 1 200); do kill -HUP "$APID"; done
wait "$bpid"
is "$(cat "$T/burst.out")" "ok=200 refused=0 reset=0 timeout=0 other=0" \
    "200 SIGHUPs while 200 clients connect: every client served"
ok "activator is alive" ctl ping
diag "$(grep -c 'reloading ' "$LOG") reloads logged in all (signals coalesce while one runs)"
wait_for "fds back" 20 test "$(fd_count "$APID")" -le "$fds1"
ok "descriptors back to their count before the reloads" test "$(fd_count "$APID")" -le "$fds1" ||
	diag "before: $fdtab1; after: $(fd_table "$APID")"

# CFG-R5: reload while a service is starting and while one is stopping.
cat >"$T/activator.conf" <<EOF
service slow {
    listen  = { "tcp://127.0.0.1:$PN" }
    command = "$F listen-fds --tag $T --ready-delay 1500 --notify --pid-out $T/slow.pid"
    type    = notify
}
service stubborn {
    listen  = { "tcp://127.0.0.1:$PS" }
    command = "$F listen-fds --tag $T --fork 2 --ignore-term --pid-out $T/stubborn.pid"
    stop-timeout = 2
}
EOF
ctl reload
"$HELPERS/tclient" "tcp://127.0.0.1:$PS" >/dev/null
wait_state stubborn running 5
"$HELPERS/tclient" -t 0.2 "tcp://127.0.0.1:$PN" >/dev/null 2>&1
is "$(svc_field slow state)" starting "slow is starting"
ctl stop stubborn
is "$(svc_field stubborn state)" stopping "stubborn is stopping"
ok "reload while starting and stopping" ctl reload
wait_state slow running 5
wait_state stubborn stopped 5
is "$(svc_field slow state) $(svc_field stubborn state)" "running stopped" \
    "both end where they were going"
is "$(svc_field slow activations)" 1 "no second instance of the starting service"
nok "the stopped service's daemon is gone" proc_alive "$(cat "$T/stubborn.pid")"

activator_stop
is "$AEXIT" 0 "activator exits 0"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies

# Global options: the status socket moves on reload (no -s here).
cat >"$T/g.conf" <<EOF
status-socket = "$T/one.sock"
service inst {
    listen  = { "tcp://127.0.0.1:$PI" }
    command = "$F nowait --tag $T"
    accept  = yes
}
EOF
chmod 600 "$T/g.conf"
"$ACTIVATOR" -n -f "$T/g.conf" >>"$LOG" 2>&1 &
gpid=$!
wait_for "status socket" 5 test -S "$T/one.sock"
sed -i "s|$T/one.sock|$T/two.sock|" "$T/g.conf"
"$ACTIVATORCTL" -s "$T/one.sock" reload
ok "the moved status socket answers" "$ACTIVATORCTL" -s "$T/two.sock" ping
nok "the old one is gone" test -e "$T/one.sock"
kill -TERM "$gpid"
wait "$gpid"
is "$?" 0 "exits 0"
done_testing
