package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
)

func TestLogin(t *testing.T) {
	s := newServer(t)
	s.addOperator(t, "ann@example.com", storage.RoleSupervisor)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantError  string
	}{
		{"right password", `{"email":"ann@example.com","password":"password-ann@example.com"}`, http.StatusOK, ""},
		{"wrong password", `{"email":"ann@example.com","password":"nope"}`, http.StatusUnauthorized, "wrong email or password"},
		{"unknown email", `{"email":"bob@example.com","password":"password-ann@example.com"}`, http.StatusUnauthorized, "wrong email or password"},
		{"malformed JSON", `{"email":`, http.StatusBadRequest, "malformed JSON"},
		{"email of the wrong type", `{"email":1,"password":"x"}`, http.StatusBadRequest, `"email"`},
		{"missing password", `{"email":"ann@example.com"}`, http.StatusBadRequest, `missing "password"`},
		{"missing both", `{}`, http.StatusBadRequest, `missing "email" and "password"`},
		{"empty body", ``, http.StatusBadRequest, "empty"},
		{"email longer than any operator's", `{"email":"` + strings.Repeat("é", 300) + `@example.com","password":"x"}`, http.StatusBadRequest, `"email" is 312 characters`},
		{"body over 1 MB", `{"email":"` + strings.Repeat("a", 1<<20) + `"}`, http.StatusRequestEntityTooLarge, "1 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := s.do(t, http.MethodPost, "/api/v1/auth/login", "", tt.body)
			if tt.wantError != "" {
				wantError(t, status, raw, tt.wantStatus, tt.wantError)
				return
			}
			var got struct {
				Token    string `json:"token"`
				Operator struct {
					ID     uint64 `json:"id"`
					Email  string `json:"email"`
					Role   string `json:"role"`
					Active bool   `json:"active"`
				} `json:"operator"`
			}
			s.mustDo(t, http.MethodPost, "/api/v1/auth/login", "", tt.body, tt.wantStatus, &got)
			if got.Token == "" || got.Operator.Email != "ann@example.com" || got.Operator.Role != storage.RoleSupervisor || !got.Operator.Active {
				t.Fatalf("login answered %+v", got)
			}
			if strings.Contains(string(raw), "password") {
				t.Fatalf("login response mentions the password: %s", raw)
			}
		})
	}
}

func TestRequestsWithoutAValidTokenGet401(t *testing.T) {
	s := newServer(t)
	_, loggedOut := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	s.mustDo(t, http.MethodPost, "/api/v1/auth/logout", loggedOut, "", http.StatusNoContent, nil)
	gone, goneToken := s.addOperator(t, "gone@example.com", storage.RoleOperator)
	if err := s.store.Exec(t.Context(), "UPDATE operators SET active = ? WHERE id = ?", false, gone.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header string
	}{
		{"no Authorization header", ""},
		{"another scheme", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
		{"bearer without token", "Bearer "},
		{"unknown token", "Bearer not-a-token"},
		{"logged-out token", "Bearer " + loggedOut},
		{"deactivated operator", "Bearer " + goneToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url+"/api/v1/me", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("GET /me = %d %s, want 401 JSON", res.StatusCode, res.Header.Get("Content-Type"))
			}
		})
	}
}

func TestMeAnswersTheCallingOperator(t *testing.T) {
	s := newServer(t)
	op, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	var me struct {
		ID    uint64 `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/me", token, "", http.StatusOK, &me)
	if me.ID != op.ID || me.Email != "ann@example.com" || me.Name != "ann" {
		t.Fatalf("GET /me = %+v, want operator %d", me, op.ID)
	}
}

func TestUnknownAPIPathsAnswerJSON(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	tests := []struct {
		name, method, path string
		wantStatus         int
	}{
		{"unknown path", http.MethodGet, "/api/v1/nothing-here", http.StatusNotFound},
		{"wrong method", http.MethodGet, "/api/v1/auth/login", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := s.do(t, tt.method, tt.path, token, "")
			wantError(t, status, raw, tt.wantStatus, tt.method+" "+tt.path)
		})
	}
}
