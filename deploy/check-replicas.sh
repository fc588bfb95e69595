#!/usr/bin/env bash
# Checks deploy/nginx without Docker: three local `switchboard serve`
# processes on one PostgreSQL, behind a local nginx running the compose
# profile's configuration — switchboard.conf included as it is, and
# compose.conf with only its upstream servers, listen port and include path
# rewritten. Through nginx it logs in, opens an event stream and sees
# events arrive as they happen, kills the stream's process with SIGKILL,
# keeps working on the other two, and reconnects with Last-Event-ID to get
# what it missed.
#
#   bash deploy/check-replicas.sh
#
# Needs go, nginx (apt-get install nginx), psql and curl, and a PostgreSQL
# where it may create a schema: SWITCHBOARD_TEST_DATABASE_URL, default
# postgres://postgres@127.0.0.1:5432/test?sslmode=disable. It stops what it
# started, drops its schema and removes its files; exit status 1 on failure.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
pgurl=${SWITCHBOARD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
schema=nginx_check_$$
admin_email=admin@localhost
admin_password=check-replicas-password
replicas=3

tmp=$(mktemp -d)
sb_pids=()
sb_ports=()
nginx_pid=
stream_pid=
schema_made=

log() { printf '%s\n' "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}
now_ms() { date +%s%3N; }

cleanup() {
	local status=$?
	set +e
	if [[ $status -ne 0 ]]; then
		for f in "$tmp"/sb*.log "$tmp"/nginx/error.log; do
			[[ -f $f ]] && { printf -- '--- last lines of %s\n' "${f##*/}" >&2; tail -n 15 "$f" >&2; }
		done
	fi
	[[ -n $stream_pid ]] && kill "$stream_pid" 2>/dev/null
	[[ -n $nginx_pid ]] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	for pid in "${sb_pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	[[ -n $schema_made ]] && psql "$pgurl" -qX -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for cmd in go nginx psql curl; do
	command -v "$cmd" >/dev/null || fail "$cmd is not installed"
done

# free_port prints a localhost port nothing listens on.
free_port() {
	local port
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	fail "no free port"
}

# wait_for FILE PATTERN SECONDS waits until FILE has a line matching the
# extended regular expression PATTERN.
wait_for() {
	local deadline=$(($(now_ms) + $3 * 1000))
	until grep -Eq -- "$2" "$1" 2>/dev/null; do
		(($(now_ms) < deadline)) || return 1
		sleep 0.01
	done
}

# api METHOD PATH [BODY] calls switchboard through nginx as the admin and
# prints the status code; the body is in $tmp/body.
api() {
	local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $token")
	[[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data "$3")
	curl "${args[@]}" "$base$2"
}

# add_operator EMAIL creates an operator (an operator.changed event) and
# sets answered to when the answer came, in ms.
add_operator() {
	local status
	status=$(api POST /api/v1/operators "{\"email\":\"$1\",\"name\":\"Check\",\"password\":\"check-password\"}")
	[[ $status == 201 ]] || fail "POST /api/v1/operators $1 answered $status: $(cat "$tmp/body")"
	answered=$(now_ms)
}

# open_stream FILE [LAST_EVENT_ID] opens /api/v1/events through nginx into
# FILE (headers into FILE.headers) and waits for its first comment.
open_stream() {
	local args=(-sS -N -D "$1.headers" -H "Authorization: Bearer $token")
	[[ $# -ge 2 ]] && args+=(-H "Last-Event-ID: $2")
	curl "${args[@]}" "$base/api/v1/events" >"$1" 2>"$1.err" &
	stream_pid=$!
	wait_for "$1" '^: connected' 10 || fail "event stream did not open: $(cat "$1.headers" "$1.err" 2>/dev/null)"
}

# --- build and database
log "building switchboard"
(cd "$repo" && go build -o "$tmp/sb" ./cmd/switchboard)
psql "$pgurl" -qX -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $schema" >/dev/null
schema_made=1
if [[ $pgurl == *\?* ]]; then dburl="$pgurl&search_path=$schema"; else dburl="$pgurl?search_path=$schema"; fi

nginx_port=$(free_port)
base=http://127.0.0.1:$nginx_port

# --- switchboard processes: the first migrates and creates the admin, then
# the others join it.
start_replica() {
	local port
	port=$(free_port)
	env -i PATH="$PATH" HOME="$HOME" \
		SWITCHBOARD_ADDR="127.0.0.1:$port" \
		SWITCHBOARD_DATABASE_URL="$dburl" \
		SWITCHBOARD_DATABASE_MAX_CONNS=8 \
		SWITCHBOARD_PUBLIC_URL="$base" \
		SWITCHBOARD_ADMIN_EMAIL="$admin_email" \
		SWITCHBOARD_ADMIN_PASSWORD="$admin_password" \
		"$tmp/sb" serve >"$tmp/sb$1.log" 2>&1 &
	sb_pids[$1]=$!
	sb_ports[$1]=$port
}
wait_ready() {
	local deadline=$(($(now_ms) + 30000))
	until curl -fsS -o /dev/null "http://127.0.0.1:${sb_ports[$1]}/readyz" 2>/dev/null; do
		kill -0 "${sb_pids[$1]}" 2>/dev/null || fail "switchboard $1 exited"
		(($(now_ms) < deadline)) || fail "switchboard $1 not ready after 30 s"
		sleep 0.1
	done
}
start_replica 0
wait_ready 0
for ((i = 1; i < replicas; i++)); do start_replica "$i"; done
for ((i = 1; i < replicas; i++)); do wait_ready "$i"; done
log "switchboard on ports ${sb_ports[*]}, schema $schema"

# --- nginx: compose.conf with local addresses, switchboard.conf as it is.
# The http block here stands in for the image's /etc/nginx/nginx.conf, plus
# a header naming the replica that answered, for this check only.
mkdir -p "$tmp/nginx"
upstream_servers=$(for port in "${sb_ports[@]}"; do printf '    server 127.0.0.1:%s;\\n' "$port"; done)
site=$(awk -v servers="$upstream_servers" -v listen="127.0.0.1:$nginx_port" -v inc="$repo/deploy/nginx/switchboard.conf" '
	/^[[:space:]]*server [^ ]+:8080;$/ { n_server++; if (n_server == 1) printf "%s", servers; next }
	/^[[:space:]]*listen 80;$/ { n_listen++; sub(/80/, listen) }
	/^[[:space:]]*include \/etc\/nginx\/switchboard.conf;$/ { n_include++; sub(/\/etc\/nginx\/switchboard.conf/, inc) }
	{ print }
	END { if (n_server != '"$replicas"' || n_listen != 1 || n_include != 1) exit 1 }
' "$repo/deploy/nginx/compose.conf") || fail "deploy/nginx/compose.conf no longer has $replicas servers, one listen 80 and one include"
user_line=
[[ $(id -u) == 0 ]] && user_line='user root;'
cat >"$tmp/nginx/nginx.conf" <<EOF
$user_line
daemon off;
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log notice;
events { worker_connections 256; }
http {
    log_format upstream '\$request_method \$request_uri \$status upstream=\$upstream_addr';
    access_log $tmp/nginx/access.log upstream;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    add_header X-Check-Upstream \$upstream_addr always;
$site
}
EOF
nginx -t -q -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" || fail "nginx -t refused the configuration"
nginx -p "$tmp/nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
deadline=$(($(now_ms) + 10000))
until curl -fsS -o /dev/null "$base/readyz" 2>/dev/null; do
	kill -0 "$nginx_pid" 2>/dev/null || fail "nginx exited"
	(($(now_ms) < deadline)) || fail "nginx not answering /readyz on $nginx_port"
	sleep 0.05
done
log "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') on port $nginx_port"

# --- round robin: consecutive requests reach every replica.
seen=
for _ in $(seq $((replicas * 2))); do
	seen+=$(curl -fsS -o /dev/null -D - "$base/readyz" | tr -d '\r' | sed -n 's/^X-Check-Upstream: //Ip')$'\n'
done
n_seen=$(sort -u <<<"$seen" | grep -c .)
((n_seen == replicas)) || fail "$((replicas * 2)) requests reached $n_seen replicas, not $replicas: $seen"
log "ok: /readyz through nginx, round robin over all $replicas replicas"

# --- login
status=$(curl -sS -o "$tmp/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data "{\"email\":\"$admin_email\",\"password\":\"$admin_password\"}" "$base/api/v1/auth/login")
[[ $status == 200 ]] || fail "login answered $status: $(cat "$tmp/body")"
token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$tmp/body")
[[ -n $token ]] || fail "no token in the login answer"
log "ok: logged in through nginx"

# --- a stream, and events caused through nginx (usually on other replicas)
open_stream "$tmp/stream1"
victim_addr=$(tr -d '\r' <"$tmp/stream1.headers" | sed -n 's/^X-Check-Upstream: //Ip')
grep -qi '^Content-Type: text/event-stream' "$tmp/stream1.headers" || fail "the stream is not text/event-stream: $(cat "$tmp/stream1.headers")"
victim=
for i in "${!sb_ports[@]}"; do [[ $victim_addr == "127.0.0.1:${sb_ports[$i]}" ]] && victim=$i; done
[[ -n $victim ]] || fail "stream served by unknown upstream '$victim_addr'"
log "stream 1 is served by switchboard $victim ($victim_addr)"
for n in 1 2 3; do
	email=live-$n@check.test
	t0=$(now_ms)
	add_operator "$email"
	wait_for "$tmp/stream1" "\"$email\"" 5 || fail "no operator.changed frame for $email within 5 s (buffered?)"
	log "ok: operator.changed for $email on the stream $(($(now_ms) - answered)) ms after the POST's answer (the POST took $((answered - t0)) ms)"
done
last_id=$(sed -n 's/^id: //p' "$tmp/stream1" | tail -n 1)
[[ -n $last_id ]] || fail "no event id in stream 1"

# --- kill -9 the stream's process; the stream ends.
kill -KILL "${sb_pids[$victim]}"
wait "${sb_pids[$victim]}" 2>/dev/null || true
dead_pid=${sb_pids[$victim]}
unset "sb_pids[$victim]"
deadline=$(($(now_ms) + 10000))
while kill -0 "$stream_pid" 2>/dev/null; do
	(($(now_ms) < deadline)) || fail "stream 1 still open 10 s after its process was killed"
	sleep 0.05
done
wait "$stream_pid" 2>/dev/null || true
stream_pid=
log "ok: killed switchboard $victim (pid $dead_pid) with SIGKILL; stream 1 ended after id $last_id"

# --- with one replica dead, requests go on. Round robin sends one of the
# next few POSTs to the dead replica: its connection is refused, nothing was
# sent, and nginx passes it to the next (a POST without side effects: 400).
for _ in $(seq "$replicas"); do
	status=$(api POST /api/v1/callbacks '{}')
	[[ $status == 400 ]] || fail "POST /api/v1/callbacks {} answered $status with one replica dead, not 400"
	grep -q "^POST /api/v1/callbacks 400 upstream=$victim_addr, " "$tmp/nginx/access.log" && break
done
passed=$(grep "^POST /api/v1/callbacks 400 upstream=$victim_addr, " "$tmp/nginx/access.log") ||
	fail "no POST reached the dead replica and went on: $(cat "$tmp/nginx/access.log")"
log "ok: a POST refused by the dead replica went to the next: $passed"
for _ in $(seq $((replicas * 2))); do
	status=$(api GET /api/v1/me)
	[[ $status == 200 ]] || fail "GET /api/v1/me answered $status with one replica dead"
done
log "ok: $((replicas * 2)) × GET /api/v1/me → 200 with switchboard $victim dead"
# Events caused while no stream is open.
for n in 1 2; do
	t0=$(now_ms)
	add_operator "missed-$n@check.test"
	log "ok: POST /api/v1/operators missed-$n@check.test → 201 in $((answered - t0)) ms with switchboard $victim dead"
done

# --- reconnect with Last-Event-ID: what was missed is replayed.
open_stream "$tmp/stream2" "$last_id"
replayer=$(tr -d '\r' <"$tmp/stream2.headers" | sed -n 's/^X-Check-Upstream: //Ip')
for n in 1 2; do
	wait_for "$tmp/stream2" "\"missed-$n@check.test\"" 5 || fail "missed-$n@check.test not replayed after Last-Event-ID $last_id"
done
first_id=$(sed -n 's/^id: //p' "$tmp/stream2" | head -n 1)
((first_id > last_id)) || fail "stream 2 replayed id $first_id, not after $last_id"
if grep -q '"live-[0-9]@check.test"' "$tmp/stream2"; then fail "stream 2 replayed events from before Last-Event-ID $last_id"; fi
log "ok: reconnected through nginx (served by $replayer) with Last-Event-ID: $last_id; both missed operator.changed events replayed, from id $first_id"
add_operator after-1@check.test
wait_for "$tmp/stream2" '"after-1@check.test"' 5 || fail "no live event on stream 2 after the replay"
log "ok: a new event on stream 2 $(($(now_ms) - answered)) ms after the POST's answer"

# Each operator was created once (a POST sent twice would show a 409 above
# or a duplicate here).
status=$(api GET /api/v1/operators)
[[ $status == 200 ]] || fail "GET /api/v1/operators answered $status"
for email in live-1 live-2 live-3 missed-1 missed-2 after-1; do
	count=$(grep -o "\"$email@check.test\"" "$tmp/body" | wc -l)
	((count == 1)) || fail "$email@check.test listed $count times"
done
log "PASS"
