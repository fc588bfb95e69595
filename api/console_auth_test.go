package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/storage"
)

func init() { auth.FailureDelay = time.Millisecond }

// consoleSession is what a browser holds after logging in.
type consoleSession struct {
	token, csrf string
	cookies     map[string]*http.Cookie
}

// withCookies sends the session cookie (and the CSRF cookie) only.
func (cs consoleSession) withCookies(r *http.Request) {
	for _, c := range cs.cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
}

// withCookiesAndCSRF is withCookies plus the X-CSRF-Token header, as the
// console sends every change.
func (cs consoleSession) withCookiesAndCSRF(r *http.Request) {
	cs.withCookies(r)
	r.Header.Set(api.CSRFHeader, cs.csrf)
}

// consoleLogin logs in as the console does and returns the session.
func (s *server) consoleLogin(t *testing.T, email, password string) consoleSession {
	t.Helper()
	res, raw := s.sendWith(t, http.MethodPost, "/api/v1/auth/login", `{"email":"`+email+`","password":"`+password+`"}`, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login %s = %d %s", email, res.StatusCode, raw)
	}
	var body struct {
		Token     string `json:"token"`
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	cs := consoleSession{token: body.Token, csrf: body.CSRFToken, cookies: map[string]*http.Cookie{}}
	for _, c := range res.Cookies() {
		cs.cookies[c.Name] = c
	}
	return cs
}

func TestLoginSetsSessionAndCSRFCookies(t *testing.T) {
	cases := []struct {
		name       string
		secure     bool
		wantSecure bool
	}{
		{"http public URL", false, false},
		{"https public URL", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newServerWith(t, api.Options{SecureCookies: c.secure, SessionTTL: time.Hour})
			s.addOperator(t, "ann@example.com", storage.RoleOperator)
			cs := s.consoleLogin(t, "ann@example.com", "password-ann@example.com")

			session, csrf := cs.cookies[api.SessionCookie], cs.cookies[api.CSRFCookie]
			if session == nil || csrf == nil {
				t.Fatalf("cookies set: %v, want %s and %s", cs.cookies, api.SessionCookie, api.CSRFCookie)
			}
			if session.Value != cs.token || csrf.Value != cs.csrf || cs.csrf != auth.CSRFToken(cs.token) {
				t.Fatalf("cookie values do not match the token and CSRF token of the body")
			}
			for _, ck := range []*http.Cookie{session, csrf} {
				if ck.Path != "/" || ck.SameSite != http.SameSiteStrictMode || ck.Secure != c.wantSecure {
					t.Errorf("%s: path %q, samesite %v, secure %v; want /, Strict, %v", ck.Name, ck.Path, ck.SameSite, ck.Secure, c.wantSecure)
				}
				if until := time.Until(ck.Expires); until < 59*time.Minute || until > time.Hour+time.Minute || ck.MaxAge < 3500 {
					t.Errorf("%s expires %v (max-age %d), want with the session in an hour", ck.Name, ck.Expires, ck.MaxAge)
				}
			}
			if !session.HttpOnly || csrf.HttpOnly {
				t.Errorf("HttpOnly: session %v, csrf %v; want only the session hidden from scripts", session.HttpOnly, csrf.HttpOnly)
			}
		})
	}
}

func TestCookieSessionNeedsTheCSRFHeaderToChangeThings(t *testing.T) {
	s := newServer(t)
	s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cs := s.consoleLogin(t, "ann@example.com", "password-ann@example.com")
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+cs.token) }
	presence := `{"presence":"away"}`
	cases := []struct {
		name       string
		method     string
		path       string
		body       string
		prep       func(*http.Request)
		wantStatus int
		wantError  string
	}{
		{"cookie GET", http.MethodGet, "/api/v1/me", "", cs.withCookies, http.StatusOK, ""},
		{"cookie POST without the header", http.MethodPost, "/api/v1/me/presence", presence, cs.withCookies, http.StatusForbidden, "missing or wrong X-CSRF-Token"},
		{"cookie POST with a wrong header", http.MethodPost, "/api/v1/me/presence", presence, func(r *http.Request) {
			cs.withCookies(r)
			r.Header.Set(api.CSRFHeader, auth.CSRFToken("another session"))
		}, http.StatusForbidden, "missing or wrong X-CSRF-Token"},
		{"cookie POST with the header", http.MethodPost, "/api/v1/me/presence", presence, cs.withCookiesAndCSRF, http.StatusOK, ""},
		{"bearer POST without the header", http.MethodPost, "/api/v1/me/presence", presence, bearer, http.StatusOK, ""},
		{"bad bearer wins over a good cookie", http.MethodGet, "/api/v1/me", "", func(r *http.Request) {
			cs.withCookies(r)
			r.Header.Set("Authorization", "Bearer not-a-token")
		}, http.StatusUnauthorized, "invalid or expired token"},
		{"unknown cookie", http.MethodGet, "/api/v1/me", "", func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: api.SessionCookie, Value: "not-a-token"})
		}, http.StatusUnauthorized, "invalid or expired token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, raw := s.sendWith(t, c.method, c.path, c.body, c.prep)
			if c.wantError != "" {
				wantError(t, res.StatusCode, raw, c.wantStatus, c.wantError)
				return
			}
			if res.StatusCode != c.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", c.method, c.path, res.StatusCode, raw, c.wantStatus)
			}
		})
	}
}

func TestLogoutEndsTheCookieSessionAndClearsTheCookies(t *testing.T) {
	s := newServer(t)
	s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cs := s.consoleLogin(t, "ann@example.com", "password-ann@example.com")

	res, raw := s.sendWith(t, http.MethodPost, "/api/v1/auth/logout", "", cs.withCookiesAndCSRF)
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout = %d %s", res.StatusCode, raw)
	}
	cleared := map[string]bool{}
	for _, c := range res.Cookies() {
		cleared[c.Name] = c.MaxAge < 0 && c.Value == ""
	}
	if !cleared[api.SessionCookie] || !cleared[api.CSRFCookie] {
		t.Fatalf("logout cookies %v, want both cleared", res.Cookies())
	}
	res, raw = s.sendWith(t, http.MethodGet, "/api/v1/me", "", cs.withCookies)
	wantError(t, res.StatusCode, raw, http.StatusUnauthorized, "invalid or expired token")
}

func TestFiveFailedLoginsLockTheEmail(t *testing.T) {
	s := newServer(t)
	s.addOperator(t, "ann@example.com", storage.RoleOperator)
	wrong, right := `{"email":"ann@example.com","password":"wrong-password"}`, `{"email":"Ann@Example.com","password":"password-ann@example.com"}`
	for i := 1; i <= 4; i++ {
		status, raw := s.do(t, http.MethodPost, "/api/v1/auth/login", "", wrong)
		wantError(t, status, raw, http.StatusUnauthorized, "wrong email or password")
	}
	for _, body := range []string{wrong, right} {
		res, raw := s.sendWith(t, http.MethodPost, "/api/v1/auth/login", body, nil)
		wantError(t, res.StatusCode, raw, http.StatusTooManyRequests, "too many failed logins; try again in 15 minutes")
		if after, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || after < 14*60 || after > 15*60 {
			t.Fatalf("Retry-After = %q, want about 900 seconds", res.Header.Get("Retry-After"))
		}
		if len(res.Cookies()) != 0 {
			t.Fatalf("a refused login set cookies %v", res.Cookies())
		}
	}
}

func TestSuccessfulLoginClearsTheFailedLogins(t *testing.T) {
	s := newServer(t)
	s.addOperator(t, "ann@example.com", storage.RoleOperator)
	for range 2 {
		for range 4 {
			status, raw := s.do(t, http.MethodPost, "/api/v1/auth/login", "", `{"email":"ann@example.com","password":"wrong-password"}`)
			wantError(t, status, raw, http.StatusUnauthorized, "wrong email or password")
		}
		s.consoleLogin(t, "ann@example.com", "password-ann@example.com")
	}
}
