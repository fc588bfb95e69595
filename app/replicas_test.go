package app_test

import (
	"fmt"
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

// replicas starts three switchboard processes — each with its own pools,
// listener and HTTP server — on one PostgreSQL schema and one fake
// Telegram. Tests that need it skip on SQLite, which runs one process.
func replicas(t *testing.T, opts ...func(*setup)) [3]*harness {
	t.Helper()
	if !strings.HasPrefix(os.Getenv(storagetest.EnvDatabaseURL), "postgres") {
		t.Skipf("several processes share PostgreSQL only: set %s", storagetest.EnvDatabaseURL)
	}
	url := storagetest.URL(t)
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	var hs [3]*harness
	for i := range hs {
		hs[i] = start(t, append([]func(*setup){withDB(url), withFake(tg), withEnv("SWITCHBOARD_DATABASE_MAX_CONNS", "8"),
			withEnv("TELEGRAM_API_ENDPOINT", tg.EndpointAs(fmt.Sprintf("process-%d", i)))}, opts...)...)
	}
	return hs
}

func TestEventCausedOnOneProcessReachesStreamsOnTheOthers(t *testing.T) {
	p := replicas(t)
	token := p[0].login(adminEmail, adminPassword)
	onA, onB := p[0].openStream(token, ""), p[1].openStream(token, "")

	p[2].send(faketelegram.TextUpdate(1, ann, "My parcel is late"))

	a := onA.next("the customer's message on A", saying("My parcel is late"))
	b := onB.next("the customer's message on B", saying("My parcel is late"))
	if a.ID == "" || a.ID != b.ID {
		t.Errorf("the same event has id %q on A and %q on B", a.ID, b.ID)
	}
	// Ids grow across processes: the bot's answer, committed after the
	// message, comes later with a higher id on both.
	reply := onA.next("the bot's answer on A", func(f sseFrame) bool {
		return f.Event == "message.created" && f.Text() != "My parcel is late"
	})
	if id(t, reply) <= id(t, a) {
		t.Errorf("the answer has id %s, not above the message's %s", reply.ID, a.ID)
	}
}

// seenThenAway has a console on the first process see the customer's
// "first" message, written through the second, and then close its stream;
// it returns the console's token and the frame it saw last.
func seenThenAway(p [3]*harness) (string, sseFrame) {
	token := p[0].login(adminEmail, adminPassword)
	onA := p[0].openStream(token, "")
	p[1].send(faketelegram.TextUpdate(1, ann, "first"))
	seen := onA.next("the first message", saying("first"))
	onA.close()
	return token, seen
}

func TestStreamReopenedOnAnotherProcessReplaysWhatItMissed(t *testing.T) {
	p := replicas(t)
	token, seen := seenThenAway(p)

	// While the console is away, the customer writes twice more, through
	// two other processes.
	p[1].send(faketelegram.TextUpdate(2, ann, "second"))
	p[2].send(faketelegram.TextUpdate(3, ann, "third"))
	p[0].waitFor("both stored", func() bool { return len(conversationMessages(p[0], token, "third")) > 0 })

	onC := p[2].openStream(token, seen.ID)
	// next skips other frames (the bot's answers), so "third" before
	// "second" would fail here.
	onC.next("the missed second message", saying("second"))
	third := onC.next("the missed third message", saying("third"))
	if id(t, third) <= id(t, seen) {
		t.Errorf("replayed id %s is not above the last seen %s", third.ID, seen.ID)
	}
	// And the stream goes on live after the replay.
	p[1].send(faketelegram.TextUpdate(4, ann, "fourth"))
	onC.next("the live fourth message", saying("fourth"))
}

func TestStreamAskingForPurgedEventsIsToldToReload(t *testing.T) {
	p := replicas(t)
	token, seen := seenThenAway(p)
	p[1].send(faketelegram.TextUpdate(2, ann, "missed"))
	p[0].waitFor("stored", func() bool { return len(conversationMessages(p[0], token, "missed")) > 0 })
	// A day passes: every event so far is older than the retention.
	if err := p[2].app.Bus.Purge(t.Context(), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	for name, last := range map[string]string{"purged": seen.ID, "never given out": "999999999"} {
		s := p[1].openStream(token, last)
		f := s.next("the first frame", func(sseFrame) bool { return true })
		if f.Event != "reload" {
			t.Errorf("%s Last-Event-ID: first frame is %q (%s), want reload", name, f.Event, f.Raw)
		}
		s.close()
	}
}

func TestReadyzFailsWhileTheEventListenerIsDown(t *testing.T) {
	p := replicas(t)
	if code := readyz(t, p[0]); code != http.StatusOK {
		t.Fatalf("/readyz = %d with the listener up", code)
	}
	// A process whose LISTEN connection cannot be made answers 503 once
	// the grace period has passed, though its pool works.
	cut := start(t, withDB(p[0].dbURL), withFake(p[0].tg),
		withEnv("SWITCHBOARD_LISTEN_DATABASE_URL", "postgres://postgres@127.0.0.1:1/test?connect_timeout=1"),
		withOptions(func(o *app.Options) { o.Bus.ListenerGrace = 200 * time.Millisecond }))
	cut.waitFor("/readyz to answer 503", func() bool { return readyz(t, cut) == http.StatusServiceUnavailable })
	if code := readyz(t, p[0]); code != http.StatusOK {
		t.Errorf("/readyz of a healthy process = %d", code)
	}
}

func readyz(t *testing.T, h *harness) int {
	t.Helper()
	res, err := http.Get(h.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// conversationMessages lists the messages of text's conversation seen
// through the API of h.
func conversationMessages(h *harness, token, text string) []string {
	var list struct {
		Conversations []struct {
			ID uint64 `json:"id"`
		} `json:"conversations"`
	}
	h.call(http.MethodGet, "/api/v1/conversations", token, nil, &list)
	var out []string
	for _, c := range list.Conversations {
		var conv conversationJSON
		h.call(http.MethodGet, "/api/v1/conversations/"+strconv.FormatUint(c.ID, 10), token, nil, &conv)
		for _, m := range conv.Messages {
			if m.Text == text {
				out = append(out, m.Text)
			}
		}
	}
	return out
}

func id(t *testing.T, f sseFrame) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(f.ID, 10, 64)
	if err != nil {
		t.Fatalf("frame %s has id %q", f.Event, f.ID)
	}
	return n
}

func TestDeactivatedOperatorLosesTheirStreamOnEveryProcess(t *testing.T) {
	p := replicas(t)
	boss := p[0].login(adminEmail, adminPassword)
	var olga struct {
		ID uint64 `json:"id"`
	}
	body := map[string]any{"email": "olga@example.com", "name": "Olga", "password": "olga-password-1"}
	if code := p[0].call(http.MethodPost, "/api/v1/operators", boss, body, &olga); code != http.StatusCreated {
		t.Fatalf("add olga: status %d", code)
	}
	s := p[1].openStream(p[1].login("olga@example.com", "olga-password-1"), "")

	p[2].call(http.MethodPatch, "/api/v1/operators/"+strconv.FormatUint(olga.ID, 10), boss, map[string]any{"active": false}, nil)
	// The stream on another process ends at once, not at its next
	// session check (every 15 s).
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, open := <-s.frames:
			if !open {
				return
			}
		case <-deadline:
			t.Fatal("olga's stream on another process still open 5 s after she was deactivated")
		}
	}
}

func TestWaitEstimateCountsOperatorsStreamingOnOtherProcesses(t *testing.T) {
	p := replicas(t, withOptions(func(o *app.Options) { o.LivePresence.Heartbeat = 100 * time.Millisecond }))
	boss := p[0].login(adminEmail, adminPassword)
	body := map[string]any{"email": "olga@example.com", "name": "Olga", "password": "olga-password-1"}
	if code := p[0].call(http.MethodPost, "/api/v1/operators", boss, body, nil); code != http.StatusCreated {
		t.Fatalf("add olga: status %d", code)
	}
	// Two operators at work, on two processes; none on the third.
	p[0].openStream(boss, "")
	p[1].openStream(p[1].login("olga@example.com", "olga-password-1"), "")
	p[2].waitFor("the third process to count both", func() bool { return p[2].app.OnlineOperators() == 2 })

	// Three customers ask for a person through the third process. Each
	// ahead counts 5 minutes, shared by the two: the third is told
	// ceil(15/2) = 8, rounded up to 10 — 15 if the others' operators
	// were not counted.
	for i, name := range []string{"Ann", "Bea", "Cy"} {
		p[2].send(faketelegram.CommandUpdate(i+1, faketelegram.User{ID: int64(9100 + i), FirstName: name, LanguageCode: "en"}, "operator", ""))
	}
	told, err := p[2].tg.WaitForEachChat(t.Context(), "You are number 3", 9102)
	if err != nil {
		t.Fatalf("the third customer's place: %v (%v)", err, told)
	}
	for _, m := range p[2].tg.SentMessages() {
		if m.ChatID == 9102 && strings.Contains(m.Text, "You are number 3") && !strings.Contains(m.Text, "within 10 minutes") {
			t.Errorf("the third customer was told %q, want within 10 minutes", m.Text)
		}
	}
}
