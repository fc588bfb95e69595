package replicas_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

func TestKilledProcessLosesItsOperatorsPresenceAndTheirCustomersReturnToTheQueue(t *testing.T) {
	procs, _ := cluster(t, 3)
	victim, front, watcher := procs[0], procs[1], procs[2]
	boss := front.login(adminEmail, adminPassword)
	for _, name := range []string{"olga", "pavel"} {
		body := map[string]any{"email": name + "@example.com", "name": name, "password": name + "-password-1"}
		if code := front.call(http.MethodPost, "/api/v1/operators", boss, body, nil); code != http.StatusCreated {
			t.Fatalf("add %s: status %d", name, code)
		}
	}
	olga := victim.login("olga@example.com", "olga-password-1")
	pavel := victim.login("pavel@example.com", "pavel-password-1")
	olgaStream := victim.openStream(olga)
	victim.openStream(pavel)
	watch := watcher.openStream(boss)
	waitPresence(t, front, boss, "olga", "online")
	waitPresence(t, front, boss, "pavel", "online")

	// A customer asks for a person through another process, and Olga
	// takes them without answering yet.
	ann := faketelegram.User{ID: 5001, FirstName: "Ann", LanguageCode: "en"}
	if code := front.update(faketelegram.CommandUpdate(1, ann, "operator", "")); code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	waiting := waitFrame(t, watch, 10*time.Second, "the customer waiting", func(f frame) bool {
		return f.event == "conversation.changed" && f.data["status"] == "waiting"
	})
	conv := uint64(waiting.data["id"].(float64))
	if code := front.call(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", conv), olga, nil, nil); code != http.StatusOK {
		t.Fatalf("claim: status %d", code)
	}

	victim.kill()
	killed := time.Now()
	for range olgaStream {
		// Olga's stream ends with her process.
	}
	// Pavel's console reconnects to another process, as a browser does.
	pavelAgain := front.openStream(pavel)

	returned := waitFrame(t, watch, 45*time.Second, "the conversation back in the queue", func(f frame) bool {
		return f.event == "conversation.changed" && uint64(f.data["id"].(float64)) == conv && f.data["status"] == "waiting"
	})
	t.Logf("conversation %d returned to the queue %.1fs after the kill (event %s)", conv, time.Since(killed).Seconds(), returned.id)
	waitFrame(t, watch, 45*time.Second-time.Since(killed), "olga offline", func(f frame) bool {
		return f.event == "operator.changed" && f.data["email"] == "olga@example.com" && f.data["presence"] == "offline"
	})
	t.Logf("olga offline %.1fs after the kill", time.Since(killed).Seconds())
	// Pavel, who reconnected, stayed online all along, and his new stream
	// carries the change too.
	if p := presenceOf(t, watcher, boss, "pavel"); p != "online" {
		t.Errorf("pavel is %s after reconnecting elsewhere, want online", p)
	}
	waitFrame(t, pavelAgain, 5*time.Second, "olga offline on pavel's new stream", func(f frame) bool {
		return f.event == "operator.changed" && f.data["email"] == "olga@example.com" && f.data["presence"] == "offline"
	})
}

func presenceOf(t *testing.T, p *process, token, name string) string {
	t.Helper()
	var list struct {
		Operators []struct {
			Email    string `json:"email"`
			Presence string `json:"presence"`
		} `json:"operators"`
	}
	if code := p.call(http.MethodGet, "/api/v1/operators", token, nil, &list); code != http.StatusOK {
		t.Fatalf("GET /operators: status %d", code)
	}
	for _, o := range list.Operators {
		if o.Email == name+"@example.com" {
			return o.Presence
		}
	}
	t.Fatalf("no operator %s", name)
	return ""
}

func waitPresence(t *testing.T, p *process, token, name, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for presenceOf(t, p, token, name) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s is not %s within 10s", name, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
