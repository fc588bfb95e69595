package dialog_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// transcript is a conversation's messages as "in: text" and "out: text",
// digits masked, so two customers' journeys compare though their tickets
// and places in the queue differ.
func transcript(t *testing.T, w *world, convID uint64) []string {
	t.Helper()
	digits := regexp.MustCompile(`[0-9]+`)
	var out []string
	for _, m := range w.messages(convID) {
		out = append(out, m.Direction+": "+digits.ReplaceAllString(m.Text, "#"))
	}
	return out
}

// TestCommitterKeepsEachChatsOrderAcrossWorkers queues many updates of a
// few chats, interleaved, before any commit runs, then lets four workers
// commit them at once: each chat's messages must be stored in the order
// its updates were submitted, with the replies one customer alone gets.
func TestCommitterKeepsEachChatsOrderAcrossWorkers(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	const chats, steps = 8, 20
	script := func(step int) dialog.Event {
		switch step {
		case 0:
			return dialog.Event{Kind: dialog.KindCommand, Command: "start"}
		case 1:
			return dialog.Event{Kind: dialog.KindButton, Button: "m:hours"}
		default:
			return dialog.Event{Kind: dialog.KindText, Text: fmt.Sprintf("message %d", step)}
		}
	}

	// The journey one customer has alone, one update at a time.
	alone := customer(999, "en")
	var aloneConv uint64
	for step := range steps {
		aloneConv = w.handle(alone, script(step)).ConversationID
	}
	want := transcript(t, w, aloneConv)

	c := dialog.NewCommitter(w.engine, 4, 64)
	results := make([][]dialog.Result, chats)
	errs := make([][]error, chats)
	for i := range chats {
		results[i], errs[i] = make([]dialog.Result, steps), make([]error, steps)
	}
	var wg sync.WaitGroup
	// Updates are queued one at a time, chats interleaved, each only once
	// the one before it is in its queue: the order of submission is known.
	for step := range steps {
		for i := range chats {
			ev := script(step)
			ev.From, ev.ExternalID = customer(i+1, "en"), fmt.Sprintf("u-%d-%d", i+1, step)
			before := c.Queued()
			wg.Go(func() { results[i][step], errs[i][step] = c.Submit(t.Context(), ev) })
			deadline := time.Now().Add(5 * time.Second)
			for c.Queued() == before {
				if time.Now().After(deadline) {
					t.Fatalf("update %d of chat %d never queued", step, i+1)
				}
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
	ctx, stop := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { c.Run(ctx); close(stopped) }()
	wg.Wait()
	stop()
	<-stopped

	for i := range chats {
		for step := range steps {
			if errs[i][step] != nil {
				t.Fatalf("chat %d update %d: %v", i+1, step, errs[i][step])
			}
			if results[i][step].Duplicate {
				t.Fatalf("chat %d update %d: reported as a duplicate", i+1, step)
			}
		}
		got := transcript(t, w, results[i][0].ConversationID)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("chat %d stored:\n  %s\nwant, as one customer alone:\n  %s", i+1,
				strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
	if w.store.Dialect() == storage.Postgres {
		t.Logf("%d updates of %d chats through 4 workers on PostgreSQL", chats*steps, chats)
	}
}

// TestCommitterCommitsOtherChatsWhileOneWaits holds one chat's conversation
// locked, as another process's transaction would, so that chat's batch
// waits on PostgreSQL. With two workers, another chat's update must be
// committed in the meantime, whichever chat it is, and the waiting chat's
// next update must not start beside its first: it is committed after it,
// in order, once the lock goes.
func TestCommitterCommitsOtherChatsWhileOneWaits(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	if w.store.Dialect() != storage.Postgres {
		t.Skip("PostgreSQL only: SQLite has one writer and one worker")
	}
	held := customer(1, "en")
	conv := w.command(held, "start").ConversationID

	c := dialog.NewCommitter(w.engine, 2, 64)
	ctx, stop := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { c.Run(ctx); close(stopped) }()
	defer func() { stop(); <-stopped }()

	locked, release := make(chan struct{}), make(chan struct{})
	lockDone := make(chan error, 1)
	go func() {
		lockDone <- w.store.Tx(t.Context(), func(tx *storage.Storage) error {
			if err := tx.Exec(t.Context(), "SELECT id FROM conversations WHERE id = ? FOR UPDATE", conv); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked

	type outcome struct {
		res dialog.Result
		err error
		at  time.Time
	}
	submit := func(from storage.Contact, ev dialog.Event, id string) chan outcome {
		ev.From, ev.ExternalID = from, id
		done := make(chan outcome, 1)
		go func() {
			r, err := c.Submit(t.Context(), ev)
			done <- outcome{r, err, time.Now()}
		}()
		return done
	}
	first := submit(held, dialog.Event{Kind: dialog.KindText, Text: "first"}, "held-1")
	deadline := time.Now().Add(5 * time.Second)
	for c.Queued() > 0 { // taken: its batch now waits for the lock
		if time.Now().After(deadline) {
			t.Fatal("the held chat's update was never taken")
		}
		time.Sleep(time.Millisecond)
	}
	second := submit(held, dialog.Event{Kind: dialog.KindText, Text: "second"}, "held-2")
	for i := 2; i <= 6; i++ {
		select {
		case o := <-submit(customer(i, "en"), dialog.Event{Kind: dialog.KindCommand, Command: "start"}, fmt.Sprintf("free-%d", i)):
			if o.err != nil {
				t.Fatalf("chat %d: %v", i, o.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("chat %d's update waited behind the held chat's batch", i)
		}
	}
	select {
	case o := <-second:
		t.Fatalf("the held chat's second update committed (%v) while its first still waited", o.err)
	default:
	}

	close(release)
	if err := <-lockDone; err != nil {
		t.Fatal(err)
	}
	a, b := <-first, <-second
	if a.err != nil || b.err != nil {
		t.Fatalf("held chat: first %v, second %v", a.err, b.err)
	}
	if b.at.Before(a.at) {
		t.Errorf("the held chat's second update was answered before its first")
	}
	var texts []string
	for _, m := range w.messages(conv) {
		if m.Direction == "in" {
			texts = append(texts, m.Text)
		}
	}
	if got := strings.Join(texts, ", "); !strings.HasSuffix(got, "first, second") {
		t.Errorf("held chat's messages in: %s; want them to end with first, second", got)
	}
}
