package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/feedback"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage"
)

// TestThreeProcessesSendEachSurveyOnce: three processes on one PostgreSQL,
// their survey schedulers looking every 20 ms on one clock, resolve twelve
// tickets between them; when the surveys fall due a day later each goes
// out exactly once. proactive_per_day is 10, so that the cap on messages
// nobody asked for cannot hide a second send: the survey's claim alone
// keeps it single. (survey.delay is 12h at least, so this runs the
// processes in one test binary, where the clock can be moved, rather than
// as binaries, where it cannot.)
func TestThreeProcessesSendEachSurveyOnce(t *testing.T) {
	const customers = 12
	clock := &shiftedClock{start: time.Now()}
	settings := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(settings, []byte("proactive_per_day: 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := replicas(t, withEnv("SWITCHBOARD_CONFIG", settings), withOptions(func(o *app.Options) {
		o.Clock = clock.Now
		o.Surveys = feedback.Config{Interval: 20 * time.Millisecond}
	}))
	token := p[0].login(adminEmail, adminPassword)
	for i := range customers {
		user := faketelegram.User{ID: int64(4000 + i), FirstName: fmt.Sprintf("S%d", i), LanguageCode: "en"}
		p[i%3].send(faketelegram.CommandUpdate(i+1, user, "operator", ""))
	}
	var waiting struct {
		Conversations []struct {
			ID uint64 `json:"id"`
		} `json:"conversations"`
	}
	p[0].waitFor("every customer waiting", func() bool {
		p[0].call(http.MethodGet, "/api/v1/conversations?status=waiting", token, nil, &waiting)
		return len(waiting.Conversations) == customers
	})
	for i, c := range waiting.Conversations {
		h := p[(i+1)%3]
		for _, step := range []string{"claim", "resolve"} {
			if code := h.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/%s", c.ID, step), token, nil, nil); code != http.StatusOK {
				t.Fatalf("%s conversation %d: status %d", step, c.ID, code)
			}
		}
	}

	clock.Skip(24*time.Hour + time.Minute)
	surveyed := func() map[int64]int {
		n := map[int64]int{}
		for _, m := range p[0].tg.SentMessages() {
			if strings.Contains(m.Text, "0 (not at all) to 10") {
				n[m.ChatID]++
			}
		}
		return n
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := p[0].tg.WaitFor(ctx, func(*faketelegram.Server) bool { return len(surveyed()) == customers }); err != nil {
		t.Fatalf("surveys by chat %v: %v", surveyed(), err)
	}
	pool := p[0].app.Live.Pool
	p[0].waitFor("every survey delivered", func() bool {
		var pending int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM outbox WHERE state <> 'sent'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		return pending == 0
	})
	for chat, n := range surveyed() {
		if n != 1 {
			t.Errorf("chat %d got %d surveys, want one", chat, n)
		}
	}
	var sent, written int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM surveys WHERE state = $1`, storage.SurveySent).Scan(&sent); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM messages WHERE text LIKE '%0 (not at all) to 10%'`).Scan(&written); err != nil {
		t.Fatal(err)
	}
	if sent != customers || written != customers {
		t.Errorf("%d surveys sent and %d survey messages written for %d resolved tickets", sent, written, customers)
	}
}
