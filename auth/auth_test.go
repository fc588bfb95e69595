package auth_test

import (
	"errors"
	"os"
	"regexp"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestMain(m *testing.M) {
	auth.Cost = bcrypt.MinCost
	os.Exit(m.Run())
}

func createOperator(t *testing.T, store *storage.Storage, email, password string, active bool) storage.Operator {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	op := storage.Operator{Email: email, Name: email, PasswordHash: hash, Role: storage.RoleOperator, Active: true}
	if err := store.CreateOperator(t.Context(), &op); err != nil {
		t.Fatal(err)
	}
	if !active {
		if err := store.Exec(t.Context(), "UPDATE operators SET active = ? WHERE id = ?", false, op.ID); err != nil {
			t.Fatal(err)
		}
	}
	return op
}

func TestHashPasswordRejectsTooShortOrTooLong(t *testing.T) {
	tests := []struct {
		name     string
		password string
		wantErr  bool
	}{
		{"eight bytes", "12345678", false},
		{"seven bytes", "1234567", true},
		{"seventy-two bytes", string(make([]byte, 72)), false},
		{"seventy-three bytes", string(make([]byte, 73)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash, err := auth.HashPassword(tt.password)
			if gotErr := errors.Is(err, auth.ErrWeakPassword); gotErr != tt.wantErr {
				t.Fatalf("HashPassword error = %v, want weak-password error: %v", err, tt.wantErr)
			}
			if !tt.wantErr && !auth.CheckPassword(hash, tt.password) {
				t.Fatal("CheckPassword rejects the password it hashed")
			}
		})
	}
}

func TestCheckPasswordRejectsOtherPassword(t *testing.T) {
	hash, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if auth.CheckPassword(hash, "correct hors") {
		t.Fatal("a different password matched")
	}
}

func TestNewTokenIsRandomBase64URL(t *testing.T) {
	a, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := auth.NewToken()
	if a == b {
		t.Fatal("two tokens are equal")
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(a) {
		t.Fatalf("token %q is not 32 bytes of unpadded base64url", a)
	}
	if h := auth.HashToken(a); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) || h != auth.HashToken(a) {
		t.Fatalf("HashToken = %q, want a stable sha256 hex", h)
	}
}

func TestLogin(t *testing.T) {
	store := storagetest.Open(t)
	createOperator(t, store, "ann@example.com", "ann-password", true)
	createOperator(t, store, "gone@example.com", "gone-password", false)
	tests := []struct {
		name     string
		email    string
		password string
		wantErr  error
	}{
		{"right password", "ann@example.com", "ann-password", nil},
		{"email in other case and spaces", "  ANN@Example.com ", "ann-password", nil},
		{"wrong password", "ann@example.com", "ann-passwore", auth.ErrBadCredentials},
		{"unknown email", "bob@example.com", "ann-password", auth.ErrBadCredentials},
		{"deactivated operator", "gone@example.com", "gone-password", auth.ErrBadCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, op, err := auth.Login(t.Context(), store, tt.email, tt.password, time.Hour)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Login error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			got, err := auth.Authenticate(t.Context(), store, token)
			if err != nil || got.ID != op.ID {
				t.Fatalf("Authenticate(new token) = %d, %v; want operator %d", got.ID, err, op.ID)
			}
		})
	}
}

func TestAuthenticateRejectsExpiredUnknownAndLoggedOutTokens(t *testing.T) {
	store := storagetest.Open(t)
	createOperator(t, store, "ann@example.com", "ann-password", true)
	expired, _, err := auth.Login(t.Context(), store, "ann@example.com", "ann-password", -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	loggedOut, _, err := auth.Login(t.Context(), store, "ann@example.com", "ann-password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.Logout(t.Context(), store, loggedOut); err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"expired": expired, "logged out": loggedOut, "unknown": "nope", "empty": ""} {
		if _, err := auth.Authenticate(t.Context(), store, token); !errors.Is(err, auth.ErrBadToken) {
			t.Errorf("%s token: Authenticate error = %v, want ErrBadToken", name, err)
		}
	}
}

func TestEnsureAdminCreatesOneSupervisorOnce(t *testing.T) {
	store := storagetest.Open(t)
	generated, err := auth.EnsureAdmin(t.Context(), store, "admin@localhost", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) < 16 {
		t.Fatalf("generated password %q is shorter than 16 characters", generated)
	}
	again, err := auth.EnsureAdmin(t.Context(), store, "other@localhost", "")
	if err != nil || again != "" {
		t.Fatalf("second EnsureAdmin = %q, %v; want nothing done", again, err)
	}
	ops, err := store.ListOperators(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 || ops[0].Email != "admin@localhost" || ops[0].Role != storage.RoleSupervisor || ops[0].Name != auth.AdminName || !ops[0].Active {
		t.Fatalf("operators = %+v, want one active supervisor admin@localhost", ops)
	}
	if _, _, err := auth.Login(t.Context(), store, "admin@localhost", generated, time.Hour); err != nil {
		t.Fatalf("log in with the generated password: %v", err)
	}
}

func TestEnsureAdminUsesGivenPassword(t *testing.T) {
	store := storagetest.Open(t)
	generated, err := auth.EnsureAdmin(t.Context(), store, "boss@example.com", "given-password")
	if err != nil || generated != "" {
		t.Fatalf("EnsureAdmin = %q, %v; want no generated password", generated, err)
	}
	if _, _, err := auth.Login(t.Context(), store, "boss@example.com", "given-password", time.Hour); err != nil {
		t.Fatalf("log in with the given password: %v", err)
	}
}
