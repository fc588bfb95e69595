package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

const (
	publicURL = "https://support.example.com"
	ourNumber = "+15005550006"
)

// dialerOptions is how the dialers of a run are set up.
type dialerOptions struct {
	instances int
	poll      time.Duration // DialerConfig.PollInterval; 0 is the default
	hold      time.Duration
	// placeDelay is how long each PlaceCall takes (instantPlacer.delay).
	placeDelay time.Duration
	// wakeAtDue runs the wake experiment beside each dialer (waker).
	wakeAtDue bool
	// stagger starts the instances evenly spread over one poll interval
	// rather than at once.
	stagger bool
}

func pollOrDefault(poll time.Duration) time.Duration {
	if poll > 0 {
		return poll
	}
	return callback.DefaultPollInterval
}

// dialers are the run's dialer instances, each as a switchboard process
// has one: its own storage.Storage (and so connection pool), dialog engine
// and lease owner. They run as goroutines of this process.
type dialers struct {
	placers []*instantPlacer
	stop    context.CancelFunc
	done    sync.WaitGroup
	stores  []*storage.Storage
}

// startDialers opens one pool per instance and starts each dialer's Run.
func startDialers(ctx context.Context, db *benchDB, o dialerOptions, t *tally, log *slog.Logger) (*dialers, error) {
	settings := config.DefaultSettings()
	settings.QuietHours = "off" // the run's customers may be called at any hour
	slots, err := settings.SlotPolicy()
	if err != nil {
		return nil, fmt.Errorf("slot policy: %w", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	ds := &dialers{stop: stop}
	for i := range o.instances {
		store, err := storage.Open(ctx, db.url)
		if err != nil {
			ds.shutdown()
			return nil, fmt.Errorf("open the pool of dialer %d: %w", i, err)
		}
		ds.stores = append(ds.stores, store)
		engine, err := dialog.New(store, dialog.Options{Settings: settings, Logger: log})
		if err != nil {
			ds.shutdown()
			return nil, fmt.Errorf("dialog engine of dialer %d: %w", i, err)
		}
		p := &instantPlacer{instance: i, hold: o.hold, delay: o.placeDelay, tally: t}
		if o.wakeAtDue {
			p.freed = make(chan struct{}, 1)
		}
		d := callback.NewDialer(store, engine, p, callback.DialerConfig{
			Owner: fmt.Sprintf("bench-%d:%s", i, callback.DefaultOwner()), PollInterval: o.poll,
			PublicURL: publicURL, From: ourNumber, Retry: settings.Callbacks.RetryPolicy(), Slots: slots, Logger: log})
		p.dialer = d
		ds.placers = append(ds.placers, p)
		// Separate processes start at different moments, so their polls
		// are out of step; instance i starts i/n of a poll interval late.
		var late time.Duration
		if o.stagger {
			late = pollOrDefault(o.poll) * time.Duration(i) / time.Duration(o.instances)
		}
		ds.done.Add(1)
		go func() {
			defer ds.done.Done()
			select {
			case <-runCtx.Done():
				return
			case <-time.After(late):
			}
			_ = d.Run(runCtx)
		}()
		if o.wakeAtDue {
			ds.done.Add(1)
			go func() {
				defer ds.done.Done()
				wakeAtDue(runCtx, db, d, p.freed, o.poll)
			}()
		}
	}
	return ds, nil
}

// shutdown stops the dialers, lets every call placed play out its
// webhooks, and closes the pools.
func (ds *dialers) shutdown() {
	ds.stop()
	ds.done.Wait()
	for _, p := range ds.placers {
		p.pending.Wait()
	}
	for _, s := range ds.stores {
		_ = s.Close()
	}
}

// counts sums the placers' counters.
func (ds *dialers) counts() (notLive, hangUps, errs int64, firstErr string) {
	for _, p := range ds.placers {
		notLive += p.notLive.Load()
		hangUps += p.hangUps.Load()
		errs += p.errs.Load()
		if s, ok := p.firstErr.Load().(string); ok && firstErr == "" {
			firstErr = s
		}
	}
	return notLive, hangUps, errs, firstErr
}

// minWakeGap spaces wakes while a callback is due but unclaimed (a round
// under way, or no operator free), so the experiment does not spin.
const minWakeGap = 20 * time.Millisecond

// wakeAtDue is the experiment of a dialer that sleeps until the earliest
// next_attempt_at rather than a whole poll interval, and wakes when one
// of its operators' calls ends. It wakes d through Dialer.Wake, as "dial
// now" does, from outside: the dialer's own loop still runs, this only
// adds rounds. (Commit baf74e3 built the same into Dialer.Run.)
func wakeAtDue(ctx context.Context, db *benchDB, d *callback.Dialer, freed <-chan struct{}, poll time.Duration) {
	poll = pollOrDefault(poll)
	for ctx.Err() == nil {
		wait := poll
		if at, ok, err := db.earliestDue(ctx); err == nil && ok {
			wait = min(max(time.Until(at), minWakeGap), poll)
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-freed:
			timer.Stop()
		}
		d.Wake()
	}
}

// logCounter discards the dialers' logs (formatting them as production's
// text handler would) and counts those at warning and above by message,
// keeping the first error of each.
type logCounter struct {
	inner slog.Handler
	state *logCounts
}

type logCounts struct {
	mu    sync.Mutex
	n     map[string]int
	first map[string]string
}

func newLogCounter() *logCounter {
	return &logCounter{inner: slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}),
		state: &logCounts{n: map[string]int{}, first: map[string]string{}}}
}

func (h *logCounter) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *logCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.state.mu.Lock()
		h.state.n[r.Message]++
		if _, ok := h.state.first[r.Message]; !ok {
			r.Attrs(func(a slog.Attr) bool {
				if a.Key == "err" {
					h.state.first[r.Message] = a.Value.String()
					return false
				}
				return true
			})
		}
		h.state.mu.Unlock()
	}
	return h.inner.Handle(ctx, r)
}

func (h *logCounter) WithAttrs(as []slog.Attr) slog.Handler {
	return &logCounter{inner: h.inner.WithAttrs(as), state: h.state}
}

func (h *logCounter) WithGroup(name string) slog.Handler {
	return &logCounter{inner: h.inner.WithGroup(name), state: h.state}
}

// summary is one line per message logged at warning or above, or "none".
func (h *logCounter) summary() string {
	h.state.mu.Lock()
	defer h.state.mu.Unlock()
	if len(h.state.n) == 0 {
		return "none"
	}
	var parts []string
	for msg, n := range h.state.n {
		line := fmt.Sprintf("%d× %q", n, msg)
		if e := h.state.first[msg]; e != "" {
			line += " (first: " + e + ")"
		}
		parts = append(parts, line)
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// total counts the warnings and errors logged.
func (h *logCounter) total() int {
	h.state.mu.Lock()
	defer h.state.mu.Unlock()
	n := 0
	for _, c := range h.state.n {
		n += c
	}
	return n
}
