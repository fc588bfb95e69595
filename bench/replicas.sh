#!/usr/bin/env bash
# bench/replicas.sh — several switchboard processes on one PostgreSQL
# (issue 14), in one run:
#
#   1. webhook throughput with 1, 2 and 3 processes of the binary on one
#      schema, updates spread over them in turn (loadgen -mode replicas,
#      closed loop), with who used the CPU;
#   2. the same with the binary of BASE, when set (a git revision, built in
#      a temporary worktree): e.g. the tree before the shared Telegram
#      budget, whose processes each pace their own sends;
#   3. event latency: 1,000 event streams spread over 3 processes, customer
#      messages at RATE a second spread over them, each event timed on
#      every stream (bench/events -rate).
#
# Usage: bench/replicas.sh      (about 4 minutes, 6 with BASE; needs PostgreSQL)
# Environment: PG_URL (default $SWITCHBOARD_TEST_DATABASE_URL or
# postgres://postgres@127.0.0.1:5432/test?sslmode=disable), CONC (128),
# DURATION (10s), MAX_CONNS (16: SWITCHBOARD_DATABASE_MAX_CONNS per
# process), PER_SECOND (100000: TELEGRAM_MAX_PER_SECOND), BASE, RATE (5),
# UPDATES (150), STREAMS (1000).
#
# Everything talks to 127.0.0.1 only; schemas are made fresh and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=${PG_URL:-${SWITCHBOARD_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}}
CONC=${CONC:-128}
DURATION=${DURATION:-10s}
MAX_CONNS=${MAX_CONNS:-16}
RATE=${RATE:-5}
UPDATES=${UPDATES:-150}
STREAMS=${STREAMS:-1000}
PER_SECOND=${PER_SECOND:-100000}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-replicas.XXXXXX")
cleanup() {
	if [[ -n ${BASE:-} && -d $WORK/base ]]; then git worktree remove --force "$WORK/base" || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

go build -o "$WORK/loadgen" ./bench/loadgen
go build -o "$WORK/events" ./bench/events
# Both binaries are called switchboard, so the CPU split counts them as ours.
go build -o "$WORK/tree/switchboard" ./cmd/switchboard
bins=("$WORK/tree/switchboard")
if [[ -n ${BASE:-} ]]; then
	git worktree add --detach "$WORK/base" "$BASE" 2>/dev/null
	(cd "$WORK/base" && go build -o "$WORK/base-$BASE/switchboard" ./cmd/switchboard)
	bins+=("$WORK/base-$BASE/switchboard")
fi

# quiet waits (at most 30 s) for other work on a shared machine to calm down.
quiet() { "$WORK/loadgen" -mode quiet -quiet 0.3 -duration 30s >&2; }

echo "== $(date -u '+%F %H:%M UTC'), tree $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' with changes'), $(nproc) cores"
for bin in "${bins[@]}"; do
	name=$(basename "$(dirname "$bin")")
	for n in 1 2 3; do
		quiet
		echo "== $name, $n process(es), closed loop of $CONC; $(uptime | sed 's/.*load/load/')"
		"$WORK/loadgen" -mode replicas -label "$name-$n" -bin "$bin" -replicas "$n" -max-conns "$MAX_CONNS" \
			-telegram-per-second "$PER_SECOND" -db "$PG_URL" -c "$CONC" -duration "$DURATION" -warmup 3s 2>&1 | grep -E '^(  |RESULT)'
	done
done
quiet
echo "== events: $STREAMS streams over 3 processes, $RATE messages/s; $(uptime | sed 's/.*load/load/')"
"$WORK/events" -bin "$WORK/tree/switchboard" -db "$PG_URL" -replicas 3 -max-conns "$MAX_CONNS" -streams "$STREAMS" \
	-rate "$RATE" -updates "$UPDATES" 2>&1 | grep -E '^(  |RESULT|posted)'
