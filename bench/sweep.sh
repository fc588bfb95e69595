#!/usr/bin/env bash
# bench/sweep.sh — the write path at every load (issue 18), in one run.
#
# For each number of Telegram updates in flight (LOADS, "1 4 16 40 100"):
#   1. pgbench: the four writes of one update (bench/pgbench/update.sql)
#      with that many clients, on switchboard's migrated, seeded schema;
#   2. the plain grammY + pg bot (bench/grammy) under bench/loadgen;
#   3. the switchboard binary on PostgreSQL, a fresh schema each time;
#   4. the switchboard binary on SQLite, a fresh file each time.
# Both servers run as processes of their own beside the same load
# generator and fake Telegram, so they are measured alike. Then switchboard
# on PostgreSQL once more as an open loop at half the best rate it reached,
# for its latency there. Last, one table.
#
# Usage: bench/sweep.sh             (about 8 minutes; needs PostgreSQL, node)
# Environment: PG_URL (default $SWITCHBOARD_TEST_DATABASE_URL or
# postgres://postgres@127.0.0.1:5432/test?sslmode=disable), LOADS,
# DURATION (10s), WARMUP (3s), COMMIT_WORKERS (switchboard's
# SWITCHBOARD_COMMIT_WORKERS, default its own), SKIP_SQLITE=1, KEEP_LOGS=1.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${PG_URL:-${SWITCHBOARD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}}
LOADS=${LOADS:-1 4 16 40 100}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONVS=${CONVS:-10000}
SB_PORT=18097
GRAMMY_PORT=18090

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-sweep.XXXXXX")
BIN=$WORK/bin
LOG=$WORK/log
RESULTS=$WORK/results
mkdir -p "$BIN" "$LOG"
: >"$RESULTS"
SCHEMAS=()

say() { printf '\n== %s\n' "$*" >&2; }
sep() { if [[ $PG_URL == *\?* ]]; then echo '&'; else echo '?'; fi; }
cleanup() {
	for s in "${SCHEMAS[@]}"; do psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1 || true; done
	if [[ -n ${KEEP_LOGS:-} ]]; then echo "logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

for t in go psql pgbench node npm; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench/sweep.sh: $t is required" >&2; exit 2; }
done
if [[ ! -d bench/grammy/node_modules ]]; then
	say "npm ci in bench/grammy"
	(cd bench/grammy && npm ci --no-audit --no-fund >"$LOG/npm.log" 2>&1)
fi
say "building loadgen and switchboard"
go build -o "$BIN/loadgen" ./bench/loadgen
go build -o "$BIN/switchboard" ./cmd/switchboard
LOADGEN=$BIN/loadgen

quiet() { "$LOADGEN" -mode quiet -quiet 0.3 -duration 20s >&2; }
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
result_of() { grep '^RESULT ' "$1" | tail -1 | cut -d' ' -f2-; }

# new_schema NAME [seed]: a schema migrated by `switchboard migrate`,
# seeded with $CONVS conversations when asked, dropped at exit.
new_schema() {
	SCHEMAS+=("$1")
	psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1" >/dev/null
	SWITCHBOARD_DATABASE_URL="$PG_URL$(sep)search_path=$1" "$BIN/switchboard" migrate >/dev/null
	if [[ ${2:-} == seed ]]; then
		PGOPTIONS="-c search_path=$1" psql "$PG_URL" -q -v convs="$CONVS" -f bench/pgbench/seed.sql >/dev/null
	fi
}

# analyze_soon SCHEMA: statistics for the new schema's growing tables a
# little into the warm-up, as autovacuum's ANALYZE gives a running desk.
analyze_soon() {
	(sleep 2 && PGOPTIONS="-c search_path=$1" psql "$PG_URL" -qc ANALYZE >/dev/null 2>&1) &
}

# switchboard LABEL DB-URL LOADGEN-ARGS…: the binary under loadgen.
switchboard() {
	local label=$1 db=$2
	shift 2
	env SWITCHBOARD_DATABASE_URL="$db" SWITCHBOARD_ADDR=127.0.0.1:$SB_PORT SWITCHBOARD_LOG_LEVEL=warn \
		SWITCHBOARD_ADMIN_PASSWORD=sweep-admin-password ${COMMIT_WORKERS:+SWITCHBOARD_COMMIT_WORKERS=$COMMIT_WORKERS} \
		"$LOADGEN" -mode target -label "$label" -exec "$BIN/switchboard" -url "http://127.0.0.1:$SB_PORT/webhooks/telegram" \
		-duration "$DURATION" -warmup "$WARMUP" "$@" >"$LOG/$label.log" 2>&1 || { cat "$LOG/$label.log" >&2; return 1; }
	grep -E '^  ' "$LOG/$label.log" >&2 || true
	echo "$(result_of "$LOG/$label.log") inflight=$c" >>"$RESULTS"
}

new_schema sbsweep_pgbench seed
new_schema sbsweep_grammy seed
i=0
for c in $LOADS; do
	i=$((i + 1))
	quiet
	say "$c in flight: pgbench, the four writes, $c clients"
	"$LOADGEN" -mode cpu -label pgbench -duration 9s >"$LOG/pgbench-$c.cpu" &
	cpu=$!
	PGOPTIONS="-c search_path=sbsweep_pgbench" pgbench -n -M prepared -c "$c" -j "$((c < 2 ? 1 : 2))" -T 10 \
		-D convs="$CONVS" -f bench/pgbench/update.sql "$PG_URL" >"$LOG/pgbench-$c.log" 2>&1
	wait "$cpu" || true
	tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$LOG/pgbench-$c.log")
	lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$LOG/pgbench-$c.log")
	others=$(sed -n 's/.* others=\([0-9.]*\) .*/\1/p' "$LOG/pgbench-$c.cpu")
	echo "label=pgbench-$c ack_per_s=${tps%.*} ack_p50_ms=$lat others=$others inflight=$c" >>"$RESULTS"
	echo "  tps ${tps%.*}, latency average $lat ms" >&2

	quiet
	say "$c in flight: the grammY + pg bot"
	DATABASE_URL=$PG_URL DATABASE_SCHEMA=sbsweep_grammy CONVS=$CONVS PORT=$GRAMMY_PORT \
		"$LOADGEN" -mode target -label "grammy-$c" -url "http://127.0.0.1:$GRAMMY_PORT/webhooks/telegram" \
		-exec "node bench/grammy/bot.js" -c "$c" -duration "$DURATION" -warmup "$WARMUP" >"$LOG/grammy-$c.log" 2>&1 ||
		{ cat "$LOG/grammy-$c.log" >&2; exit 1; }
	grep -E '^  ' "$LOG/grammy-$c.log" >&2 || true
	echo "$(result_of "$LOG/grammy-$c.log") inflight=$c" >>"$RESULTS"

	quiet
	say "$c in flight: switchboard on PostgreSQL"
	schema=sbsweep_sb_$i
	new_schema "$schema"
	analyze_soon "$schema"
	switchboard "switchboard-postgres-$c" "$PG_URL$(sep)search_path=$schema" -c "$c"
	psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null

	if [[ -z ${SKIP_SQLITE:-} ]]; then
		quiet
		say "$c in flight: switchboard on SQLite"
		switchboard "switchboard-sqlite-$c" "sqlite://$WORK/sweep-$c.db" -c "$c"
		rm -f "$WORK/sweep-$c.db"*
	fi
done

best=$(grep '^label=switchboard-postgres-' "$RESULTS" | sed -n 's/.* ack_per_s=\([0-9]*\) .*/\1/p' | sort -n | tail -1)
half=$((best / 2))
if [[ $half -gt 0 ]]; then
	quiet
	say "switchboard on PostgreSQL, open loop at half its best: $half updates/s"
	new_schema sbsweep_sb_half
	analyze_soon sbsweep_sb_half
	c=half switchboard "switchboard-postgres-half" "$PG_URL$(sep)search_path=sbsweep_sb_half" -rate "$half"
fi

say "results ($(nproc) cores; updates/s; p50/p99 from the webhook POST to the reply at the fake Telegram, ms)"
awk '
function get(k,   i, kv) { for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) return kv[2] } return "" }
{
	c = get("inflight"); l = get("label"); sub(/-[0-9a-z]+$/, "", l)
	rate[c, l] = get("ack_per_s"); p50[c, l] = get("e2e_p50_ms"); p99[c, l] = get("e2e_p99_ms"); oth[c, l] = get("others")
	if (!(c in seen)) { seen[c] = 1; order[++n] = c }
}
END {
	printf "| in flight | pgbench tps | grammY + pg | p50 / p99 | switchboard PG | p50 / p99 | × grammY | × pgbench | switchboard SQLite | p50 / p99 | others (max) |\n"
	printf "|---|---|---|---|---|---|---|---|---|---|---|\n"
	for (k = 1; k <= n; k++) {
		c = order[k]
		if (c == "half") continue
		g = rate[c, "grammy"]; s = rate[c, "switchboard-postgres"]; b = rate[c, "pgbench"]
		xg = (g > 0) ? sprintf("%.2f", s / g) : "-"; xb = (b > 0) ? sprintf("%.0f%%", 100 * s / b) : "-"
		o = 0; split("pgbench grammy switchboard-postgres switchboard-sqlite", names, " ")
		for (j in names) if (oth[c, names[j]] + 0 > o) o = oth[c, names[j]] + 0
		printf "| %s | %s | %s | %s / %s | %s | %s / %s | %s | %s | %s | %s / %s | %.2f |\n", c, b, g, p50[c, "grammy"], p99[c, "grammy"], \
			s, p50[c, "switchboard-postgres"], p99[c, "switchboard-postgres"], xg, xb, \
			rate[c, "switchboard-sqlite"], p50[c, "switchboard-sqlite"], p99[c, "switchboard-sqlite"], o
	}
	if (("half", "switchboard-postgres") in rate)
		printf "\nswitchboard on PostgreSQL at half its best (open loop): %s updates/s, p50 %s ms, p99 %s ms\n", \
			rate["half", "switchboard-postgres"], p50["half", "switchboard-postgres"], p99["half", "switchboard-postgres"]
}' "$RESULTS"
