package live

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// budgetOn opens the live layer on a fresh switchboard schema (the budget
// reads the outbox) and returns lim's budget for channel "telegram".
func budgetOn(t *testing.T, lim outbox.Limits) *SendBudget {
	t.Helper()
	budgets, _ := budgetsOn(t, lim, 1)
	return budgets[0]
}

// budgetsOn opens n live layers, as n processes would, on one fresh
// switchboard schema, and returns each one's budget for "telegram" with the
// schema's storage.
func budgetsOn(t *testing.T, lim outbox.Limits, n int) ([]*SendBudget, *storage.Storage) {
	t.Helper()
	if !strings.HasPrefix(os.Getenv(storagetest.EnvDatabaseURL), "postgres") {
		t.Skipf("the shared send budget needs PostgreSQL: set %s", storagetest.EnvDatabaseURL)
	}
	url := storagetest.URL(t)
	store := storagetest.OpenURL(t, url)
	out := make([]*SendBudget, n)
	for i := range out {
		layer, err := Open(context.Background(), Config{DatabaseURL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatalf("open live layer %d: %v", i, err)
		}
		t.Cleanup(layer.Close)
		out[i] = layer.SendBudget("telegram", lim)
	}
	return out, store
}

// asks makes one ask per chat, for outbox items that are not stored (so
// none is held back by an older one).
func asks(firstItem int, chats ...string) []*turnAsk {
	out := make([]*turnAsk, len(chats))
	for i, chat := range chats {
		out[i] = &turnAsk{it: storage.OutboxItem{ID: uint64(firstItem + i), ChatKey: chat}, answer: make(chan turnAnswer, 1)}
	}
	return out
}

// turns books batch in one statement and returns its answers in order.
func turns(t *testing.T, b *SendBudget, batch []*turnAsk) []turnAnswer {
	t.Helper()
	b.bookBatch(batch)
	out := make([]turnAnswer, len(batch))
	for i, a := range batch {
		out[i] = <-a.answer
		if out[i].err != nil {
			t.Fatalf("ask %d: %v", i, out[i].err)
		}
	}
	return out
}

// One statement that books more sends than a second allows books no more
// than the limit: the rest are told the window is full, as they would be
// asking one by one; a second message to a chat already booked waits for
// the chat.
func TestABatchBooksNoMoreThanTheWindowHolds(t *testing.T) {
	b := budgetOn(t, outbox.Limits{PerSecond: 30, ChatInterval: time.Second})
	chats := make([]string, 100)
	for i := range chats {
		chats[i] = "telegram:" + strconv.Itoa(i)
	}
	chats[99] = chats[0]
	got := turns(t, b, asks(1, chats...))
	count := map[string]int{}
	for i, a := range got {
		count[a.turn]++
		if i < 30 && a.turn != "slot" {
			t.Fatalf("ask %d: %q, want a slot among the first 30", i, a.turn)
		}
		if a.turn == "slot" && a.seq != int64(i+1) {
			t.Fatalf("ask %d booked send %d, want %d", i, a.seq, i+1)
		}
	}
	if count["slot"] != 30 || count["busy"] != 70 {
		t.Fatalf("answers %v, want 30 slots and 70 busy", count)
	}
	// Once the first send has ended a second ago, the 31st may go.
	b.end(chats[0], 1, time.Now().Add(-time.Second))
	got = turns(t, b, asks(101, "telegram:new", "telegram:newer", chats[1]))
	if got[0].turn != "slot" || got[0].seq != 31 || got[1].turn != "busy" || got[2].turn != "busy" {
		t.Fatalf("after one send ended: %+v, want send 31 booked and the rest busy", got)
	}
	// A chat with a send in flight is told to wait for it.
	b.end(chats[2], 2, time.Now().Add(-time.Second))
	got = turns(t, b, asks(201, chats[3], chats[3]))
	if got[0].turn != "chat" || got[1].turn != "chat" {
		t.Fatalf("asks for chat %s, in flight: %+v, want both told to wait for the chat", chats[3], got)
	}
}

// An end is written with the next booking, before that booking looks at
// the chat, so a chat's next message is not held back by the one before
// it; with no booking to carry it, it is written on its own.
func TestEndsRideWithTheNextBookingOrGoAlone(t *testing.T) {
	b := budgetOn(t, outbox.Limits{PerSecond: 30})
	chat := "telegram:1"
	if got := turns(t, b, asks(1, chat)); got[0].turn != "slot" {
		t.Fatalf("first send: %+v, want a slot", got[0])
	}
	b.end(chat, 1, time.Now())
	if got := turns(t, b, asks(2, chat)); got[0].turn != "slot" || got[0].seq != 2 {
		t.Fatalf("the chat's next send, its first ended: %+v, want slot 2", got[0])
	}

	b.end(chat, 2, time.Now())
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ended bool
		err := b.layer.Pool.QueryRow(t.Context(), `SELECT end_at IS NOT NULL FROM live_sends
			WHERE channel = 'telegram' AND seq = 2`).Scan(&ended)
		if err != nil {
			t.Fatal(err)
		}
		if ended {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("send 2's end was never written without a booking to carry it")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
