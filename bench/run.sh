#!/usr/bin/env bash
# bench/run.sh — every benchmark of issue 3 in one run, then one table:
#
#   1. pgbench: the database ceiling (bench/pgbench/update.sql, the four
#      writes one update costs) and switchboard's own statements unbatched
#      (bench/pgbench/full.sql), on switchboard's migrated schema;
#   2. the HTTP ceiling: bench/bareecho under wrk, then under loadgen -mode bare;
#   3. a plain grammY + pg webhook bot (bench/grammy) at its most and at
#      half of that, replies received by the same fake Telegram;
#   4. switchboard on PostgreSQL and on SQLite, at its most (closed loop)
#      and at half of that (open loop);
#   5. memory: the switchboard binary with 10,000 customers handed over;
#   6. opt-in (CALLBACKS=1, about 10 more minutes): bench/callbacks, the
#      callback dialer with 100,000 callbacks scheduled, one and three
#      dialers on PostgreSQL (printed, not in the table).
#
# Usage: bench/run.sh            (about 4 minutes; needs PostgreSQL)
# Environment: PG_URL (default $SWITCHBOARD_TEST_DATABASE_URL or
# postgres://postgres@127.0.0.1:5432/test?sslmode=disable), CONC (customers
# in flight for the closed loops, 128), DURATION (10s per measurement),
# SKIP_GRAMMY=1, SKIP_MEMORY=1, KEEP_LOGS=1, CALLBACKS=1.
#
# Everything talks to 127.0.0.1 only; every load is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${PG_URL:-${SWITCHBOARD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}}
CONC=${CONC:-128}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
PGBENCH_SECONDS=${PGBENCH_SECONDS:-15}
PGBENCH_CLIENTS=${PGBENCH_CLIENTS:-16}
CONVS=${CONVS:-10000}
MEM_CUSTOMERS=${MEM_CUSTOMERS:-10000}
ECHO_ADDR=127.0.0.1:18080
GRAMMY_PORT=18090
MEMORY_ADDR=127.0.0.1:18095

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-bench.XXXXXX")
BIN=$WORK/bin
LOG=$WORK/log
RESULTS=$WORK/results
mkdir -p "$BIN" "$LOG"
: >"$RESULTS"
SCHEMAS=()
PIDS=()

say() { printf '\n== %s\n' "$*" >&2; }
sep() { if [[ $PG_URL == *\?* ]]; then echo '&'; else echo '?'; fi; }

cleanup() {
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for s in "${SCHEMAS[@]}"; do psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true; done
	if [[ -n ${KEEP_LOGS:-} ]]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- tools -----------------------------------------------------------------
need() { command -v "$1" >/dev/null 2>&1; }
for t in go psql pgbench; do need "$t" || { echo "bench/run.sh: $t is required" >&2; exit 2; }; done
if ! need wrk && [[ $(id -u) == 0 ]] && need apt-get; then
	say "installing wrk"
	apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y wrk >/dev/null 2>&1; } || true
fi
if [[ -z ${SKIP_GRAMMY:-} ]]; then
	if ! need node || ! need npm; then
		echo "bench/run.sh: node and npm not found, skipping grammY" >&2
		SKIP_GRAMMY=1
	elif [[ ! -d bench/grammy/node_modules ]]; then
		say "npm ci in bench/grammy"
		(cd bench/grammy && npm ci --no-audit --no-fund >"$LOG/npm.log" 2>&1)
	fi
fi

say "building loadgen, bareecho and switchboard"
go build -o "$BIN/loadgen" ./bench/loadgen
go build -o "$BIN/bareecho" ./bench/bareecho
go build -o "$BIN/switchboard" ./cmd/switchboard
LOADGEN=$BIN/loadgen

# quiet waits (at most 20 s) for other work on a shared machine to calm down.
quiet() { "$LOADGEN" -mode quiet -quiet 0.3 -duration 20s >&2; }

# new_schema NAME: a schema migrated by `switchboard migrate`, seeded with
# $CONVS conversations, dropped at exit.
new_schema() {
	local s=$1
	SCHEMAS+=("$s")
	psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $s CASCADE; CREATE SCHEMA $s" >/dev/null
	SWITCHBOARD_DATABASE_URL="$PG_URL$(sep)search_path=$s" "$BIN/switchboard" migrate >/dev/null
	PGOPTIONS="-c search_path=$s" psql "$PG_URL" -q -v convs="$CONVS" -f bench/pgbench/seed.sql >/dev/null
}

# record LABEL KEY=VALUE…: one row of the final table.
record() { echo "$*" >>"$RESULTS"; }

# result_of FILE: the RESULT line loadgen printed, without its tag.
result_of() { grep '^RESULT ' "$1" | tail -1 | cut -d' ' -f2-; }
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# --- 1. pgbench ------------------------------------------------------------
run_pgbench() { # label script schema
	local label=$1 script=$2 schema=$3
	quiet
	say "pgbench $script: $PGBENCH_CLIENTS clients, ${PGBENCH_SECONDS}s"
	# The CPU watch ends a second early, while pgbench and its backends still run.
	"$LOADGEN" -mode cpu -label "$label" -duration "$((PGBENCH_SECONDS - 1))s" >"$LOG/$label.cpu" &
	local cpu=$!
	PGOPTIONS="-c search_path=$schema" pgbench -n -M prepared -c "$PGBENCH_CLIENTS" -j 2 -T "$PGBENCH_SECONDS" \
		-D convs="$CONVS" -f "bench/pgbench/$script" "$PG_URL" >"$LOG/$label.log" 2>&1
	wait "$cpu" || true
	local tps lat others
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$LOG/$label.log")
	lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$LOG/$label.log")
	others=$(sed -n 's/.* others=\([0-9.]*\) .*/\1/p' "$LOG/$label.cpu")
	grep -E '^(tps|latency average|number of failed)' "$LOG/$label.log" >&2
	record "label=$label rate=- ack_per_s=${tps%.*} reply_per_s=- e2e_p50_ms=- e2e_p99_ms=- ack_p50_ms=$lat ack_p99_ms=- errors=0 rss_mb=- others=$others"
}
new_schema sbbench_pgbench_ceiling
new_schema sbbench_pgbench_full
run_pgbench pgbench-4-writes update.sql sbbench_pgbench_ceiling
run_pgbench pgbench-switchboard-sql full.sql sbbench_pgbench_full
PGBENCH_TPS=$(field "$(grep '^label=pgbench-4-writes ' "$RESULTS")" ack_per_s)

# --- 2. HTTP ceiling -------------------------------------------------------
say "bare Echo handler at $ECHO_ADDR"
"$BIN/bareecho" -addr "$ECHO_ADDR" 2>"$LOG/bareecho.log" &
PIDS+=($!)
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/${ECHO_ADDR##*:}) 2>/dev/null && break; sleep 0.1; done
if need wrk; then
	quiet
	"$LOADGEN" -mode cpu -label wrk -duration 9s >"$LOG/wrk.cpu" &
	cpu=$!
	wrk -t2 -c64 -d10s --latency -s bench/bareecho/update.lua "http://$ECHO_ADDR/webhooks/telegram" >"$LOG/wrk.log" 2>&1
	wait "$cpu" || true
	grep -E 'Requests/sec|Latency  |50%|99%' "$LOG/wrk.log" >&2 || true
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p' "$LOG/wrk.log")
	p50=$(awk '$1=="50%"{print $2}' "$LOG/wrk.log")
	p99=$(awk '$1=="99%"{print $2}' "$LOG/wrk.log")
	others=$(sed -n 's/.* others=\([0-9.]*\) .*/\1/p' "$LOG/wrk.cpu")
	record "label=bare-echo-wrk rate=- ack_per_s=${rps%.*} reply_per_s=- e2e_p50_ms=- e2e_p99_ms=- ack_p50_ms=$p50 ack_p99_ms=$p99 errors=0 rss_mb=- others=$others"
else
	echo "wrk not found: skipping the wrk figure" >&2
fi
quiet
say "loadgen -mode bare against the bare Echo handler"
"$LOADGEN" -mode bare -label bare-echo-loadgen -url "http://$ECHO_ADDR/webhooks/telegram" -c 64 \
	-duration "$DURATION" -warmup "$WARMUP" >"$LOG/bare.log" 2>&1
grep -E '^  ' "$LOG/bare.log" >&2
record "$(result_of "$LOG/bare.log")"
kill "${PIDS[-1]}" 2>/dev/null || true

# --- 3./4. servers at their most and at half of it --------------------------
# measure NAME LOADGEN-ARGS…: the closed loop first, then an open loop at
# half the updates per second it reached.
measure() {
	local name=$1
	shift
	quiet
	say "$name: closed loop, $CONC customers at a time"
	"$LOADGEN" -label "$name" -c "$CONC" -duration "$DURATION" -warmup "$WARMUP" "$@" >"$LOG/$name.log" 2>&1 ||
		{ cat "$LOG/$name.log" >&2; return 1; }
	grep -E '^  ' "$LOG/$name.log" >&2
	local res max half
	res=$(result_of "$LOG/$name.log")
	record "$res"
	max=$(field "$res" ack_per_s)
	half=$((max / 2))
	[[ $half -gt 0 ]] || return 0
	quiet
	say "$name: open loop at half of that, $half updates/s"
	"$LOADGEN" -label "$name-half" -rate "$half" -duration "$DURATION" -warmup "$WARMUP" "$@" >"$LOG/$name-half.log" 2>&1 ||
		{ cat "$LOG/$name-half.log" >&2; return 1; }
	grep -E '^  ' "$LOG/$name-half.log" >&2
	record "$(result_of "$LOG/$name-half.log")"
}

if [[ -z ${SKIP_GRAMMY:-} ]]; then
	new_schema sbbench_grammy
	DATABASE_URL=$PG_URL DATABASE_SCHEMA=sbbench_grammy CONVS=$CONVS PORT=$GRAMMY_PORT \
		measure grammy-postgres -mode target -url "http://127.0.0.1:$GRAMMY_PORT/webhooks/telegram" -exec "node bench/grammy/bot.js"
fi
measure switchboard-postgres -mode switchboard -db "$PG_URL"
measure switchboard-sqlite -mode switchboard -db sqlite

# --- 5. memory ------------------------------------------------------------
if [[ -z ${SKIP_MEMORY:-} ]]; then
	SCHEMAS+=(sbbench_memory)
	psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS sbbench_memory CASCADE; CREATE SCHEMA sbbench_memory" >/dev/null
	quiet
	say "memory: the switchboard binary, $MEM_CUSTOMERS customers each handed over to the queue"
	SWITCHBOARD_DATABASE_URL="$PG_URL$(sep)search_path=sbbench_memory" SWITCHBOARD_ADDR=$MEMORY_ADDR \
		SWITCHBOARD_ADMIN_PASSWORD=bench-admin-password SWITCHBOARD_LOG_LEVEL=warn \
		"$LOADGEN" -mode target -label memory-switchboard-postgres -exec "$BIN/switchboard" \
		-url "http://$MEMORY_ADDR/webhooks/telegram" -customers "$MEM_CUSTOMERS" -c "$CONC" -warmup 0s -duration 4m \
		>"$LOG/memory.log" 2>&1 || { cat "$LOG/memory.log" >&2; exit 1; }
	grep -E '^  ' "$LOG/memory.log" >&2
	echo "  conversations by state: $(PGOPTIONS='-c search_path=sbbench_memory' psql "$PG_URL" -Atc \
		"select string_agg(state || ' ' || n, ', ') from (select state, count(*) n from conversations group by state) s")" >&2
	record "$(result_of "$LOG/memory.log")"
fi

# --- 6. callbacks (opt-in) ------------------------------------------------------
if [[ -n ${CALLBACKS:-} ]]; then
	go build -o "$BIN/callbacks" ./bench/callbacks
	for n in 1 3; do
		quiet
		say "callbacks: 100,000 scheduled, $n dialer(s) on PostgreSQL (a database of its own, dropped after)"
		"$BIN/callbacks" -db "$PG_URL" -instances "$n" >"$LOG/callbacks-$n.log" 2>&1 || { cat "$LOG/callbacks-$n.log" >&2; exit 1; }
		grep -E '^machine|lateness|^calls placed' "$LOG/callbacks-$n.log" >&2
	done
fi

# --- the table ---------------------------------------------------------------
say "results ($(nproc) cores; 'others' is CPU other processes took meanwhile, in cores)"
awk -v ceiling="${PGBENCH_TPS:-0}" '
function get(k,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "-" }
BEGIN {
	printf "| %-27s | %7s | %9s | %9s | %9s | %9s | %9s | %6s | %8s | %7s | %6s |\n", "run", "offered", "updates/s", "p50 ms", "p99 ms", "ack p50", "ack p99", "errors", "vs pgbench", "RSS MB", "others"
	printf "|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", "-----------------------------", "---------", "-----------", "-----------", "-----------", "-----------", "-----------", "--------", "----------", "---------", "--------"
}
{
	ups = get("ack_per_s"); ratio = "-"
	if (ceiling > 0 && get("rate") !~ /^[0-9]/ && get("label") !~ /^(pgbench-4-writes|bare|memory)/) ratio = sprintf("%.0f%%", 100 * ups / ceiling)
	printf "| %-27s | %7s | %9s | %9s | %9s | %9s | %9s | %6s | %10s | %7s | %6s |\n", get("label"), get("rate"), ups, get("e2e_p50_ms"), get("e2e_p99_ms"), get("ack_p50_ms"), get("ack_p99_ms"), get("errors"), ratio, get("rss_mb"), get("others")
}' "$RESULTS"
cat <<EOF

updates/s: webhook updates acknowledged (2xx) per second; pgbench: transactions/s; wrk: requests/s.
p50/p99: from the POST to the reply reaching the fake Telegram; ack: the webhook's own answer time
(pgbench: average latency). offered: "closed" is a closed loop of $CONC customers; a number is an
open loop offering that many updates/s. vs pgbench: updates/s over pgbench's four-writes tps.
RSS: the server process; for in-process runs, switchboard, fake Telegram and generator together.
EOF
