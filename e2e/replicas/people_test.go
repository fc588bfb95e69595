package replicas_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// telegramCustomers has n Telegram users (ids from firstUser on) write
// /start, spread over procs, and returns their customer ids in order.
func telegramCustomers(t *testing.T, procs []*process, db *pgx.Conn, firstUser int64, n int) []uint64 {
	t.Helper()
	for i := range n {
		user := faketelegram.User{ID: firstUser + int64(i), FirstName: fmt.Sprintf("Customer%d", i), LanguageCode: "en"}
		if code := procs[i%len(procs)].update(faketelegram.CommandUpdate(int(firstUser)+i, user, "start", "")); code != http.StatusOK {
			t.Fatalf("webhook answered %d to %s", code, user.FirstName)
		}
	}
	ids := make([]uint64, n)
	for i := range n {
		ext := strconv.FormatInt(firstUser+int64(i), 10)
		if err := db.QueryRow(t.Context(), `SELECT customer_id FROM identities WHERE channel = 'telegram' AND external_id = $1`,
			ext).Scan(&ids[i]); err != nil {
			t.Fatalf("customer of Telegram user %s: %v", ext, err)
		}
	}
	return ids
}

// callbackOperators adds n operators with callback phones through p's API
// and brings them online with an event stream to p each; it returns their
// phones.
func callbackOperators(t *testing.T, p *process, boss string, n int) []string {
	t.Helper()
	phones := make([]string, n)
	for i := range phones {
		name := fmt.Sprintf("op%d", i)
		phones[i] = fmt.Sprintf("+4479111234%02d", i)
		body := map[string]any{"email": name + "@example.com", "name": name, "password": name + "-password-1", "phone": phones[i]}
		if code := p.call(http.MethodPost, "/api/v1/operators", boss, body, nil); code != http.StatusCreated {
			t.Fatalf("add %s: status %d", name, code)
		}
		p.openStream(p.login(name+"@example.com", name+"-password-1"))
	}
	for i := range phones {
		waitPresence(t, p, boss, fmt.Sprintf("op%d", i), "online")
	}
	return phones
}

// bookCallback books a callback through p's API for customer at phone,
// due at due (zero: as soon as possible), and returns its id.
func bookCallback(t *testing.T, p *process, token string, customer uint64, phone string, due time.Time) uint64 {
	t.Helper()
	body := map[string]any{"customer_id": customer, "phone": phone}
	if !due.IsZero() {
		body["due_at"] = due.UTC().Format(time.RFC3339)
	}
	var cb struct {
		ID uint64 `json:"id"`
	}
	if code := p.call(http.MethodPost, "/api/v1/callbacks", token, body, &cb); code != http.StatusCreated || cb.ID == 0 {
		t.Fatalf("book a callback for customer %d: status %d", customer, code)
	}
	return cb.ID
}
