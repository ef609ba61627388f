#!/bin/bash
# SPDX-License-Identifier: ISC
# bind-daemons.sh -- handoff = bind with real Debian daemons that bind
# their own ports and daemonize, each of another kind:
#   memcached -d   forks once (daemon(3) style), binds after forking
#   lighttpd       double fork, binds before forking
#   dnsmasq        double fork, UDP and TCP on the same port
#   nginx          a master and worker processes
# For each: a cold service's first client activates it, 50 concurrent
# clients are all served, the daemon listens on activator's very socket
# (same inode, no second listener), main_pid is the pid in its pidfile,
# kill -9 leaves the port listened on and the next client re-activates
# it, a port of the daemon not in listen is its own, and stop leaves
# nothing behind. The daemons are test dependencies (autogen.sh): a
# missing one is a failure, never a skip.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"
. "$top_srcdir/tests/lib/bind.sh"

need_root
dnsq() { python3 "$top_srcdir/tests/helpers/dnsq.py" "$@"; }
HTTP=$'GET /index.html HTTP/1.0\r\n\r\n'
MCV=$'version\r\n'
ports=($(free_port -n 8))
MC=${ports[0]} MC2=${ports[1]}
LT=${ports[2]} LT2=${ports[3]}
DM=${ports[4]}			# dnsmasq: 127.0.0.1 (held) and 127.0.0.2 (own)
NG=${ports[5]} NG2=${ports[6]}

for prog in /usr/bin/memcached /usr/sbin/lighttpd /usr/sbin/dnsmasq \
    /usr/sbin/nginx; do
	ok "$prog is installed (a test dependency)" test -x "$prog"
done

mkdir -p "$T/www" "$T/ng"
echo "OK lighttpd" >"$T/www/index.html"
cat >"$T/lighttpd.conf" <<EOF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $LT
server.pid-file = "$T/lighttpd.pid"
server.errorlog = "$T/lighttpd.err"
\$SERVER["socket"] == "127.0.0.1:$LT2" { }
EOF
cat >"$T/ng/nginx.conf" <<EOF
daemon on;
master_process on;
worker_processes 2;
user root;
pid $T/nginx.pid;
error_log $T/ng/error.log;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path $T/ng/body;
    proxy_temp_path $T/ng/proxy;
    fastcgi_temp_path $T/ng/fcgi;
    uwsgi_temp_path $T/ng/uwsgi;
    scgi_temp_path $T/ng/scgi;
    server {
        listen 127.0.0.1:$NG;
        listen 127.0.0.1:$NG2;
        location / { return 200 "OK nginx\n"; }
    }
}
EOF

activator_start <<EOF
service memcached {
    listen  = { "tcp://127.0.0.1:$MC" }
    command = "/usr/bin/memcached -d -u root -l 127.0.0.1:$MC,127.0.0.1:$MC2 -P $T/memcached.pid"
    handoff = bind
}
service lighttpd {
    listen  = { "tcp://127.0.0.1:$LT" }
    command = "/usr/sbin/lighttpd -f $T/lighttpd.conf"
    handoff = bind
}
service dnsmasq {
    listen  = { "udp://127.0.0.1:$DM", "tcp://127.0.0.1:$DM" }
    command = "/usr/sbin/dnsmasq --conf-file=/dev/null --port=$DM --listen-address=127.0.0.1,127.0.0.2 --bind-interfaces --no-resolv --no-hosts --user=root --group=root --pid-file=$T/dnsmasq.pid --address=/test.example/127.0.0.77 --log-facility=$T/dnsmasq.log"
    handoff = bind
}
service nginx {
    listen  = { "tcp://127.0.0.1:$NG" }
    command = "/usr/sbin/nginx -e $T/ng/error.log -p $T/ng -c $T/ng/nginx.conf"
    handoff = bind
}
EOF
[ -n "$APID" ] || bail "activator did not start"

# One exchange with service NAME's daemon on its first listen address.
probe() {
	case $1 in
	memcached) "$HELPERS/tclient" -s "$MCV" "tcp://127.0.0.1:$MC" ;;
	lighttpd)  "$HELPERS/tclient" -s "$HTTP" "tcp://127.0.0.1:$LT" ;;
	dnsmasq)   dnsq udp 127.0.0.1 "$DM" test.example ;;
	nginx)     "$HELPERS/tclient" -s "$HTTP" "tcp://127.0.0.1:$NG" ;;
	esac 2>&1
}
expect() {
	case $1 in
	memcached) echo '^VERSION ' ;;
	dnsmasq)   echo '^127\.0\.0\.77$' ;;
	*)         echo '^HTTP/1\.[01] 200 OK' ;;
	esac
}
# 50 clients at once on service NAME.
burst50() {
	case $1 in
	memcached) "$HELPERS/burst" -n 50 -s "$MCV" "tcp://127.0.0.1:$MC" ;;
	lighttpd)  "$HELPERS/burst" -n 50 -s "$HTTP" "tcp://127.0.0.1:$LT" ;;
	dnsmasq)   dnsq -n 50 tcp 127.0.0.1 "$DM" test.example ;;
	nginx)     "$HELPERS/burst" -n 50 -s "$HTTP" "tcp://127.0.0.1:$NG" ;;
	esac 2>&1
}
burst_ok() {
	case $1 in
	dnsmasq) echo "ok=50" ;;
	*)       echo "ok=50 refused=0 reset=0 timeout=0 other=0" ;;
	esac
}
# The daemon's own second address: an exchange there, and its port.
probe2() {
	case $1 in
	memcached) "$HELPERS/tclient" -s "$MCV" "tcp://127.0.0.1:$MC2" ;;
	lighttpd)  "$HELPERS/tclient" -s "$HTTP" "tcp://127.0.0.1:$LT2" ;;
	dnsmasq)   dnsq tcp 127.0.0.2 "$DM" test.example ;;
	nginx)     "$HELPERS/tclient" -s "$HTTP" "tcp://127.0.0.1:$NG2" ;;
	esac 2>&1
}
port_of() {
	case $1 in
	memcached) echo "$MC" ;; lighttpd) echo "$LT" ;;
	dnsmasq) echo "$DM" ;; nginx) echo "$NG" ;;
	esac
}
# TCP listener inode of the daemon's own second address.
own_listener() {
	case $1 in
	memcached) tcp_listeners "$MC2" ;;
	lighttpd)  tcp_listeners "$LT2" ;;
	nginx)     tcp_listeners "$NG2" ;;
	dnsmasq)   tcp_listeners_at 127.0.0.2 "$DM" ;;
	esac
}
_pids_gone() { local p; for p in $1; do proc_alive "$p" && return 1; done; return 0; }

for d in memcached lighttpd dnsmasq nginx; do
	P=$(port_of "$d")
	act=$(tcp_listeners_at 127.0.0.1 "$P")
	is "$(svc_field "$d" state) $(svc_field "$d" pids)" "listening []" \
	    "$d: cold, no process"
	is "$(burst50 "$d")" "$(burst_ok "$d")" \
	    "$d: 50 concurrent clients of the cold service are all served"
	is "$(svc_field "$d" activations)" 1 "$d: ... by one activation"
	wait_state "$d" running 10
	like "$(probe "$d")" "$(expect "$d")" "$d: a client is served"
	wait_file "$T/$d.pid" 5
	pid=$(tr -d ' \n' <"$T/$d.pid")
	is "$(svc_field "$d" main_pid)" "$pid" "$d: main_pid is the pid in its pidfile"
	is "$(tcp_listeners_at 127.0.0.1 "$P")" "$act" \
	    "$d: one TCP listener on the address, activator's socket from the start"
	ok "$d: the daemon listens on it (same inode)" holds_socket "$pid" "$act"
	ok "$d: ... and so does activator" holds_socket "$APID" "$act"
	if [ "$d" = dnsmasq ]; then
		u=$(awk -v h="0100007F:$(printf '%04X' "$DM")" '$2 == h { print $10 }' /proc/net/udp)
		ok "$d: its UDP socket on the same port is activator's" \
		    holds_socket "$APID" "$u"
		ok "$d: ... held by the daemon" holds_socket "$pid" "$u"
		is "$(awk -v h="0100007F:$(printf '%04X' "$DM")" '$2 == h' /proc/net/udp | wc -l)" 1 \
		    "$d: ... and no second UDP socket on 127.0.0.1:$DM"
		is "$(dnsq -n 50 udp 127.0.0.1 "$DM" test.example)" "ok=50" \
		    "$d: 50 concurrent UDP queries are served"
	fi
	is "$(svc_field "$d" claimed | tr -d "[]'" | tr ',' '\n' | wc -l)" \
	    "$(svc_field "$d" listen | tr -d "[]'" | tr ',' '\n' | wc -l)" \
	    "$d: every listen address claimed"
	like "$(probe2 "$d")" "$(expect "$d")" "$d: its own address not in listen works"
	own=$(own_listener "$d")
	ok "$d: ... on the daemon's own socket" holds_socket "$pid" "$own"
	nok "$d: ... not activator's" holds_socket "$APID" "$own"

	pids=$(svc_field "$d" pids | tr -d '[],')
	kill -KILL "$pid"
	wait_state "$d" listening 10
	ok "$d: after kill -9, the rest of its tree is gone" _pids_gone "$pids"
	is "$(tcp_listeners_at 127.0.0.1 "$P")" "$act" \
	    "$d: ... and activator's socket listens, the only one"
	rm -f "$T/$d.pid"
	like "$(probe "$d")" "$(expect "$d")" "$d: the next client re-activates it"
	wait_state "$d" running 10
	wait_file "$T/$d.pid" 5
	new=$(tr -d ' \n' <"$T/$d.pid")
	is "$(svc_field "$d" main_pid) $(svc_field "$d" activations)" "$new 2" \
	    "$d: ... a second activation, main_pid the new pid in its pidfile"
	ok "$d: ... which is another daemon ($pid -> $new)" test "$new" != "$pid"
	ok "$d: ... again on activator's socket" holds_socket "$new" "$act"

	pids=$(svc_field "$d" pids | tr -d '[],')
	ok "$d: stop" ctl stop "$d"
	wait_state "$d" stopped 10
	ok "$d: stop leaves no process behind" _pids_gone "$pids"
	is "$(tcp_listeners "$P")$(own_listener "$d")" "" "$d: ... and nothing listening"
done

# SIGTERM to activator with every daemon running.
for d in memcached lighttpd dnsmasq nginx; do
	ctl start "$d" >/dev/null
done
for d in memcached lighttpd dnsmasq nginx; do
	wait_state "$d" running 10
	like "$(probe "$d")" "$(expect "$d")" "$d: started by the operator, served"
done
all=""
for d in memcached lighttpd dnsmasq nginx; do
	all="$all $(svc_field "$d" pids | tr -d '[],')"
done
activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM"
ok "no daemon process is left (nginx workers included)" _pids_gone "$all"
ok "no process of the test is left" no_leftovers
ok "no zombie is left" no_zombies
is "$(tcp_listeners "$MC")$(tcp_listeners "$LT")$(tcp_listeners "$NG")$(tcp_listeners "$DM")$(udp_sockets "$DM")" "" \
    "nothing listens on the ports any more"
done_testing
