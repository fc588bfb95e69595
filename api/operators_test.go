package api_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// operatorBody is an operator as the API answers it.
type operatorBody struct {
	ID        uint64 `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Active    bool   `json:"active"`
	Capacity  int    `json:"capacity"`
	Presence  string `json:"presence"`
	Phone     string `json:"phone"`
	OpenCount int64  `json:"open_count"`
	CreatedAt string `json:"created_at"`
}

// newTrackedServer is newServer whose operators' presence follows their
// event streams, with the given grace period.
func newTrackedServer(t *testing.T, grace time.Duration) *server {
	t.Helper()
	s := newServer(t)
	p := dialog.NewPresenceTracker(s.engine, s.broker, dialog.PresenceConfig{Grace: grace})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// me answers GET /me for token.
func (s *server) me(t *testing.T, token string) operatorBody {
	t.Helper()
	var me operatorBody
	s.mustDo(t, http.MethodGet, "/api/v1/me", token, "", http.StatusOK, &me)
	return me
}

// waitMe polls GET /me until cond holds.
func (s *server) waitMe(t *testing.T, token, what string, cond func(operatorBody) bool) operatorBody {
	t.Helper()
	deadline := time.Now().Add(streamDeadline)
	for {
		me := s.me(t, token)
		if cond(me) {
			return me
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; GET /me = %+v", what, me)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openCookieStream opens GET /events with a console session's cookies and
// returns a channel closed when the stream ends.
func (s *server) openCookieStream(t *testing.T, cs consoleSession) <-chan struct{} {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), streamDeadline)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	cs.withCookies(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /events with cookies = %d", res.StatusCode)
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
		}
	}()
	return ended
}

func TestSupervisorAddsAnOperatorWhoCanThenLogIn(t *testing.T) {
	s := newServer(t)
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	var added operatorBody
	s.mustDo(t, http.MethodPost, "/api/v1/operators", boss,
		`{"email":" New@Example.com ","name":"Nina","password":"nina-password"}`, http.StatusCreated, &added)
	if added.ID == 0 || added.Email != "new@example.com" || added.Name != "Nina" || added.Role != storage.RoleOperator ||
		!added.Active || added.Capacity != storage.DefaultCapacity || added.Presence != storage.PresenceOffline || added.CreatedAt == "" {
		t.Fatalf("added %+v, want an active operator with the defaults", added)
	}
	cs := s.consoleLogin(t, "new@example.com", "nina-password")
	if me := s.me(t, cs.token); me.ID != added.ID {
		t.Fatalf("Nina's GET /me = %+v", me)
	}

	var sup operatorBody
	s.mustDo(t, http.MethodPost, "/api/v1/operators", boss,
		`{"email":"sam@example.com","name":"Sam","password":"sam-password","role":"supervisor","capacity":12}`, http.StatusCreated, &sup)
	if sup.Role != storage.RoleSupervisor || sup.Capacity != 12 {
		t.Fatalf("added %+v, want a supervisor with capacity 12", sup)
	}
}

func TestAddingAnOperatorRefusesBadInput(t *testing.T) {
	s := newServer(t)
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	body := func(fields string) string {
		return `{"email":"nina@example.com","name":"Nina","password":"nina-password"` + fields + `}`
	}
	cases := []struct {
		name       string
		body       string
		wantStatus int
		want       string
	}{
		{"taken email", `{"email":"BOSS@example.com","name":"B","password":"boss-password"}`, http.StatusConflict, "email exists"},
		{"unknown role", body(`,"role":"admin"`), http.StatusBadRequest, `"role"`},
		{"zero capacity", body(`,"capacity":0`), http.StatusBadRequest, `"capacity"`},
		{"capacity over 50", body(`,"capacity":51`), http.StatusBadRequest, `"capacity"`},
		{"capacity not a number", body(`,"capacity":"many"`), http.StatusBadRequest, `"capacity"`},
		{"short password", `{"email":"nina@example.com","name":"Nina","password":"short"}`, http.StatusBadRequest, `"password"`},
		{"missing email", `{"name":"Nina","password":"nina-password"}`, http.StatusBadRequest, `"email" is missing`},
		{"not an email", `{"email":"nina","name":"Nina","password":"nina-password"}`, http.StatusBadRequest, `"email" is not an email address`},
		{"missing name", `{"email":"nina@example.com","password":"nina-password"}`, http.StatusBadRequest, `"name" is missing`},
		{"bad phone", body(`,"phone":"12"`), http.StatusBadRequest, `"phone"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := s.do(t, http.MethodPost, "/api/v1/operators", boss, c.body)
			wantError(t, status, raw, c.wantStatus, c.want)
		})
	}
}

func TestOperatorsCannotCallSupervisorCalls(t *testing.T) {
	s := newServer(t)
	boss, _ := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	_, ann := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cases := []struct {
		method, path, body string
	}{
		{http.MethodPost, "/api/v1/operators", `{"email":"x@example.com","name":"X","password":"x-password"}`},
		{http.MethodPatch, fmt.Sprintf("/api/v1/operators/%d", boss.ID), `{"active":false}`},
		{http.MethodPost, fmt.Sprintf("/api/v1/operators/%d/password", boss.ID), `{"password":"taken-over"}`},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			status, raw := s.do(t, c.method, c.path, ann, c.body)
			wantError(t, status, raw, http.StatusForbidden, "only a supervisor")
		})
	}
	var list struct {
		Operators []operatorBody `json:"operators"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/operators", ann, "", http.StatusOK, &list)
	if len(list.Operators) != 2 {
		t.Fatalf("GET /operators = %+v, want both operators", list)
	}
	if _, _, err := s.loginErr(t, "boss@example.com", "taken-over"); err == nil {
		t.Fatal("the refused password reset took effect")
	}
}

// loginErr tries to log in and reports the status when it fails.
func (s *server) loginErr(t *testing.T, email, password string) (int, []byte, error) {
	t.Helper()
	status, raw := s.do(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`)
	if status != http.StatusOK {
		return status, raw, fmt.Errorf("login %s = %d %s", email, status, raw)
	}
	return status, raw, nil
}

func TestSupervisorUpdatesAnOperator(t *testing.T) {
	s := newServer(t)
	boss, bossToken := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	ann, _ := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	annPath := fmt.Sprintf("/api/v1/operators/%d", ann.ID)
	cases := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		want       string
		check      func(operatorBody) bool
	}{
		{"capacity", annPath, `{"capacity":2}`, http.StatusOK, "", func(o operatorBody) bool { return o.Capacity == 2 }},
		{"name and role", annPath, `{"name":" Anna ","role":"supervisor"}`, http.StatusOK, "", func(o operatorBody) bool {
			return o.Name == "Anna" && o.Role == storage.RoleSupervisor && o.Capacity == 2
		}},
		{"phone", annPath, `{"phone":"+44 7911 123456"}`, http.StatusOK, "", func(o operatorBody) bool { return o.Phone == "+447911123456" }},
		{"no phone", annPath, `{"phone":""}`, http.StatusOK, "", func(o operatorBody) bool { return o.Phone == "" }},
		{"bad phone", annPath, `{"phone":"call me"}`, http.StatusBadRequest, `"phone"`, nil},
		{"capacity out of range", annPath, `{"capacity":100}`, http.StatusBadRequest, `"capacity"`, nil},
		{"unknown role", annPath, `{"role":"root"}`, http.StatusBadRequest, `"role"`, nil},
		{"empty name", annPath, `{"name":"  "}`, http.StatusBadRequest, `"name"`, nil},
		{"nothing to change", annPath, `{}`, http.StatusBadRequest, "nothing to change", nil},
		{"unknown operator", "/api/v1/operators/999", `{"capacity":2}`, http.StatusNotFound, "not found", nil},
		{"deactivating yourself", fmt.Sprintf("/api/v1/operators/%d", boss.ID), `{"active":false}`, http.StatusBadRequest, `"active"`, nil},
		{"demoting yourself", fmt.Sprintf("/api/v1/operators/%d", boss.ID), `{"role":"operator"}`, http.StatusBadRequest, `"role"`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.check == nil {
				status, raw := s.do(t, http.MethodPatch, c.path, bossToken, c.body)
				wantError(t, status, raw, c.wantStatus, c.want)
				return
			}
			var got operatorBody
			s.mustDo(t, http.MethodPatch, c.path, bossToken, c.body, c.wantStatus, &got)
			if !c.check(got) {
				t.Fatalf("after PATCH %s: %+v", c.body, got)
			}
		})
	}
}

func TestDeactivatedOperatorIsLoggedOutAtOnce(t *testing.T) {
	// The default ping interval (15 s) is longer than the wait: only the
	// deactivation itself can end the streams in time.
	s := newServer(t)
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	ann, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cs := s.consoleLogin(t, "ann@example.com", "password-ann@example.com")
	ctx, frames := s.openStream(t, annToken)
	cookieStreamEnded := s.openCookieStream(t, cs)

	var patched operatorBody
	s.mustDo(t, http.MethodPatch, fmt.Sprintf("/api/v1/operators/%d", ann.ID), boss, `{"active":false}`, http.StatusOK, &patched)
	if patched.Active || patched.Presence != storage.PresenceOffline {
		t.Fatalf("after deactivation: %+v", patched)
	}
	status, raw := s.do(t, http.MethodGet, "/api/v1/me", annToken, "")
	wantError(t, status, raw, http.StatusUnauthorized, "invalid or expired token")
	res, raw := s.sendWith(t, http.MethodGet, "/api/v1/me", "", cs.withCookies)
	wantError(t, res.StatusCode, raw, http.StatusUnauthorized, "invalid or expired token")
	waitStreamEnd(t, ctx, frames, "after the operator was deactivated")
	select {
	case <-cookieStreamEnded:
	case <-time.After(streamDeadline):
		t.Fatal("cookie event stream still open after deactivation")
	}
	if status, _, err := s.loginErr(t, "ann@example.com", "password-ann@example.com"); err == nil || status != http.StatusUnauthorized {
		t.Fatalf("a deactivated operator logs in: %d, %v", status, err)
	}

	s.mustDo(t, http.MethodPatch, fmt.Sprintf("/api/v1/operators/%d", ann.ID), boss, `{"active":true}`, http.StatusOK, &patched)
	s.consoleLogin(t, "ann@example.com", "password-ann@example.com")
}

func TestPasswordResetEndsTheOperatorsSessions(t *testing.T) {
	s := newServer(t)
	_, boss := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	ann, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	ctx, frames := s.openStream(t, annToken)
	path := fmt.Sprintf("/api/v1/operators/%d/password", ann.ID)

	status, raw := s.do(t, http.MethodPost, path, boss, `{"password":"short"}`)
	wantError(t, status, raw, http.StatusBadRequest, `"password"`)
	s.mustDo(t, http.MethodPost, path, boss, `{"password":"fresh-password"}`, http.StatusNoContent, nil)

	status, raw = s.do(t, http.MethodGet, "/api/v1/me", annToken, "")
	wantError(t, status, raw, http.StatusUnauthorized, "invalid or expired token")
	waitStreamEnd(t, ctx, frames, "after the password reset")
	if _, _, err := s.loginErr(t, "ann@example.com", "password-ann@example.com"); err == nil {
		t.Fatal("the old password still works")
	}
	s.consoleLogin(t, "ann@example.com", "fresh-password")
	status, raw = s.do(t, http.MethodPost, "/api/v1/operators/999/password", boss, `{"password":"fresh-password"}`)
	wantError(t, status, raw, http.StatusNotFound, "not found")
}

func TestOperatorChangesTheirOwnPassword(t *testing.T) {
	s := newServer(t)
	_, current := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	other := s.consoleLogin(t, "ann@example.com", "password-ann@example.com")
	cases := []struct {
		name       string
		body       string
		wantStatus int
		want       string
	}{
		{"wrong current password", `{"current_password":"guess-guess","new_password":"brand-new-password"}`, http.StatusBadRequest, `"current_password" is wrong`},
		{"weak new password", `{"current_password":"password-ann@example.com","new_password":"short"}`, http.StatusBadRequest, `"new_password"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := s.do(t, http.MethodPost, "/api/v1/me/password", current, c.body)
			wantError(t, status, raw, c.wantStatus, c.want)
		})
	}
	s.mustDo(t, http.MethodPost, "/api/v1/me/password", current,
		`{"current_password":"password-ann@example.com","new_password":"brand-new-password"}`, http.StatusNoContent, nil)
	s.me(t, current)
	status, raw := s.do(t, http.MethodGet, "/api/v1/me", other.token, "")
	wantError(t, status, raw, http.StatusUnauthorized, "invalid or expired token")
	s.consoleLogin(t, "ann@example.com", "brand-new-password")
}

func TestAnOperatorCannotActOnAnothersConversation(t *testing.T) {
	s := newServer(t)
	ann, annToken := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	_, bobToken := s.addOperator(t, "bob@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Where is my order?")
	path := fmt.Sprintf("/api/v1/conversations/%d", id)
	s.mustDo(t, http.MethodPost, path+"/claim", annToken, "", http.StatusOK, nil)
	cases := []struct {
		name, path, body string
	}{
		{"resolve", path + "/resolve", ""},
		{"reply", path + "/messages", `{"text":"Bob here"}`},
		{"claim", path + "/claim", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, raw := s.do(t, http.MethodPost, c.path, bobToken, c.body)
			wantError(t, status, raw, http.StatusConflict, "claimed by another operator")
		})
	}
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, path, annToken, "", http.StatusOK, &conv)
	if conv.Status != storage.StateOpen || conv.OperatorID == nil || *conv.OperatorID != ann.ID {
		t.Fatalf("after Bob's attempts: %+v", conv)
	}
}

func TestMeCountsOpenConversations(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	if me := s.me(t, token); me.OpenCount != 0 || me.Capacity != storage.DefaultCapacity || me.Presence != storage.PresenceOffline {
		t.Fatalf("GET /me = %+v, want no open conversations, default capacity, offline", me)
	}
	id := s.waitingConversation(t, "Hello")
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", id), token, "", http.StatusOK, nil)
	if me := s.me(t, token); me.OpenCount != 1 {
		t.Fatalf("GET /me = %+v after a claim, want open_count 1", me)
	}
}

func TestPresenceFollowsTheEventStreamAndTheOperatorsWord(t *testing.T) {
	s := newTrackedServer(t, 50*time.Millisecond)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Hello")
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/claim", id), token, "", http.StatusOK, nil)

	ctx, frames := s.openStream(t, token)
	s.waitMe(t, token, "online once the stream is open", func(o operatorBody) bool { return o.Presence == storage.PresenceOnline })

	var me operatorBody
	s.mustDo(t, http.MethodPost, "/api/v1/me/presence", token, `{"presence":"away"}`, http.StatusOK, &me)
	if me.Presence != storage.PresenceAway {
		t.Fatalf("after saying away: %+v", me)
	}
	waitOperatorChanged(t, ctx, frames, storage.PresenceAway)

	s.mustDo(t, http.MethodPost, "/api/v1/me/presence", token, `{"presence":"offline"}`, http.StatusOK, &me)
	if me.Presence != storage.PresenceOffline || me.OpenCount != 0 {
		t.Fatalf("after saying offline: %+v, want offline with nothing open", me)
	}
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, "", http.StatusOK, &conv)
	if conv.Status != storage.StateWaiting || conv.OperatorID != nil {
		t.Fatalf("unanswered conversation after going offline: %s with %v, want waiting with nobody", conv.Status, conv.OperatorID)
	}

	status, raw := s.do(t, http.MethodPost, "/api/v1/me/presence", token, `{"presence":"busy"}`)
	wantError(t, status, raw, http.StatusBadRequest, `"presence"`)
}

func TestOperatorGoesOfflineAfterTheirLastStreamCloses(t *testing.T) {
	s := newTrackedServer(t, 50*time.Millisecond)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	s.openStream(t, token)
	s.waitMe(t, token, "online once the stream is open", func(o operatorBody) bool { return o.Presence == storage.PresenceOnline })
	s.api.CloseStreams()
	s.waitMe(t, token, "offline after the grace period", func(o operatorBody) bool { return o.Presence == storage.PresenceOffline })
}

// waitOperatorChanged reads frames until an operator.changed frame with
// presence arrives.
func waitOperatorChanged(t *testing.T, ctx context.Context, frames <-chan sseFrame, presence string) {
	t.Helper()
	for {
		select {
		case <-ctx.Done():
			t.Fatalf("no operator.changed frame with presence %s", presence)
		case f, ok := <-frames:
			if !ok {
				t.Fatal("stream ended")
			}
			if f.Event == "operator.changed" && strings.Contains(f.Raw, `"presence":"`+presence+`"`) && strings.Contains(f.Raw, `"open_count":`) {
				return
			}
		}
	}
}

// TestGuessingTheCurrentPasswordIsLockedOutLikeALogin: a stolen session must
// not be a fast way to guess the password.
func TestGuessingTheCurrentPasswordIsLockedOutLikeALogin(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	guess := `{"current_password":"guess-guess","new_password":"brand-new-password"}`
	for range 4 {
		status, raw := s.do(t, http.MethodPost, "/api/v1/me/password", token, guess)
		wantError(t, status, raw, http.StatusBadRequest, `"current_password" is wrong`)
	}
	status, _ := s.do(t, http.MethodPost, "/api/v1/me/password", token, guess)
	if status != http.StatusTooManyRequests {
		t.Fatalf("fifth wrong guess answered %d, want 429", status)
	}
	right := `{"current_password":"password-ann@example.com","new_password":"brand-new-password"}`
	if status, _ := s.do(t, http.MethodPost, "/api/v1/me/password", token, right); status != http.StatusTooManyRequests {
		t.Fatalf("the right password while locked answered %d, want 429", status)
	}
}
