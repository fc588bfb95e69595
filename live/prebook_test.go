package live

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// nextBooking is the number the channel's next booking will get.
func nextBooking(t *testing.T, b *SendBudget) int64 {
	t.Helper()
	var n int64
	err := b.layer.Pool.QueryRow(t.Context(), `SELECT next_seq FROM live_send_budget WHERE channel = $1`, b.channel).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 1 // the channel has booked nothing yet
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// sendEnded reports whether booking seq has an end written, and whether
// that end says it was never sent.
func sendEnded(t *testing.T, b *SendBudget, seq int64) (ended, unsent bool) {
	t.Helper()
	err := b.layer.Pool.QueryRow(t.Context(), `SELECT end_at IS NOT NULL, COALESCE(end_at = '-infinity', false)
		FROM live_sends WHERE channel = $1 AND seq = $2`, b.channel, seq).Scan(&ended, &unsent)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false // not booked yet
	}
	if err != nil {
		t.Fatal(err)
	}
	return ended, unsent
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func noneSettled(string) []uint64 { return nil }

// A send booked ahead of its commit is the one Turn takes: no second
// booking is made, and its end is that send's.
func TestTurnTakesTheBookingMadeAhead(t *testing.T) {
	b := budgetOn(t, outbox.Limits{PerSecond: 30})
	it := storage.OutboxItem{ID: 1, ChatKey: "telegram:1"}
	b.Prebook([]storage.OutboxItem{it}, noneSettled)
	done, err := b.Turn(t.Context(), it, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := nextBooking(t, b); n != 2 {
		t.Fatalf("next booking %d after one send booked ahead and taken, want 2 (one booking)", n)
	}
	done()
	b.flushEnds()
	if ended, unsent := sendEnded(t, b, 1); !ended || unsent {
		t.Fatalf("booking 1 ended=%v unsent=%v, want ended by its send", ended, unsent)
	}
}

// A booking no Turn takes is given back within prebookTTL: it does not
// hold the channel.
func TestBookingsAheadAreGivenBack(t *testing.T) {
	b := budgetOn(t, outbox.Limits{PerSecond: 30})
	forgotten := storage.OutboxItem{ID: 2, ChatKey: "telegram:2"}
	b.Prebook([]storage.OutboxItem{forgotten}, noneSettled)
	waitFor(t, "booked", func() bool { return nextBooking(t, b) == 2 })
	if ended, _ := sendEnded(t, b, 1); ended {
		t.Fatal("a booking nobody took was given back before prebookTTL")
	}
	waitFor(t, "the untaken booking given back", func() bool {
		ended, unsent := sendEnded(t, b, 1)
		return ended && unsent
	})
	// Its item, sent later after all, books anew.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	done, err := b.Turn(ctx, forgotten, nil)
	if err != nil {
		t.Fatal(err)
	}
	done()
	if n := nextBooking(t, b); n != 3 {
		t.Fatalf("next booking %d, want 3: the late send booked anew", n)
	}
}
