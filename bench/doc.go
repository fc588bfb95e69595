// Package bench holds switchboard's benchmarks. This package itself has the
// Go benchmarks of the dialog engine and its group committer (they run only
// with -bench); the commands and scripts beside it measure the whole
// server: bench/loadgen (the webhook under load, replies received by a fake
// Telegram), bench/bareecho (the HTTP ceiling), bench/pgbench (the
// database ceiling), bench/grammy (a plain grammY bot for comparison) and
// bench/run.sh, which runs those together and prints one table. Beside
// them: bench/events (live console events), bench/voice (Twilio webhooks)
// and bench/callbacks (the callback dialer with 100,000 callbacks
// scheduled: how late due callbacks start, claims per second with one and
// several dialers). bench/replicas.sh measures several processes on one
// PostgreSQL: throughput with loadgen -mode replicas, event latency across
// processes with bench/events -rate. bench/search times conversation search
// on a million messages, and what its indexes cost a write. bench/growth
// fills up to a million customers with SQL and counts the rows the write
// path reads by sequential scan per update (issue 18).
// BENCHMARKS.md at the repository root records the figures.
package bench
