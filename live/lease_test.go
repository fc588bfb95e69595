package live

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

func TestChatClear(t *testing.T) {
	sent := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	gap := time.Second
	for _, tc := range []struct {
		name      string
		prior     *storage.PriorItem
		settled   []uint64
		clear     bool
		notBefore time.Time
	}{
		{name: "not looked up (claimed)", prior: nil},
		{name: "first of its chat", prior: &storage.PriorItem{}, clear: true},
		{name: "after one pending elsewhere", prior: &storage.PriorItem{ID: 7, State: storage.OutboxPending}},
		{name: "after one this process settled", prior: &storage.PriorItem{ID: 7, State: storage.OutboxPending},
			settled: []uint64{3, 7}, clear: true},
		{name: "after one sent", prior: &storage.PriorItem{ID: 7, State: storage.OutboxSent, SentAt: &sent},
			clear: true, notBefore: sent.Add(gap)},
		{name: "after one given up on", prior: &storage.PriorItem{ID: 7, State: storage.OutboxFailed}, clear: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			notBefore, clear := chatClear(storage.OutboxItem{ID: 9, ChatKey: "telegram:1", Prior: tc.prior}, tc.settled, gap)
			if clear != tc.clear || !notBefore.Equal(tc.notBefore) {
				t.Fatalf("chatClear = %v from %v, want %v from %v", clear, notBefore, tc.clear, tc.notBefore)
			}
		})
	}
}

// Sends of clear chats in three processes take leased slots, and together
// still start no more than the limit in any second.
func TestLeasedSlotsKeepTheWindowAcrossProcesses(t *testing.T) {
	const perSecond, sends = 20, 60
	budgets, _ := budgetsOn(t, outbox.Limits{PerSecond: perSecond}, 3)
	var mu sync.Mutex
	var starts []time.Time
	var wg sync.WaitGroup
	for i := range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it := storage.OutboxItem{ID: uint64(i + 1), ChatKey: "telegram:" + strconv.Itoa(i), Prior: &storage.PriorItem{}}
			done, err := budgets[i%3].Turn(t.Context(), it, nil)
			if err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			mu.Lock()
			starts = append(starts, time.Now())
			mu.Unlock()
			time.Sleep(20 * time.Millisecond) // the provider answering
			done()
		}()
	}
	wg.Wait()
	if len(starts) != sends {
		t.Fatalf("%d sends started, want %d", len(starts), sends)
	}
	// Leased slots carry no chat: a send booked one by one would have
	// left its chat's row.
	var chatRows int
	if err := budgets[0].layer.Pool.QueryRow(t.Context(), `SELECT count(*) FROM live_send_chats`).Scan(&chatRows); err != nil {
		t.Fatal(err)
	}
	if chatRows != 0 {
		t.Fatalf("%d chats booked one by one, want every send on a leased slot", chatRows)
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	for i := perSecond; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-perSecond]); d < outbox.Window {
			t.Fatalf("sends %d and %d started %v apart: %d in less than a second, limit %d", i-perSecond+1, i+1, d,
				perSecond+1, perSecond)
		}
	}
}

// A leased send waits out the chat's interval after the item before it,
// sent elsewhere.
func TestALeasedSendWaitsForTheChatsLastSend(t *testing.T) {
	const gap = 300 * time.Millisecond
	budgets, _ := budgetsOn(t, outbox.Limits{PerSecond: 30, ChatInterval: gap}, 1)
	sentAt := time.Now()
	it := storage.OutboxItem{ID: 2, ChatKey: "telegram:1",
		Prior: &storage.PriorItem{ID: 1, State: storage.OutboxSent, SentAt: &sentAt}}
	done, err := budgets[0].Turn(t.Context(), it, nil)
	if err != nil {
		t.Fatal(err)
	}
	done()
	if waited := time.Since(sentAt); waited < gap {
		t.Fatalf("sent %v after the chat's last message, want at least %v", waited, gap)
	}
}

// A send booked the slow way (its item claimed, so nothing is known of the
// item before) waits out the chat's interval after a send made on a
// leased slot in another process, which leaves no chat row: the outbox
// has when it was sent.
func TestABookedSendWaitsForALeasedSendOfItsChat(t *testing.T) {
	const gap = 300 * time.Millisecond
	budgets, store := budgetsOn(t, outbox.Limits{PerSecond: 30, ChatInterval: gap}, 2)
	ctx := t.Context()
	first := &storage.OutboxItem{Channel: "telegram", ChatKey: "telegram:1", Address: "1", Payload: "{}"}
	second := &storage.OutboxItem{Channel: "telegram", ChatKey: "telegram:1", Address: "1", Payload: "{}"}
	for _, it := range []*storage.OutboxItem{first, second} {
		if err := store.EnqueueOutbox(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	first.Prior = &storage.PriorItem{}
	done, err := budgets[0].Turn(ctx, *first, nil)
	if err != nil {
		t.Fatal(err)
	}
	done()
	if err := store.RecordOutboxResults(ctx, time.Now().UTC(), []storage.OutboxResult{{ID: first.ID, Sent: true,
		Channel: "telegram"}}); err != nil {
		t.Fatal(err)
	}
	recorded := time.Now()
	done, err = budgets[1].Turn(ctx, *second, nil)
	if err != nil {
		t.Fatal(err)
	}
	done()
	if waited := time.Since(recorded); waited < gap-10*time.Millisecond {
		t.Fatalf("the chat's next message went %v after the last was recorded sent, want about %v", waited, gap)
	}
}

// Slots leased ahead and not taken go back, so they do not hold other
// processes' sends.
func TestUntakenSlotsGoBack(t *testing.T) {
	budgets, _ := budgetsOn(t, outbox.Limits{PerSecond: 30}, 1)
	b := budgets[0]
	// Recent sends make the next block larger than one (stamped ahead, so
	// a slow machine cannot age them out before the lease).
	b.slotMu.Lock()
	for range 5 {
		b.took = append(b.took, time.Now().Add(time.Second))
	}
	b.slotMu.Unlock()
	done, err := b.Turn(t.Context(), storage.OutboxItem{ID: 1, ChatKey: "telegram:1", Prior: &storage.PriorItem{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done()
	b.slotMu.Lock()
	held := len(b.slots)
	b.slotMu.Unlock()
	if held == 0 {
		t.Fatal("no slots leased ahead after a busy spell")
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		var open int
		err := b.layer.Pool.QueryRow(t.Context(), `SELECT count(*) FROM live_sends
			WHERE channel = 'telegram' AND end_at IS NULL`).Scan(&open)
		if err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d leased slots still held 3 s later", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
