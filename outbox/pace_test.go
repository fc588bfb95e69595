package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bots/telegram"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/live"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// telegramLimits are Telegram's: 30 messages a second for the whole bot,
// one a second per chat.
var telegramLimits = outbox.Limits{PerSecond: 30, ChatInterval: time.Second}

// TestBurstStaysUnderTelegramLimits hands one process 220 messages at once,
// to 200 chats, 20 of which get two: Telegram never sees more than 30 in a
// second, not even in the first, nor two to one chat within a second.
func TestBurstStaysUnderTelegramLimits(t *testing.T) {
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	d, store := startProcess(t, storagetest.URL(t), tg, false)
	items := enqueueBurst(t, store, d.LeaseFor(), 200, 20)
	d.Handoff(items)
	checkTelegramLimits(t, tg, items)
}

// TestBurstFromThreeProcessesStaysUnderTelegramLimits has three processes
// on one PostgreSQL deliver a burst to 300 chats, 30 of which get two
// messages, each handed to a different process than the first: together
// they keep to Telegram's limits for the bot, and each chat's order. The
// burst is written as the engine writes, by a batch that tells each item
// what came before it in its chat (first messages then take slots leased
// ahead), and by a plain transaction that does not (every send booked).
func TestBurstFromThreeProcessesStaysUnderTelegramLimits(t *testing.T) {
	for _, batch := range []bool{true, false} {
		name := "written by a plain transaction"
		if batch {
			name = "written by a batch"
		}
		t.Run(name, func(t *testing.T) {
			url := sharedDatabase(t)
			tg := faketelegram.New()
			t.Cleanup(tg.Close)
			var procs []*outbox.Dispatcher
			var store *storage.Storage
			for range 3 {
				d, s := startProcess(t, url, tg, true)
				procs, store = append(procs, d), s
			}
			items := writeBurst(t, store, procs[0].LeaseFor(), 300, 30, batch)
			for i, it := range items {
				if batch && it.Prior == nil {
					t.Fatalf("item %d written by a batch knows nothing of the item before it", it.ID)
				}
				chat, second := burstChat(it)
				p := chat % 3
				if second {
					p = (chat + 1) % 3
				}
				procs[p].Handoff(items[i : i+1])
			}
			checkTelegramLimits(t, tg, items)
		})
	}
}

// BenchmarkCommitToSend measures, at 20 messages a second (under
// Telegram's 30), the time from an outbox item's created_at (set just
// before its insert commits) to Telegram accepting it, and from the end of
// that commit, with this process's own pacer and with the budget shared in
// PostgreSQL by one or three processes. Each op is one message: run with
// -benchtime 200x for ten seconds of load.
func BenchmarkCommitToSend(b *testing.B) {
	cases := []struct {
		name   string
		shared bool
		procs  int
	}{
		{"local/1", false, 1},
		{"shared/1", true, 1},
		{"shared/3", true, 3},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			url := storagetest.URL(b)
			if c.shared {
				url = sharedDatabase(b)
			}
			tg := faketelegram.New()
			b.Cleanup(tg.Close)
			var procs []*outbox.Dispatcher
			var stores []*storage.Storage
			for range c.procs {
				d, s := startProcess(b, url, tg, c.shared)
				procs, stores = append(procs, d), append(stores, s)
			}
			// created is when each item was written (its created_at,
			// just before the insert), committed when the insert returned.
			created, committed := make([]time.Time, b.N), make([]time.Time, b.N)
			tick := time.NewTicker(50 * time.Millisecond)
			defer tick.Stop()
			b.ResetTimer()
			for i := range b.N {
				<-tick.C
				p := i % c.procs
				until := time.Now().UTC().Add(procs[p].LeaseFor())
				addr := strconv.Itoa(10000 + i%100)
				it := storage.OutboxItem{Channel: "telegram", ChatKey: "telegram:" + addr, Address: addr, IdentityID: 1,
					Payload: fmt.Sprintf(`{"text":"bench %d"}`, i), LockedUntil: &until, CreatedAt: time.Now()}
				if err := stores[p].EnqueueOutbox(b.Context(), &it); err != nil {
					b.Fatal(err)
				}
				created[i], committed[i] = it.CreatedAt, time.Now()
				procs[p].Handoff([]storage.OutboxItem{it})
			}
			sent := waitSent(b, tg, b.N)
			b.StopTimer()
			var fromCreated, fromCommitted []time.Duration
			for _, m := range sent {
				i, _ := strconv.Atoi(strings.TrimPrefix(m.Text, "bench "))
				fromCreated = append(fromCreated, m.At.Sub(created[i]))
				fromCommitted = append(fromCommitted, m.At.Sub(committed[i]))
			}
			b.ReportMetric(quantileMS(fromCreated, 0.5), "p50-ms")
			b.ReportMetric(quantileMS(fromCreated, 0.99), "p99-ms")
			b.ReportMetric(quantileMS(fromCreated, 1), "max-ms")
			b.ReportMetric(quantileMS(fromCommitted, 0.99), "p99-after-commit-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// quantileMS is the q quantile of ds, in milliseconds.
func quantileMS(ds []time.Duration, q float64) float64 {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return float64(ds[int(q*float64(len(ds)-1))]) / float64(time.Millisecond)
}

// sharedDatabase is a fresh PostgreSQL schema for processes to share, or
// skips: the shared budget lives in PostgreSQL.
func sharedDatabase(t testing.TB) string {
	t.Helper()
	if !strings.HasPrefix(os.Getenv(storagetest.EnvDatabaseURL), "postgres") {
		t.Skipf("the shared send budget needs PostgreSQL: set %s", storagetest.EnvDatabaseURL)
	}
	return storagetest.URL(t)
}

// startProcess starts what one switchboard process runs to deliver
// Telegram's outbox from the database at url — its own pools, dispatcher
// and Telegram client — paced by the budget shared in PostgreSQL when
// shared is set, by its own otherwise. It stops at cleanup.
func startProcess(t testing.TB, url string, tg *faketelegram.Server, shared bool) (*outbox.Dispatcher, *storage.Storage) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store := storagetest.OpenURL(t, url)
	bot, err := telegram.Connect(faketelegram.Token, tg.Endpoint(), nil, quiet)
	if err != nil {
		t.Fatalf("connect to the fake Telegram: %v", err)
	}
	d := outbox.New(store, outbox.Config{PollInterval: 50 * time.Millisecond}, events.NewBroker(), quiet)
	if shared {
		layer, err := live.Open(context.Background(), live.Config{DatabaseURL: url, Logger: quiet})
		if err != nil {
			t.Fatalf("open the live layer: %v", err)
		}
		t.Cleanup(layer.Close)
		d.RegisterPaced("telegram", bot, telegramLimits, layer.SendBudget("telegram", telegramLimits))
	} else {
		d.Register("telegram", bot, telegramLimits)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return d, store
}

// enqueueBurst writes, in one transaction, a message to each of chats
// chats and a second one to the first doubled of them, leased to the
// writing process as the engine leaves what it commits, and returns them
// in the order written.
func enqueueBurst(t *testing.T, store *storage.Storage, lease time.Duration, chats, doubled int) []storage.OutboxItem {
	return writeBurst(t, store, lease, chats, doubled, false)
}

// writeBurst is enqueueBurst, in a Batch (as the engine writes) when batch
// is set.
func writeBurst(t *testing.T, store *storage.Storage, lease time.Duration, chats, doubled int, batch bool) []storage.OutboxItem {
	t.Helper()
	until := time.Now().UTC().Add(lease)
	var items []storage.OutboxItem
	for i := range chats + doubled {
		chat, n := i, 1
		if i >= chats {
			chat, n = i-chats, 2
		}
		addr := strconv.Itoa(1000 + chat)
		items = append(items, storage.OutboxItem{Channel: "telegram", ChatKey: "telegram:" + addr, Address: addr, IdentityID: 1,
			Payload: fmt.Sprintf(`{"text":"message %d"}`, n), LockedUntil: &until})
	}
	write := store.Tx
	if batch {
		write = store.Batch
	}
	err := write(t.Context(), func(tx *storage.Storage) error {
		for i := range items {
			if err := tx.EnqueueOutbox(t.Context(), &items[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue the burst: %v", err)
	}
	return items
}

// burstChat is the number of it's chat in enqueueBurst, and whether it is
// that chat's second message.
func burstChat(it storage.OutboxItem) (chat int, second bool) {
	n, _ := strconv.Atoi(it.Address)
	return n - 1000, strings.Contains(it.Payload, "message 2")
}

// waitSent waits up to a minute for the fake to accept n messages.
func waitSent(t testing.TB, tg *faketelegram.Server, n int) []faketelegram.SentMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sent, err := tg.WaitForMessages(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return sent
}

// checkTelegramLimits waits for items to reach the fake, then fails t
// unless it saw each exactly once, no more than 30 in any sliding second,
// at least a second between two messages to one chat, and each chat's in
// order.
func checkTelegramLimits(t *testing.T, tg *faketelegram.Server, items []storage.OutboxItem) {
	t.Helper()
	sent := waitSent(t, tg, len(items))
	first, last := sent[0].At, sent[len(sent)-1].At
	t.Logf("%d messages in %v", len(sent), last.Sub(first).Round(time.Millisecond))
	if peak := tg.BusiestSecond(0); peak > 30 {
		t.Errorf("Telegram got %d messages within one second, want at most 30", peak)
	}
	if gap, chat, ok := tg.ShortestChatGap(); !ok || gap < time.Second {
		t.Errorf("chat %d got two messages %v apart, want at least 1s", chat, gap)
	}
	texts := map[int64][]string{}
	for _, m := range sent {
		texts[m.ChatID] = append(texts[m.ChatID], m.Text)
	}
	want := map[int64][]string{}
	for _, it := range items {
		chat, _ := strconv.ParseInt(it.Address, 10, 64)
		want[chat] = append(want[chat], strings.TrimSuffix(strings.TrimPrefix(it.Payload, `{"text":"`), `"}`))
	}
	for chat, w := range want {
		if !slices.Equal(texts[chat], w) {
			t.Errorf("chat %d got %q, want %q", chat, texts[chat], w)
		}
	}
}

// TestTooManyRequestsPausesEveryProcess has Telegram answer one process
// 429 retry_after 1: another process sharing the budget sends nothing
// until that second is over.
func TestTooManyRequestsPausesEveryProcess(t *testing.T) {
	url := sharedDatabase(t)
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	first, store := startProcess(t, url, tg, true)
	second, _ := startProcess(t, url, tg, true)
	tg.FailTooManyRequests(0, 1)
	items := enqueueBurst(t, store, first.LeaseFor(), 2, 0)
	first.Handoff(items[:1])
	deadline := time.Now().Add(10 * time.Second)
	for {
		it, err := store.GetOutboxItem(t.Context(), items[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if it.Attempts == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first process never recorded Telegram's 429")
		}
		time.Sleep(10 * time.Millisecond)
	}
	second.Handoff(items[1:])
	sent := waitSent(t, tg, 2)
	refused := tg.Calls("sendMessage")[0].At
	for _, m := range sent {
		if m.At.Sub(refused) < time.Second {
			t.Errorf("%q to chat %d went %v after the 429, want at least retry_after (1s)", m.Text, m.ChatID, m.At.Sub(refused))
		}
	}
}
