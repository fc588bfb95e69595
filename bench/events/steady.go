package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/bench/internal/cpu"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// steady posts o.updates messages at o.rate per second, each to the next
// server in turn, and times every message's event on every stream: from
// the start of the POST that caused it to the arrival of its frame.
func steady(servers []*server, streams []*streamLog, frames *atomic.Int64, o options) error {
	causes := make([]time.Time, o.updates)
	acks := make([]time.Duration, o.updates) // the webhook's answer time
	errs := make(chan error, o.updates)
	var wg sync.WaitGroup
	framesBefore := frames.Load()
	cpuBefore := cpu.Take()
	start := time.Now()
	for i := range o.updates {
		time.Sleep(time.Until(start.Add(time.Duration(float64(i) / o.rate * float64(time.Second)))))
		user := faketelegram.User{ID: int64(600000 + i%50), FirstName: "Load", LanguageCode: "en"}
		body := faketelegram.TextUpdate(1000+i, user, marker+strconv.Itoa(i))
		causes[i] = time.Now()
		wg.Go(func() {
			if err := post(servers[i%len(servers)].base, body); err != nil {
				errs <- fmt.Errorf("message %d: %w", i, err)
			}
			acks[i] = time.Since(causes[i])
		})
	}
	wg.Wait()
	posted := time.Since(start)
	var pids []int
	for _, s := range servers {
		pids = append(pids, s.cmd.Process.Pid)
	}
	use := cpu.Split(cpuBefore, cpu.Take(), pids...)
	framesPerStream := float64(frames.Load()-framesBefore) / float64(len(streams)) / posted.Seconds()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	// Wait for the last events, at most 10 s.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if delivered(streams) == len(streams)*o.updates {
			break
		}
	}

	n := len(servers)
	var all, afterPublish []time.Duration
	toPublish := make([]time.Duration, 0, o.updates)
	cells := make([][]time.Duration, n*n) // cause server × receiving server
	missing := 0
	for _, s := range streams {
		for i, cause := range causes {
			at, ok := s.arrival(i)
			if !ok {
				missing++
				continue
			}
			d := at.Sub(cause)
			all = append(all, d)
			if pub, ok := s.publishedAt(i); ok {
				afterPublish = append(afterPublish, at.Sub(pub))
				if s == streams[0] {
					toPublish = append(toPublish, pub.Sub(cause))
				}
			}
			cells[(i%n)*n+s.server] = append(cells[(i%n)*n+s.server], d)
		}
	}
	if len(all) == 0 {
		return fmt.Errorf("no event reached any stream")
	}
	sortDurations(all)
	fmt.Printf("posted %d messages in %s (%.1f/s) to %d processes; every stream got %.1f events/s of every type\n",
		o.updates, posted.Round(time.Millisecond), float64(o.updates)/posted.Seconds(), n, framesPerStream)
	for c := range n {
		for r := range n {
			d := cells[c*n+r]
			sortDurations(d)
			fmt.Printf("  caused on %d, stream on %d: p50 %s  p99 %s  max %s  (%d)\n", c, r,
				round(quantile(d, .5)), round(quantile(d, .99)), round(quantile(d, 1)), len(d))
		}
	}
	sortDurations(acks)
	fmt.Printf("  webhook answered (committed) p50 %s  p99 %s; the rest is the bus and the streams\n",
		round(quantile(acks, .5)), round(quantile(acks, .99)))
	sortDurations(toPublish)
	sortDurations(afterPublish)
	fmt.Printf("  post start → published (the event's at, after the commit): p50 %s  p99 %s; published → frame: p50 %s  p99 %s\n",
		round(quantile(toPublish, .5)), round(quantile(toPublish, .99)), round(quantile(afterPublish, .5)), round(quantile(afterPublish, .99)))
	fmt.Printf("  cpu while posting: %s\n", use.Detail)
	var dropped []string
	for _, s := range servers {
		dropped = append(dropped, metric(s.base, "switchboard_events_dropped_total"))
	}
	fmt.Printf("RESULT events replicas=%d streams=%d rate=%.0f updates=%d deliveries=%d missing=%d p50=%s p90=%s p99=%s max=%s events_per_s_per_stream=%.1f dropped=%s busy=%.2f others=%.2f\n",
		n, len(streams), o.rate, o.updates, len(all), missing, round(quantile(all, .5)), round(quantile(all, .9)),
		round(quantile(all, .99)), round(quantile(all, 1)), framesPerStream, strings.Join(dropped, ","), use.Busy, use.Others)
	return nil
}

// delivered counts the marked events that reached the streams so far.
func delivered(streams []*streamLog) int {
	total := 0
	for _, s := range streams {
		s.mu.Lock()
		total += len(s.got)
		s.mu.Unlock()
	}
	return total
}

func sortDurations(ds []time.Duration) { sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] }) }

// metric reads one unlabelled metric from base's /metrics, "?" when absent.
func metric(base, name string) string {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return "?"
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			return f[1]
		}
	}
	return "?"
}

// freshSchema makes a new schema on the PostgreSQL at raw and returns the
// URL that uses it, and a function that drops it.
func freshSchema(raw string) (string, func(), error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, raw)
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", raw, err)
	}
	schema := fmt.Sprintf("bench_events_%d", time.Now().UnixNano()%1e9)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = conn.Close(ctx)
		return "", nil, err
	}
	u, err := url.Parse(raw)
	if err != nil {
		_ = conn.Close(ctx)
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Printf("events: drop schema %s: %v\n", schema, err)
		}
		_ = conn.Close(ctx)
	}, nil
}
