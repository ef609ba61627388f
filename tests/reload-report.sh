#!/bin/bash
# SPDX-License-Identifier: ISC
# reload-report.sh -- a reload's reply says what it changed: services
# added, removed, changed (and whether the change waits for a restart of
# the running daemon) and unchanged; sockets kept, opened and closed.
# activatorctl reload prints it, -j gives the JSON; a failed reload
# replies an error and changes nothing; the log sums it up.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/activator.sh"

read -r P1 P2 P3 P4 P5 P6 P7 P8 P9 <<<"$(free_port -n 9 | tr '\n' ' ')"

# conf VARIANT: a and b differ in one thing of each kind.
conf() {
	local v=$1
	cat <<EOF
service keep {
    listen  = { "tcp://127.0.0.1:$P1" }
    command = "/bin/cat"
    accept  = yes
}
service daemon {
    listen  = { "tcp://127.0.0.1:$P3" }
    command = "/bin/sleep $([ "$v" = a ] && echo 1000 || echo 2000)"
    type    = simple
}
service tune {
    listen  = { "tcp://127.0.0.1:$P4" }
    command = "/bin/cat"
    accept  = yes
    max-instances = $([ "$v" = a ] && echo 5 || echo 6)
    log-connections = $([ "$v" = a ] && echo no || echo yes)
}
service calm {
    listen  = { "tcp://127.0.0.1:$P9" }
    command = "/bin/sleep 1000"
    type    = simple
    stop-timeout = $([ "$v" = a ] && echo 5 || echo 7)
}
service moves {
    listen  = { "tcp://127.0.0.1:$P5", "tcp://127.0.0.1:$([ "$v" = a ] && echo "$P6" || echo "$P7")" }
    command = "/bin/cat"
    accept  = yes
}
EOF
	if [ "$v" = a ]; then
		cat <<EOF
service gone {
    listen  = { "tcp://127.0.0.1:$P2" }
    command = "/bin/cat"
    accept  = yes
}
EOF
	else
		cat <<EOF
service fresh {
    listen  = { "tcp://127.0.0.1:$P8" }
    command = "/bin/cat"
    accept  = yes
}
EOF
	fi
}

activator_start < <(conf a) || bail "activator did not start"
ok "start daemon" ctl start daemon
ok "start calm" ctl start calm
ok "daemon runs" wait_state daemon running
ok "calm runs" wait_state calm running
dpid=$(svc_field daemon main_pid)

# The JSON reply, normalised: each list sorted, so the test says what,
# not in which order.
norm() {
	python3 -c '
import json, sys
r = json.load(sys.stdin)
if not r.get("ok"):
    print("error:", r.get("error")); sys.exit()
print("added", sorted(r["added"]))
print("removed", sorted(r["removed"]))
print("changed", sorted((c["name"], c["restart_needed"]) for c in r["changed"]))
print("unchanged", sorted(r["unchanged"]))
for k in ("kept", "opened", "closed"):
    print(k, sorted(a.rsplit(":", 1)[1] for a in r["sockets"][k]))'
}
ports() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed "s/ \$//; s/^/['/; s/ /', '/g; s/\$/']/"; }

conf b >"$T/activator.conf"
ctl -j reload >"$T/ab.json"
is "$?" 0 "reload a -> b exits 0"
ok "the reply is one JSON object with ok true" python3 -c '
import json, sys; sys.exit(json.load(open(sys.argv[1]))["ok"] is not True)' "$T/ab.json"
got=$(norm <"$T/ab.json")
is "$(sed -n 1p <<<"$got")" "added ['fresh']" "added: the new service"
is "$(sed -n 2p <<<"$got")" "removed ['gone']" "removed: the service not in the file"
is "$(sed -n 3p <<<"$got")" \
    "changed [('calm', False), ('daemon', True), ('moves', False), ('tune', False)]" \
    "changed: a running daemon's command needs a restart; stop-timeout, max-instances, log-connections and listen of accept = yes do not"
is "$(sed -n 4p <<<"$got")" "unchanged ['keep']" "unchanged: the service that is the same"
is "$(sed -n 5p <<<"$got")" "kept $(ports "$P1" "$P3" "$P4" "$P5" "$P9")" \
    "sockets kept: every address in both files"
is "$(sed -n 6p <<<"$got")" "opened $(ports "$P7" "$P8")" "sockets opened: the new addresses"
is "$(sed -n 7p <<<"$got")" "closed $(ports "$P2" "$P6")" "sockets closed: the dropped addresses"
like "$(cat "$T/ab.json")" "\"tcp://127\\.0\\.0\\.1:$P8\"" "addresses as written: tcp://HOST:PORT"
is "$(svc_field daemon restart_pending)" True "status agrees: daemon has a restart pending"
is "$(svc_field calm restart_pending)" False "status agrees: calm has none"
is "$(svc_field daemon main_pid)" "$dpid" "the running daemon was left alone"
ok "the log sums it up" grep -Eq \
    "reload: 1 added, 1 removed, 4 changed \\(1 waiting for a restart\\), 1 unchanged; sockets: 5 kept, 2 opened, 2 closed" "$LOG"

# The same file again: nothing changes, every socket is kept.
got=$(ctl -j reload | norm)
is "$got" "added []
removed []
changed []
unchanged ['calm', 'daemon', 'fresh', 'keep', 'moves', 'tune']
kept $(ports "$P1" "$P3" "$P4" "$P5" "$P7" "$P8" "$P9")
opened []
closed []" "the same file again: all unchanged, every socket kept"

# Failed reloads: an error, and nothing changed.
conf b >"$T/activator.conf"
echo 'service broken { listen = { "tcp://127.0.0.1:1" } bogus = 1 }' >>"$T/activator.conf"
out=$(ctl -j reload)
is "$?" 1 "a bad file: reload exits 1"
like "$out" '^\{"ok":false,"error":"[^"]*activator\.conf:[0-9]+: ' "... {\"ok\":false,\"error\":...} with the file and line"
{ conf b; printf 'service nodir {\n    listen = { "unix:%s/no/such/dir.sock" }\n    command = "/bin/cat"\n    accept = yes\n}\n' "$T"; } >"$T/activator.conf"
out=$(ctl -j reload)
is "$?" 1 "a socket that cannot be opened: reload exits 1"
like "$out" '^\{"ok":false,"error":"[^"]*no/such/dir\.sock' "... with the socket's error"
is "$(ctl -j status nodir)" '{"ok":false,"error":"no such service: nodir"}' "... and nothing was added"
conf b >"$T/activator.conf"
is "$(ctl -j reload | norm | sed -n '1,3p;6,7p')" "added []
removed []
changed []
opened []
closed []" "after the failed reloads, the running config is still b"

# Back to a, printed for a human this time.
conf a >"$T/activator.conf"
out=$(ctl reload)
is "$?" 0 "reload b -> a exits 0"
printf '%s\n' "$out" | sed 's/^/# /'
ok_line() {	# REGEX DESC: a whole line of $out matches
	ok "$2" grep -Eqx -- "$1" <<<"$out"
}
ok_line "added: gone" "printed: added: gone"
ok_line "removed: fresh" "printed: removed: fresh"
ok_line "changed: daemon \\(restart needed\\) tune calm moves" "printed: changed, with (restart needed) where it applies, in file order"
ok_line "unchanged: keep" "printed: unchanged: keep"
ok_line "sockets kept: tcp://127\\.0\\.0\\.1:$P1 tcp://127\\.0\\.0\\.1:$P3 tcp://127\\.0\\.0\\.1:$P4 tcp://127\\.0\\.0\\.1:$P9 tcp://127\\.0\\.0\\.1:$P5" "printed: sockets kept"
ok_line "sockets opened: tcp://127\\.0\\.0\\.1:$P6 tcp://127\\.0\\.0\\.1:$P2" "printed: sockets opened"
ok_line "sockets closed: tcp://127\\.0\\.0\\.1:$P7 tcp://127\\.0\\.0\\.1:$P8" "printed: sockets closed"
is "$(printf '%s\n' "$out" | wc -l)" 7 "seven lines, one per kind"
out=$(ctl reload)
is "$out" "unchanged: keep daemon tune calm moves gone
sockets kept: tcp://127.0.0.1:$P1 tcp://127.0.0.1:$P3 tcp://127.0.0.1:$P4 tcp://127.0.0.1:$P9 tcp://127.0.0.1:$P5 tcp://127.0.0.1:$P6 tcp://127.0.0.1:$P2" \
    "a reload that changes nothing prints only what it kept"

# SIGHUP reloads the same way and logs the sum.
conf b >"$T/activator.conf"
kill -HUP "$APID"
ok "SIGHUP: the log sums up the reload" wait_for "the reload line" 10 \
    eval "[ \$(grep -Ec 'reload: 1 added, 1 removed, 4 changed \\(1 waiting for a restart\\), 1 unchanged' \"\$LOG\") -ge 2 ]"
ok "fresh is there after SIGHUP" wait_for "fresh" 10 eval "ctl -j status fresh >/dev/null"

activator_stop
is "$AEXIT" 0 "activator exits 0 on SIGTERM (and, in the sanitizer build, clean)"
ok "no leftover process" no_leftovers
ok "no zombie" no_zombies
done_testing
