package replicas_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// TestKillingOneOfThreeUnderLoadLosesNothing sends updates spread over
// three processes, SIGKILLs one in the middle, and sends what it no longer
// answers to the others, as Telegram redelivers an update that got no 2xx.
// Every acknowledged update must be stored once and answered; a reply may
// go out twice only if it was in flight at the kill, and the test reports
// how many did.
func TestKillingOneOfThreeUnderLoadLosesNothing(t *testing.T) {
	procs, tg := cluster(t, 3, "TELEGRAM_MAX_PER_SECOND=1000", "TELEGRAM_CHAT_INTERVAL=10ms")
	const (
		customers = 60
		each      = 8
	)
	var (
		acked   sync.Map // update text → true
		retried atomic.Int64
		killed  atomic.Bool
		wg      sync.WaitGroup
	)
	for c := range customers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := faketelegram.User{ID: int64(7000 + c), FirstName: fmt.Sprintf("C%d", c), LanguageCode: "en"}
			for k := range each {
				updateID := c*each + k + 1
				// An unknown command is answered every time, with the menu.
				command := fmt.Sprintf("q%d_%d", c, k)
				text := "/" + command
				raw := faketelegram.CommandUpdate(updateID, user, command, "")
				for try := 0; ; try++ {
					p := procs[(updateID+try)%len(procs)]
					if p == procs[0] && killed.Load() {
						continue
					}
					if code := p.update(raw); code == http.StatusOK {
						acked.Store(text, true)
						break
					}
					retried.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
				time.Sleep(40 * time.Millisecond)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	procs[0].kill()
	killed.Store(true)
	killedAt := time.Now()
	wg.Wait()
	t.Logf("load done %.1fs after the kill", time.Since(killedAt).Seconds())

	var texts []string
	acked.Range(func(k, _ any) bool { texts = append(texts, k.(string)); return true })
	if len(texts) != customers*each {
		t.Fatalf("%d updates acknowledged, want %d", len(texts), customers*each)
	}
	db := connect(t)
	// Stored once: one inbound message per acknowledged update.
	var stored, distinct int
	if err := db.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT text) FROM messages
		WHERE direction = 'in' AND text = ANY($1)`, texts).Scan(&stored, &distinct); err != nil {
		t.Fatal(err)
	}
	if distinct != len(texts) || stored != len(texts) {
		t.Fatalf("%d inbound messages stored for %d acknowledged updates (%d distinct)", stored, len(texts), distinct)
	}
	// Answered: every reply written is delivered, the killed process's
	// leased ones once their lease has run out.
	var replies int
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE channel = 'telegram'`).Scan(&replies); err != nil {
		t.Fatal(err)
	}
	if replies < len(texts) {
		t.Fatalf("%d replies written for %d updates", replies, len(texts))
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var pending int
		if err := db.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE state <> 'sent'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 && len(tg.SentMessages()) >= replies {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d replies still not delivered 60s after the load", pending)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("all delivered %.1fs after the kill", time.Since(killedAt).Seconds())
	sends := len(tg.SentMessages())
	t.Logf("%d updates acknowledged (%d deliveries retried on another process), %d replies, %d sends: %d duplicate(s) from the kill",
		len(texts), retried.Load(), replies, sends, sends-replies)
	if sends-replies > 64 {
		t.Errorf("%d replies sent twice: more than the killed process could have had in flight", sends-replies)
	}
}

// connect opens the test's PostgreSQL schema directly.
func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}
