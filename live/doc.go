// Package live makes several switchboard processes on one PostgreSQL behave
// as one service for everything that happens now rather than durably: the
// console's event stream (Bus), who is online (Presence), Telegram's rate
// budget, and the one process that long-polls Telegram. PostgreSQL is the
// only shared engine — LISTEN/NOTIFY, small tables and advisory locks — so
// nothing else (no broker, no cache) has to run beside it. On SQLite,
// switchboard runs as one process and keeps its in-process paths; this
// package is not used there.
package live
