package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// runReplicas starts -replicas switchboard processes (the binary -bin) on
// one fresh PostgreSQL schema made on -db, each with its own address and at
// most -max-conns engine connections, as several processes behind a load
// balancer run, and spreads the updates over their webhooks in turn. The
// fake Telegram is shared, as the real one is. After the load it reports
// how much the event table grew per update.
func runReplicas(ctx context.Context, o options, rec *recorder) error {
	if o.bin == "" || o.replicas < 1 {
		return fmt.Errorf("-mode replicas needs -bin and -replicas ≥ 1")
	}
	dbURL, drop, err := prepareDatabase(ctx, o.db, o.keep)
	if err != nil {
		return err
	}
	defer drop()
	if dbURL == o.db {
		return fmt.Errorf("-mode replicas needs a postgres:// -db, got %q", o.db)
	}
	env := botEnv(rec, o.chatInterval, o.perSecond)
	env["SWITCHBOARD_DATABASE_URL"] = dbURL
	env["SWITCHBOARD_DATABASE_MAX_CONNS"] = strconv.Itoa(o.maxConns)
	env["SWITCHBOARD_ADMIN_PASSWORD"] = "loadgen-admin-password"
	env["SWITCHBOARD_LOG_LEVEL"] = "warn"
	var urls []string
	var pids []int
	for range o.replicas {
		port, err := freePort()
		if err != nil {
			return err
		}
		env["SWITCHBOARD_ADDR"] = "127.0.0.1:" + strconv.Itoa(port)
		url := "http://" + env["SWITCHBOARD_ADDR"] + "/webhooks/telegram"
		// One at a time: the first migrates, the others find it done.
		c, err := startChild(o.bin+" serve", env, url)
		if err != nil {
			return err
		}
		defer c.stop()
		urls, pids = append(urls, url), append(pids, c.cmd.Process.Pid)
	}
	fmt.Fprintf(os.Stderr, "loadgen: %d switchboard processes at %v; fake Telegram at %s\n", o.replicas, urls, rec.fake.URL())
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", dbURL, err)
	}
	defer conn.Close(context.Background())
	if o.warmup > 0 {
		go func() { // as in runSwitchboard: the plans production has
			select {
			case <-time.After(o.warmup / 2):
				if err := analyzeSchema(ctx, dbURL); err != nil {
					fmt.Fprintf(os.Stderr, "loadgen: analyze: %v\n", err)
				}
			case <-ctx.Done():
			}
		}()
	}
	g := newGenerator(urls[0], webhookSecret, o.conc, rec)
	g.urls, g.childPIDs = urls, pids
	load(ctx, g, o)
	time.Sleep(time.Second) // the last events reach the table
	report(o, g, rec, readMemory(strconv.Itoa(pids[0])), "the first process")
	var events, bytes, dataBytes int64
	err = conn.QueryRow(ctx, `SELECT count(*), pg_total_relation_size('live_events'),
		COALESCE(sum(octet_length(data) + octet_length(type)), 0) FROM live_events`).Scan(&events, &bytes, &dataBytes)
	if err != nil {
		return fmt.Errorf("count events: %w", err)
	}
	updates := g.updateID.Load()
	fmt.Printf("  events       %d stored for %d updates posted: %.2f per update; %.0f bytes each on disk (table and indexes), %.0f of type and data\n",
		events, updates, float64(events)/float64(max(updates, 1)), float64(bytes)/float64(max(events, 1)), float64(dataBytes)/float64(max(events, 1)))
	return nil
}

// analyzeSchema runs ANALYZE on every table of the schema dbURL's
// search_path names, on a connection of its own.
func analyzeSchema(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, t := range tables {
		if _, err := conn.Exec(ctx, "ANALYZE "+pgx.Identifier{t}.Sanitize()); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// freePort is a TCP port free on 127.0.0.1 at the moment of asking.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
