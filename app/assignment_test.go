package app_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// console is one operator's browser: a cookie jar holding the session,
// and the CSRF token the page read at login.
type console struct {
	h      *harness
	client *http.Client
	csrf   string
}

// consoleLogin logs in as a browser does and keeps the cookies.
func (h *harness) consoleLogin(email, password string) *console {
	h.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	c := &console{h: h, client: &http.Client{Jar: jar}}
	res := c.do(http.MethodPost, "/api/v1/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password))
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("console login %s: status %d", email, res.StatusCode)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == api.CSRFCookie {
			c.csrf = ck.Value
		}
	}
	return c
}

// do sends a request with the console's cookies and CSRF header.
func (c *console) do(method, path, body string) *http.Response {
	c.h.t.Helper()
	req, err := http.NewRequestWithContext(c.h.t.Context(), method, c.h.base+path, strings.NewReader(body))
	if err != nil {
		c.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set(api.CSRFHeader, c.csrf)
	}
	res, err := c.client.Do(req)
	if err != nil {
		c.h.t.Fatalf("%s %s: %v", method, path, err)
	}
	res.Body.Close()
	return res
}

// openEvents opens the console's event stream, which brings the operator
// online, and keeps reading it until the test ends.
func (c *console) openEvents() {
	c.h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.h.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.h.base+"/api/v1/events", nil)
	res, err := c.client.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		c.h.t.Fatalf("GET /events with the session cookie: %v %v", res, err)
	}
	go func() {
		defer res.Body.Close()
		for sc := bufio.NewScanner(res.Body); sc.Scan(); {
		}
	}()
}

// joinedNotices maps each customer's chat to the "… has joined" messages
// they were sent.
func (h *harness) joinedNotices() map[int64][]string {
	out := map[int64][]string{}
	for _, m := range h.tg.SentMessages() {
		if strings.Contains(m.Text, "has joined") {
			out[m.ChatID] = append(out[m.ChatID], m.Text)
		}
	}
	return out
}

func TestRoundRobinAssignsCustomersToOperatorsWithAFreeSlot(t *testing.T) {
	yaml := filepath.Join(t.TempDir(), "switchboard.yaml")
	if err := os.WriteFile(yaml, []byte("assignment: round_robin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := start(t, withEnv("SWITCHBOARD_CONFIG", yaml))
	boss := h.login(adminEmail, adminPassword)
	for _, name := range []string{"Olga", "Pavel"} {
		body := map[string]any{"email": strings.ToLower(name) + "@example.com", "name": name, "password": name + "-password", "capacity": 1}
		if code := h.call(http.MethodPost, "/api/v1/operators", boss, body, nil); code != http.StatusCreated {
			t.Fatalf("add %s: status %d", name, code)
		}
	}
	olga := h.consoleLogin("olga@example.com", "Olga-password")
	pavel := h.consoleLogin("pavel@example.com", "Pavel-password")
	olga.openEvents()
	pavel.openEvents()
	h.waitFor("Olga and Pavel online", func() bool {
		var list struct {
			Operators []struct {
				Presence string `json:"presence"`
			} `json:"operators"`
		}
		h.call(http.MethodGet, "/api/v1/operators", boss, nil, &list)
		online := 0
		for _, o := range list.Operators {
			if o.Presence == "online" {
				online++
			}
		}
		return online == 2
	})

	customers := []faketelegram.User{
		{ID: 2001, FirstName: "Ann", LanguageCode: "en"},
		{ID: 2002, FirstName: "Ben", LanguageCode: "en"},
		{ID: 2003, FirstName: "Cid", LanguageCode: "en"},
	}
	for i, c := range customers {
		h.send(faketelegram.CommandUpdate(100+2*i, c, "start", ""))
		h.send(faketelegram.TextUpdate(101+2*i, c, "I need a person"))
	}
	h.waitFor("two customers told who joined", func() bool { return len(h.joinedNotices()) == 2 })
	notices := h.joinedNotices()
	first, second := strings.Join(notices[customers[0].ID], ""), strings.Join(notices[customers[1].ID], "")
	if !strings.Contains(first, "Olga has joined") || !strings.Contains(second, "Pavel has joined") || len(notices[customers[2].ID]) != 0 {
		t.Fatalf("join notices %v: want Ann with Olga, Ben with Pavel, Cid still waiting", notices)
	}

	var waiting struct {
		Conversations []conversationJSON `json:"conversations"`
	}
	h.call(http.MethodGet, "/api/v1/conversations?status=open", boss, nil, &waiting)
	var annConv uint64
	for _, c := range waiting.Conversations {
		if c.Customer.Name == "Ann" {
			annConv = c.ID
		}
	}
	if annConv == 0 {
		t.Fatalf("open conversations %+v: want Ann's", waiting.Conversations)
	}
	if res := olga.do(http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/resolve", annConv), ""); res.StatusCode != http.StatusOK {
		t.Fatalf("Olga resolves through the console: status %d", res.StatusCode)
	}
	h.waitFor("the third customer told Olga joined", func() bool {
		return strings.Contains(strings.Join(h.joinedNotices()[customers[2].ID], ""), "Olga has joined")
	})
}
