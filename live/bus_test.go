package live_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/live"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// busNote is an event's data in the bus tests.
type busNote struct {
	From int    `json:"from"`
	N    int    `json:"n"`
	Text string `json:"text"`
}

// TestEveryProcessSeesTheSameEventsAsTheyReadBack: three processes publish
// at once, each through its own bus. Every process's streams get every
// event once, in id order, and a process's own events — handed over from
// memory when it wrote all of a notification's ids — look exactly as the
// other processes read them from the table, and as a stream reopened with
// Last-Event-ID replays them.
func TestEveryProcessSeesTheSameEventsAsTheyReadBack(t *testing.T) {
	url := storagetest.URL(t)
	if !strings.HasPrefix(url, "postgres") {
		t.Skipf("the event bus needs PostgreSQL: set %s", storagetest.EnvDatabaseURL)
	}
	const processes, perProcess = 3, 200
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	t.Cleanup(func() { stop(); wg.Wait() })
	brokers := make([]*events.Broker, processes)
	subs := make([]*events.Subscription, processes)
	for i := range processes {
		l, err := live.Open(t.Context(), live.Config{DatabaseURL: url, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		brokers[i] = events.NewBroker()
		bus, err := l.NewBus(t.Context(), brokers[i], json.Marshal, live.BusConfig{})
		if err != nil {
			t.Fatal(err)
		}
		subs[i] = brokers[i].Subscribe(0)
		wg.Go(func() { _ = bus.Run(ctx) })
	}
	// Every stream reads as events come, from before the first is
	// published.
	got := make([][]events.Event, processes)
	var read sync.WaitGroup
	for i, s := range subs {
		read.Go(func() {
			deadline := time.After(20 * time.Second)
			for len(got[i]) < processes*perProcess {
				select {
				case ev := <-s.C:
					got[i] = append(got[i], ev)
				case <-deadline:
					return
				}
			}
		})
	}
	// Publish at once from every process, in bursts so writes carry one
	// event or several.
	start := time.Now()
	for i, b := range brokers {
		wg.Go(func() {
			for n := range perProcess {
				b.Publish(events.Event{Type: events.MessageCreated, ConversationID: uint64(1000*i + n),
					At:   start.Add(time.Duration(n)*time.Millisecond + 123*time.Nanosecond),
					Data: busNote{From: i, N: n, Text: fmt.Sprintf("<b>note</b> %d \"quoted\"", n)}})
				if n%7 == 0 {
					time.Sleep(3 * time.Millisecond)
				}
			}
		})
	}
	read.Wait()
	for i, s := range subs {
		if len(got[i]) < processes*perProcess || s.Lost() {
			t.Fatalf("process %d's stream got %d of %d events (lost some: %v)", i, len(got[i]), processes*perProcess, s.Lost())
		}
	}
	replayed, err := brokers[0].Since(t.Context(), got[0][0].ID-1, processes*perProcess)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for k, ev := range got[0] {
		if k > 0 && ev.ID <= got[0][k-1].ID {
			t.Fatalf("event %d came after event %d", ev.ID, got[0][k-1].ID)
		}
		want := wire(t, ev)
		for i := 1; i < processes; i++ {
			if other := wire(t, got[i][k]); other != want {
				t.Fatalf("event %d of process %d:\n%s\nof process 0:\n%s", k, i, other, want)
			}
		}
		if k < len(replayed) {
			if r := wire(t, replayed[k]); r != want {
				t.Fatalf("event %d replayed:\n%s\nstreamed:\n%s", k, r, want)
			}
		}
		var note busNote
		if err := json.Unmarshal(ev.Data.(json.RawMessage), &note); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("%d/%d", note.From, note.N)
		if seen[key] {
			t.Fatalf("event %s streamed twice", key)
		}
		seen[key] = true
		if wantAt := start.Add(time.Duration(note.N)*time.Millisecond + 123*time.Nanosecond).Truncate(time.Microsecond).UTC(); !ev.At.Equal(wantAt) {
			t.Fatalf("event %s at %s, want %s", key, ev.At, wantAt)
		}
	}
	if len(replayed) != processes*perProcess {
		t.Fatalf("replayed %d events, want %d", len(replayed), processes*perProcess)
	}
}

// wire is how a stream writes ev.
func wire(t *testing.T, ev events.Event) string {
	t.Helper()
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s at %s (%s)", raw, ev.At.Format(time.RFC3339Nano), ev.At.Location())
}
