#!/bin/bash
# SPDX-License-Identifier: ISC
# proxy.sh -- handoff = proxy (issue 13): a program that binds its own
# port (busybox httpd, tests/helpers/streamer) behind activator's splice
# relay.  Cold start with 50 clients at once, a 50 MB file intact, half-
# closes both ways, resets both ways, a backend killed mid-transfer,
# max-instances, connections that wait while the program binds late,
# a proxy-to that never answers, thousands of connections at once, the
# core's CPU while 200 MB go through, no descriptor leak after 1000
# connections, and the -t refusals.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

umask 022
STREAMER=$HELPERS/streamer
BUSYBOX=$(command -v busybox) || skip_all "busybox is needed (httpd, wget)"
"$BUSYBOX" --list | grep -qx httpd || skip_all "busybox has no httpd"

# --- -t refusals, each with FILE:LINE -----------------------------------

# check_t DESC WANT-REGEX: activator -t on the config from stdin.
check_t() {
	local out rc
	cat >"$T/bad.conf"
	out=$("$ACTIVATOR" -t -f "$T/bad.conf" 2>&1)
	rc=$?
	is "$rc" 1 "-t refuses $1"
	like "$out" "^$T/bad.conf:$2" "-t names the line: $1"
}

check_t "proxy with a udp listen address" \
    "3: service p: handoff = proxy relays stream connections: 'udp://127.0.0.1:9' is a datagram address" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://127.0.0.1:8", "udp://127.0.0.1:9" }
    handoff = proxy
    proxy-to = "tcp://127.0.0.1:10"
}
EOF
check_t "proxy-to equal to a listen address" \
    "6: service p: proxy-to 'tcp://127.0.0.1:8' is the service's own listen address" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://127.0.0.1:8" }
    handoff = proxy

    proxy-to = "tcp://127.0.0.1:8"
}
EOF
check_t "proxy-to on the port of a wildcard listen address" \
    "5: service p: proxy-to 'tcp://127.0.0.1:8' is the service's own listen address 'tcp://\\*:8'" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://*:8" }
    handoff = proxy
    proxy-to = "tcp://127.0.0.1:8"
}
EOF
check_t "proxy with accept = yes" \
    "5: service p: handoff = proxy needs accept = no" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://127.0.0.1:8" }
    accept = yes
    handoff = proxy
    proxy-to = "tcp://127.0.0.1:9"
}
EOF
check_t "proxy without proxy-to" \
    "4: service p: handoff = proxy needs proxy-to" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://127.0.0.1:8" }
    handoff = proxy
}
EOF
check_t "proxy-to without handoff = proxy" \
    "4: service p: proxy-to needs handoff = proxy" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://127.0.0.1:8" }
    proxy-to = "tcp://127.0.0.1:9"
}
EOF
check_t "a udp proxy-to" \
    "5: service p: proxy-to: 'udp://127.0.0.1:9' is not a stream address" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://127.0.0.1:8" }
    handoff = proxy
    proxy-to = "udp://127.0.0.1:9"
}
EOF
check_t "max-instances without accept = yes or proxy" \
    "4: service p: max-instances needs accept = yes" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://127.0.0.1:8" }
    max-instances = 2
}
EOF
cat >"$T/good.conf" <<EOF
service p {
    command = "/bin/cat"
    listen = { "tcp://127.0.0.1:8", "unix:@p-$$" }
    handoff = proxy
    proxy-to = "unix:$T/p.sock"
    max-instances = 2
}
EOF
out=$("$ACTIVATOR" -t -f "$T/good.conf" 2>&1)
is "$?" 0 "-t accepts proxy to a unix path with max-instances" || diag "$out"

# --- one activator, a service per case ------------------------------------

mapfile -t P < <(free_port -n 24)
[ "${#P[@]}" -eq 24 ] || bail "freeport failed"
mkdir -p "$T/www"
printf 'small file\n' >"$T/www/small.txt"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$T/www/big.bin"
BULK=$((200 * 1024 * 1024))
MANY=2000
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576

# svc NAME LISTEN-PORT PROXY-TO COMMAND [EXTRA LINES...]
svc() {
	local name=$1 port=$2 to=$3 cmd=$4 l
	shift 4
	printf 'service %s {\n    listen = { "tcp://127.0.0.1:%s" }\n' \
	    "$name" "$port"
	printf '    command = "%s"\n    handoff = proxy\n' "$cmd"
	printf '    proxy-to = "%s"\n    type = simple\n' "$to"
	for l in "$@"; do
		printf '    %s\n' "$l"
	done
	printf '}\n'
}

S="$STREAMER serve"
activator_start <<EOF
$(svc web "${P[0]}" "tcp://127.0.0.1:${P[1]}" \
    "$BUSYBOX httpd -f -p 127.0.0.1:${P[1]} -h $T/www")
$(svc half "${P[2]}" "unix:$T/half.sock" \
    "$S -r $T/half.rep unix:$T/half.sock count")
$(svc greet "${P[3]}" "tcp://127.0.0.1:${P[4]}" \
    "$S -r $T/greet.rep tcp://127.0.0.1:${P[4]} greet")
$(svc rst "${P[5]}" "tcp://127.0.0.1:${P[6]}" \
    "$S -r $T/rst.rep tcp://127.0.0.1:${P[6]} reset")
$(svc src "${P[7]}" "tcp://127.0.0.1:${P[8]}" \
    "$S -r $T/src.rep tcp://127.0.0.1:${P[8]} source 0")
$(svc bulk "${P[9]}" "tcp://127.0.0.1:${P[10]}" \
    "$S -r $T/bulk.rep tcp://127.0.0.1:${P[10]} source $BULK")
$(svc lim "${P[11]}" "tcp://127.0.0.1:${P[12]}" \
    "$S -a $T/lim.acc tcp://127.0.0.1:${P[12]} hold" "max-instances = 2")
$(svc late "${P[13]}" "tcp://127.0.0.1:${P[14]}" \
    "$S -d 500 -r $T/late.rep tcp://127.0.0.1:${P[14]} count")
$(svc never "${P[15]}" "tcp://127.0.0.1:${P[16]}" \
    "$S -r $T/never.rep tcp://127.0.0.1:${P[17]} count" "start-timeout = 1")
$(svc many "${P[18]}" "tcp://127.0.0.1:${P[19]}" \
    "$S -r $T/many.rep tcp://127.0.0.1:${P[19]} barrier $MANY")
EOF
[ -n "$APID" ] || bail "activator did not start"

# KEY of the "proxy" object of service NAME (empty if none).
proxy_field() {
	ctl -j status "$1" | python3 -c '
import json, sys
p = json.load(sys.stdin)["services"][0].get("proxy")
print("" if p is None else p[sys.argv[1]])' "$2" 2>/dev/null
}
_proxy_is() { [ "$(proxy_field "$1" "$2")" = "$3" ]; }
_proxy_ge() { local v; v=$(proxy_field "$1" "$2"); [ -n "$v" ] && [ "$v" -ge "$3" ]; }
wait_proxy() {	# NAME KEY VALUE [SECS]
	wait_for "$1 proxy.$2 = $3" "${4:-10}" _proxy_is "$1" "$2" "$3"
}

# --- cold start: 50 clients at once, all served -------------------------

is "$(svc_field web state)" listening "web is listening before any client"
out=$("$HELPERS/burst" -n 50 -t 20 -p -s $'GET /small.txt HTTP/1.0\r\n\r\n' \
    "tcp://127.0.0.1:${P[0]}" 2>"$T/burst.err")
is "$out" "ok=50 refused=0 reset=0 timeout=0 other=0" \
    "50 clients on a cold service: all served"
like "$(tr -d '\r' <"$T/burst.err")" "^50 HTTP/1.[01] 200 OK$" \
    "each got the program's answer through the relay"
is "$(svc_field web state)" running "web is running"
is "$(svc_field web activations)" 1 "one activation for the 50"
like "$(ctl -j status web)" '"pids":\[[0-9]+' "the program is tracked"

# --- 50 MB intact ---------------------------------------------------------

want=$(sha256sum <"$T/www/big.bin")
got=$(timeout 60 "$BUSYBOX" wget -q -O - "http://127.0.0.1:${P[0]}/big.bin" |
    sha256sum)
is "$got" "$want" "a 50 MB file arrives intact (sha256)"
wait_proxy web connections 0
v=$(proxy_field web bytes_out)
ok "status counts the bytes relayed to clients ($v)" \
    test "${v:-0}" -ge $((50 * 1024 * 1024))
v=$(proxy_field web bytes_in)
ok "status counts the bytes relayed to the program ($v)" \
    test "${v:-0}" -gt 0
v=$(proxy_field web relayed)
is "$v" 51 "status counts the relayed connections"
like "$(ctl status web)" "  relayed: 0 live, 51 in all, [0-9]+ bytes in, $(proxy_field web bytes_out) bytes out" \
    "activatorctl status prints the counters"

# --- half-close, both ways --------------------------------------------------

out=$("$STREAMER" client "tcp://127.0.0.1:${P[2]}" shut $'ping\n')
like "$out" "first=got 5( |$)" \
    "client half-close: the program sees EOF and its reply still arrives"
like "$out" "end=eof" "  ... then the client sees EOF"
wait_for "half's report" 5 grep -qx "eof 5" "$T/half.rep"
ok "  ... the program got the 5 bytes, then EOF" grep -qx "eof 5" \
    "$T/half.rep"

out=$("$STREAMER" client "tcp://127.0.0.1:${P[3]}" half $'data\n')
like "$out" "end=eof first=hello end2=eof" \
    "program half-close: the client reads hello and EOF, then still sends"
wait_for "greet's report" 5 grep -qx "eof 5" "$T/greet.rep"
ok "  ... the program got the client's 5 bytes after its own shutdown" \
    grep -qx "eof 5" "$T/greet.rep"

# --- resets, both ways --------------------------------------------------------

out=$("$STREAMER" client "tcp://127.0.0.1:${P[5]}" shut $'x\n')
like "$out" "end=reset" "a reset from the program reaches the client"
: >"$T/greet.rep"
out=$("$STREAMER" client "tcp://127.0.0.1:${P[3]}" reset "partial")
wait_for "greet's report" 5 grep -q . "$T/greet.rep"
like "$(cat "$T/greet.rep")" "^reset [0-9]+$" \
    "a reset from the client reaches the program"

# --- a backend killed mid-transfer --------------------------------------------

"$STREAMER" client -t 30 "tcp://127.0.0.1:${P[7]}" sink >"$T/src.out" &
cpid=$!
wait_for "bytes flowing" 10 _proxy_ge src bytes_out 1000000
mpid=$(svc_field src main_pid)
ok "src has a main process ($mpid)" test "$mpid" -gt 0
kill -KILL "$mpid"
wait_for "the client to finish" 15 test -s "$T/src.out"
wait "$cpid"
like "$(cat "$T/src.out")" "end=(eof|reset)" \
    "the program killed mid-transfer closes its client"
wait_state src listening
wait_proxy src connections 0
like "$(svc_field src last_exit)" "'signal': 'KILL'" \
    "  ... its death is recorded; the service listens again"
"$STREAMER" client -t 30 "tcp://127.0.0.1:${P[7]}" sink >/dev/null &
cpid=$!
wait_state src running
is "$(svc_field src activations)" 2 "  ... and the next client starts it again"
kill -KILL "$(svc_field src main_pid)"
wait "$cpid"
wait_state src listening

# --- max-instances --------------------------------------------------------

exec {c1}<>"/dev/tcp/127.0.0.1/${P[11]}"
exec {c2}<>"/dev/tcp/127.0.0.1/${P[11]}"
exec {c3}<>"/dev/tcp/127.0.0.1/${P[11]}"
wait_proxy lim connections 2
wait_for "two open at the program" 10 grep -q "open=2" "$T/lim.acc"
sleep 0.5
is "$(proxy_field lim connections)" 2 \
    "max-instances = 2: the third connection is not relayed"
like "$(cat "$T/lim.acc")" "open=2$" "  ... the program has two open"
exec {c1}>&-
wait_proxy lim relayed 3
is "$(proxy_field lim connections)" 2 \
    "  ... it is relayed once one ends (it waited in the backlog)"
wait_for "the program's count" 5 grep -qx "accepted=4 open=2" "$T/lim.acc"
is "$(cat "$T/lim.acc")" "accepted=4 open=2" \
    "  ... still two at the program (the probe, then three clients)"
exec {c2}>&- {c3}>&-
wait_proxy lim connections 0

# --- clients wait while the program binds late --------------------------

out=$("$HELPERS/burst" -n 20 -t 20 -S -s "abc" "tcp://127.0.0.1:${P[13]}" \
    -p 2>"$T/late.err")
is "$out" "ok=20 refused=0 reset=0 timeout=0 other=0" \
    "20 clients while the program binds 500 ms late: all served"
is "$(cat "$T/late.err")" "20 got 3" "  ... each by the program"

# --- a proxy-to that never answers ----------------------------------------

# State and last_error from one reply: a hold-off of 1 s may end between
# two queries, and the next start clears last_error.
_failed_with() {
	NEVER=$(ctl -j status never | python3 -c '
import json, sys
s = json.load(sys.stdin)["services"][0]
print(s["state"], s["last_error"])' 2>/dev/null)
	case $NEVER in failed*) return 0 ;; esac
	return 1
}
exec {c1}<>"/dev/tcp/127.0.0.1/${P[15]}"
wait_for "never failed" 15 _failed_with
like "${NEVER#failed }" \
    "^proxy-to tcp://127.0.0.1:${P[16]} did not accept a connection within 1 s: Connection refused$" \
    "a proxy-to that never answers fails the start and says why"
exec {c1}>&-
ctl stop never >/dev/null

# --- thousands at once ------------------------------------------------------

if [ "$NOFILE" -ge $((MANY * 8)) ]; then
	out=$("$HELPERS/burst" -n "$MANY" -t 60 -s "" \
	    "tcp://127.0.0.1:${P[18]}")
	is "$out" "ok=$MANY refused=0 reset=0 timeout=0 other=0" \
	    "$MANY connections relayed at the same time"
else
	skip "$MANY connections relayed at the same time" \
	    "hard descriptor limit $NOFILE"
fi
ctl stop many >/dev/null

# --- the core's CPU while 200 MB go through ---------------------------------

# On-CPU nanoseconds of PID (schedstat), or utime+stime ticks in ns.
cpu_ns() {
	local a line
	if read -r a _ 2>/dev/null <"/proc/$1/schedstat"; then
		echo "$a"
		return
	fi
	read -r line <"/proc/$1/stat"
	line=${line##*) }
	set -- $line
	echo $(((${12} + ${13}) * 1000000000 / $(getconf CLK_TCK)))
}
ctl start bulk >/dev/null
wait_state bulk running
spid=$(_a_ppid "$(svc_field bulk main_pid)")
c0=$(cpu_ns "$APID")
s0=$(cpu_ns "$spid")
out=$("$STREAMER" client -t 60 "tcp://127.0.0.1:${P[9]}" sink)
c1=$(cpu_ns "$APID")
s1=$(cpu_ns "$spid")
wait_for "bulk's report" 5 grep -q sent "$T/bulk.rep"
sum=$(sed -n 's/^sent [0-9]* sum=//p' "$T/bulk.rep")
like "$out" "^bytes=$BULK sum=$sum end=eof" "200 MB relayed intact"
dc=$(((c1 - c0) / 1000000))
ds=$(((s1 - s0) / 1000000))
diag "CPU while relaying 200 MB: core $dc ms, supervisor (relay) $ds ms"
ok "the core's CPU stays flat while relaying ($dc ms)" test "$dc" -lt 50

# --- no descriptor leak after 1000 connections ---------------------------

# Descriptors of PID by kind: "sockets pipes other".
fd_kinds() {
	local f t s=0 p=0 o=0
	for f in /proc/"$1"/fd/*; do
		t=$(readlink "$f" 2>/dev/null) || continue
		case $t in
		socket:*) s=$((s + 1)) ;;
		pipe:*) p=$((p + 1)) ;;
		*) o=$((o + 1)) ;;
		esac
	done
	echo "$s $p $o"
}
hsup=$(_a_ppid "$(svc_field half main_pid)")
core0=$(fd_count "$APID")
read -r hs0 hp0 ho0 < <(fd_kinds "$hsup")
for i in 1 2; do
	out=$("$HELPERS/burst" -n 500 -t 30 -S -s "x" "tcp://127.0.0.1:${P[2]}")
	is "$out" "ok=500 refused=0 reset=0 timeout=0 other=0" \
	    "500 connections at once through a unix proxy-to (round $i)"
done
wait_proxy half connections 0
is "$(fd_count "$APID")" "$core0" "no descriptor leak in the core"
read -r hs1 hp1 ho1 < <(fd_kinds "$hsup")
is "$hs1 $ho1" "$hs0 $ho0" \
    "no socket or other descriptor leak in the supervisor"
ok "the supervisor keeps at most its pipe pool ($hp0 -> $hp1 pipe ends)" \
    test "$hp1" -le $((hp0 + 2 * 64))

activator_stop
is "$AEXIT" 0 "activator exits 0"
ok "no process left" no_leftovers
ok "no zombie left" no_zombies
done_testing
