package app_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

type liveDeskJSON struct {
	Waiting          int            `json:"waiting"`
	WaitingByChannel map[string]int `json:"waiting_by_channel"`
	Operators        []struct {
		Name     string `json:"name"`
		Presence string `json:"presence"`
	} `json:"operators"`
}

func (l liveDeskJSON) presenceOf(name string) string {
	for _, op := range l.Operators {
		if op.Name == name {
			return op.Presence
		}
	}
	return ""
}

// TestLiveViewIsTheSameOnEveryProcess: two processes on one PostgreSQL;
// what happens on one — an operator's stream opening and closing, a
// customer joining the queue — shows in the other's GET /api/v1/live.
func TestLiveViewIsTheSameOnEveryProcess(t *testing.T) {
	if !strings.HasPrefix(os.Getenv(storagetest.EnvDatabaseURL), "postgres") {
		t.Skipf("several processes share PostgreSQL only: set %s", storagetest.EnvDatabaseURL)
	}
	url := storagetest.URL(t)
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	quick := withOptions(func(o *app.Options) {
		o.LivePresence.Heartbeat, o.LivePresence.StreamTTL = 100*time.Millisecond, 500*time.Millisecond
		o.PresenceGrace = 200 * time.Millisecond
	})
	var p [2]*harness
	for i := range p {
		p[i] = start(t, withDB(url), withFake(tg), withEnv("SWITCHBOARD_DATABASE_MAX_CONNS", "6"),
			withEnv("TELEGRAM_API_ENDPOINT", tg.EndpointAs(fmt.Sprintf("process-%d", i))), quick)
	}
	boss := p[1].login(adminEmail, adminPassword)
	body := map[string]any{"email": "olga@example.com", "name": "Olga", "password": "olga-password-1"}
	if code := p[0].call(http.MethodPost, "/api/v1/operators", boss, body, nil); code != http.StatusCreated {
		t.Fatalf("add olga: status %d", code)
	}
	live := func() liveDeskJSON {
		var v liveDeskJSON
		if code := p[1].call(http.MethodGet, "/api/v1/live", boss, nil, &v); code != http.StatusOK {
			t.Fatalf("GET /api/v1/live on B: %d", code)
		}
		return v
	}
	if got := live().presenceOf("Olga"); got != "offline" {
		t.Fatalf("before she connects, Olga is %q on B", got)
	}

	olga := p[0].openStream(p[0].login("olga@example.com", "olga-password-1"), "")
	p[1].waitFor("B's live view to show Olga online", func() bool { return live().presenceOf("Olga") == "online" })

	p[0].send(faketelegram.CommandUpdate(1, ann, "operator", ""))
	p[1].waitFor("B's live view to count the customer who asked on A", func() bool {
		v := live()
		return v.Waiting == 1 && v.WaitingByChannel["telegram"] == 1
	})

	olga.close()
	p[1].waitFor("B's live view to show Olga gone", func() bool { return live().presenceOf("Olga") == "offline" })
}

// metric reads one sample of /metrics, -1 when it is missing.
func metric(t *testing.T, h *harness, sample string) float64 {
	t.Helper()
	res, err := http.Get(h.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric %s: %q", sample, line)
			}
			return f
		}
	}
	return -1
}

func TestDeskGaugesInMetrics(t *testing.T) {
	h := start(t)
	ctx := t.Context()
	h.send(faketelegram.CommandUpdate(1, ann, "operator", ""))
	h.waitFor("the customer waiting", func() bool { return metric(t, h, `switchboard_waiting_customers{channel="telegram"}`) == 1 })
	// The customer has waited two minutes.
	if err := h.app.Store.Exec(ctx, "UPDATE conversations SET handed_over_at = ? WHERE state = 'waiting'", time.Now().UTC().Add(-2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if w := metric(t, h, "switchboard_longest_wait_seconds"); w < 120 || w > 600 {
		t.Errorf("switchboard_longest_wait_seconds = %v, want about 120", w)
	}
	for sample, want := range map[string]float64{
		`switchboard_waiting_customers{channel="sms"}`: 0,
		`switchboard_operators{presence="offline"}`:    1, // the admin
		`switchboard_operators{presence="online"}`:     0,
		"switchboard_callbacks_due":                    0,
		"switchboard_callbacks_late":                   0,
	} {
		if got := metric(t, h, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	// One callback due in half an hour, one 20 minutes late.
	var customer uint64
	var ids []struct{ CustomerID uint64 }
	if err := h.app.Store.Select(ctx, &ids, "SELECT customer_id FROM conversations LIMIT 1"); err != nil || len(ids) == 0 {
		t.Fatalf("find the customer: %v", err)
	}
	customer = ids[0].CustomerID
	for i, at := range []time.Time{time.Now().Add(30 * time.Minute), time.Now().Add(-20 * time.Minute)} {
		if err := h.app.Store.Exec(ctx, `INSERT INTO callbacks (customer_id, phone, state, asap, dial_now, requested_at, due_at, attempts, max_attempts, next_attempt_at, time_zone)
			VALUES (?, ?, 'scheduled', false, false, ?, ?, 0, 1, ?, '')`, customer, fmt.Sprintf("+4479460%05d", i), at, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if due, late := metric(t, h, "switchboard_callbacks_due"), metric(t, h, "switchboard_callbacks_late"); due != 1 || late != 1 {
		t.Errorf("callbacks due %v, late %v; want 1 and 1", due, late)
	}

	before := metric(t, h, "switchboard_event_streams_open")
	s := h.openStream(h.login(adminEmail, adminPassword), "")
	h.waitFor("the stream counted", func() bool { return metric(t, h, "switchboard_event_streams_open") == before+1 })
	h.waitFor("the admin online", func() bool { return metric(t, h, `switchboard_operators{presence="online"}`) == 1 })
	s.close()
	h.waitFor("the stream closed", func() bool { return metric(t, h, "switchboard_event_streams_open") == before })
}
