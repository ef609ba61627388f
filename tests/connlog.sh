#!/bin/bash
# SPDX-License-Identifier: ISC
# connlog.sh -- log-connections = yes (accept = yes): one line per
# connection with the peer, the instance's pid, how it ended and how
# long it ran, as xinetd's log_on_success/log_on_failure; nothing for a
# service without it; refused where it has no meaning.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 P3 P4 P5 <<<"$(free_port -n 5 | tr '\n' ' ')"
TC="$HELPERS/tclient"

activator_start <<EOF || bail "activator did not start"
# comments and odd spacing, as people write them
service  ok   {
    listen  = { "tcp://127.0.0.1:$P1", "tcp://[::1]:$P1" }
    command = "/bin/sh -c 'echo hi'"
    accept  = yes
    log-connections = yes   # like xinetd's log_on_success
}
service fails {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "/bin/sh -c 'exit 3'"
    accept  = yes
    log-connections = on
}
service killed {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "/bin/sh -c 'kill -KILL \$\$'"
    accept  = yes
    log-connections = true
}
service slow {
    listen  = { "unix:$T/slow.sock" }
    command = "/bin/sh -c 'sleep 1; echo late'"
    accept  = yes
    log-connections = yes
}
service quiet {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "/bin/sh -c 'echo hush'"
    accept  = yes
}
EOF

num='[0-9]+\.[0-9]{3} s'
has_log() { grep -Eq "$1" "$LOG"; }

is "$("$TC" "tcp://127.0.0.1:$P1")" "hi" "an instance serves the client"
ok "its connection is logged: peer, port, pid, exit 0, duration" \
    wait_for "the log line" 10 has_log "ok: connection from 127\.0\.0\.1 port [0-9]+: pid [0-9]+, exit 0, $num\$"
is "$("$TC" "tcp://[::1]:$P1")" "hi" "over IPv6 too"
ok "an IPv6 peer is logged as such" \
    wait_for "the log line" 10 has_log "ok: connection from ::1 port [0-9]+: pid [0-9]+, exit 0, $num\$"
pid=$(grep -Eo 'ok: connection from ::1 port [0-9]+: pid [0-9]+' "$LOG" | tail -n1 | sed 's/.*pid //')
ok "the pid logged is a real instance's (not 0)" test "${pid:-0}" -gt 1

"$TC" "tcp://127.0.0.1:$P2" >/dev/null 2>&1
ok "a failing instance is logged with its exit status" \
    wait_for "the log line" 10 has_log "fails: connection from 127\.0\.0\.1 port [0-9]+: pid [0-9]+, exit 3, $num\$"
"$TC" "tcp://127.0.0.1:$P3" >/dev/null 2>&1
ok "an instance killed by a signal is logged with the signal's name" \
    wait_for "the log line" 10 has_log "killed: connection from 127\.0\.0\.1 port [0-9]+: pid [0-9]+, signal KILL, $num\$"

is "$("$TC" "unix:$T/slow.sock")" "late" "a unix socket instance serves the client"
ok "a unix peer is logged as local" \
    wait_for "the log line" 10 has_log "slow: connection from local: pid [0-9]+, exit 0, $num\$"
secs=$(grep -Eo "slow: connection from local: pid [0-9]+, exit 0, $num" "$LOG" | tail -n1 | sed 's/.*, \([0-9.]*\) s$/\1/')
ok "the duration covers the instance's run (${secs:-none} s >= 1)" \
    awk -v s="${secs:-0}" 'BEGIN { exit !(s >= 1.0) }'

is "$("$TC" "tcp://127.0.0.1:$P4")" "hush" "a service without log-connections serves"
sleep 1
nok "a service without log-connections logs no connection line" \
    has_log "quiet: connection from"
is "$(grep -c 'ok: connection from' "$LOG")" 2 "one line per connection, no more"

# Reload turns it off for a running service, without a restart.
cat >"$T/activator.conf" <<EOF
service ok {
    listen  = { "tcp://127.0.0.1:$P1", "tcp://[::1]:$P1" }
    command = "/bin/sh -c 'echo hi'"
    accept  = yes
    log-connections = no
}
EOF
ok "reload succeeds" ctl reload
is "$("$TC" "tcp://127.0.0.1:$P1")" "hi" "the service still serves after the reload"
sleep 1
is "$(grep -c 'ok: connection from' "$LOG")" 2 "log-connections = no after reload: no new line"

activator_stop
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies

# Where it has no meaning, -t refuses it with the line of the option.
bad() {	# DESC WANT  (config on stdin)
	cat >"$T/bad.conf"
	err=$("$ACTIVATOR" -t -f "$T/bad.conf" 2>&1 >/dev/null)
	rc=$?
	is "$rc" 1 "$1: -t exits 1"
	like "$err" "$2" "$1: the error says why"
}
bad "accept = no" 'bad\.conf:4: service d: log-connections needs accept = yes' <<EOF
service d {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "/bin/cat"
    log-connections = yes
}
EOF
bad "handoff = proxy" 'bad\.conf:6: service p: log-connections needs accept = yes' <<EOF
service p {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "/bin/cat"
    handoff = proxy
    proxy-to = "tcp://127.0.0.1:1"
    log-connections = yes
}
EOF
bad "a value that is not yes or no" "log-connections: invalid value 'maybe'" <<EOF
service y {
    listen  = { "tcp://127.0.0.1:$P5" }
    command = "/bin/cat"
    accept  = yes
    log-connections = maybe
}
EOF
done_testing
