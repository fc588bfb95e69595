package api_test

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// storeTicket stores a conversation of its own customer in state, handed
// over, begun and last written at `at`, as many as a test needs quickly.
func (s *server) storeTicket(t *testing.T, external, state string, at time.Time) storage.Conversation {
	t.Helper()
	id, cust, err := s.store.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram", ExternalID: external, Address: external, Name: external})
	if err != nil {
		t.Fatal(err)
	}
	c := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram", State: state,
		HandedOverAt: &at, LastMessageAt: at, CreatedAt: at}
	if state == storage.StateResolved {
		c.ResolvedAt = &at
	}
	if err := s.store.CreateConversation(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// pageJSON is any list's page: the ids under key, and next_cursor.
type pageJSON struct {
	Conversations []struct{ ID uint64 } `json:"conversations"`
	Callbacks     []struct{ ID uint64 } `json:"callbacks"`
	FollowUps     []struct{ ID uint64 } `json:"followups"`
	NextCursor    *string               `json:"next_cursor"`
}

// walk reads list path page by page, limit rows at a time, following
// next_cursor to the end, and returns the ids in the order given.
func (s *server) walk(t *testing.T, token, path string, limit int) []uint64 {
	t.Helper()
	var all []uint64
	cursor := ""
	for range 1000 {
		u, err := url.Parse(path)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("limit", fmt.Sprint(limit))
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		u.RawQuery = q.Encode()
		var p pageJSON
		s.mustDo(t, http.MethodGet, u.String(), token, "", http.StatusOK, &p)
		if p.NextCursor == nil {
			t.Fatalf("%s: no next_cursor in the answer", u)
		}
		n := len(all)
		for _, rows := range [][]struct{ ID uint64 }{p.Conversations, p.Callbacks, p.FollowUps} {
			for _, r := range rows {
				all = append(all, r.ID)
			}
		}
		if len(all)-n > limit {
			t.Fatalf("%s: a page of %d rows", u, len(all)-n)
		}
		if *p.NextCursor == "" {
			return all
		}
		cursor = *p.NextCursor
	}
	t.Fatalf("%s: no last page after 1000", path)
	return nil
}

func TestListsPageThroughEveryRowOnceInOrder(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := func(n int) time.Time { return start.Add(time.Duration(n) * time.Minute) }
	// Times tie, and ids do not follow them.
	times := []time.Time{m(3), m(1), m(1), m(5), m(1), m(3), m(0)}
	var waiting, resolved, history, followUps, callbacks []uint64
	at, atFollowUp, atCallback := map[uint64]time.Time{}, map[uint64]time.Time{}, map[uint64]time.Time{}
	for i, when := range times {
		w := s.storeTicket(t, fmt.Sprintf("w%d", i), storage.StateWaiting, when)
		r := s.storeTicket(t, fmt.Sprintf("r%d", i), storage.StateResolved, when)
		h := s.storeTicket(t, "regular", storage.StateResolved, when)
		f, _, err := s.store.OpenFollowUp(t.Context(), storage.FollowUp{ConversationID: r.ID, CustomerID: r.CustomerID, Kind: storage.FollowUpComplaint})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.store.Exec(t.Context(), "UPDATE follow_ups SET created_at = ? WHERE id = ?", when, f.ID); err != nil {
			t.Fatal(err)
		}
		cb := storage.Callback{CustomerID: r.CustomerID, Phone: "+447911123456", RequestedAt: when, DueAt: when, MaxAttempts: 1}
		if err := s.store.CreateCallback(t.Context(), &cb); err != nil {
			t.Fatal(err)
		}
		waiting, resolved, history = append(waiting, w.ID), append(resolved, r.ID), append(history, h.ID)
		followUps, callbacks = append(followUps, f.ID), append(callbacks, cb.ID)
		// Follow-ups and callbacks are numbered apart from conversations.
		at[w.ID], at[r.ID], at[h.ID] = when, when, when
		atFollowUp[f.ID], atCallback[cb.ID] = when, when
	}
	order := func(ids []uint64, asc bool, at map[uint64]time.Time) []uint64 {
		out := slices.Clone(ids)
		slices.SortFunc(out, func(a, b uint64) int {
			c := at[a].Compare(at[b])
			if c == 0 {
				c = cmp.Compare(a, b)
			}
			if !asc {
				c = -c
			}
			return c
		})
		return out
	}
	customer := s.storeTicket(t, "regular", storage.StateOpen, m(9)) // a later ticket of the same customer
	for _, tc := range []struct {
		path string
		want []uint64
	}{
		{"/api/v1/conversations?status=waiting", order(waiting, true, at)},
		{"/api/v1/conversations?status=resolved", order(append(slices.Clone(resolved), history...), false, at)},
		{fmt.Sprintf("/api/v1/customers/%d/history", customer.CustomerID), append(order(history, true, at), customer.ID)},
		{"/api/v1/followups?state=open", order(followUps, true, atFollowUp)},
		{"/api/v1/followups", order(followUps, false, atFollowUp)},
		{"/api/v1/callbacks?status=scheduled", order(callbacks, true, atCallback)},
	} {
		for _, limit := range []int{2, 500} {
			if got := s.walk(t, token, tc.path, limit); !slices.Equal(got, tc.want) {
				t.Errorf("%s by %d: %v, want %v", tc.path, limit, got, tc.want)
			}
		}
	}
}

func TestListsHaveNoCapAcrossPages(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var want []uint64
	for i := range 510 {
		want = append(want, s.storeTicket(t, fmt.Sprintf("q%d", i), storage.StateWaiting, start.Add(time.Duration(i)*time.Second)).ID)
	}
	if got := s.walk(t, token, "/api/v1/conversations?status=waiting", 500); !slices.Equal(got, want) {
		t.Fatalf("walked %d conversations, want all %d in queue order", len(got), len(want))
	}
	var first pageJSON
	s.mustDo(t, http.MethodGet, "/api/v1/conversations?status=waiting", token, "", http.StatusOK, &first)
	if len(first.Conversations) != 100 || first.NextCursor == nil || *first.NextCursor == "" {
		t.Fatalf("without a limit: %d rows, next %v; want the default 100 and a cursor", len(first.Conversations), first.NextCursor)
	}
}

func TestBadLimitOrCursorIsA400NamingIt(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "boss@example.com", storage.RoleSupervisor)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := s.storeTicket(t, "a", storage.StateWaiting, start)
	s.storeTicket(t, "b", storage.StateWaiting, start)
	var p pageJSON
	s.mustDo(t, http.MethodGet, "/api/v1/conversations?status=waiting&limit=1", token, "", http.StatusOK, &p)
	queueCursor := url.QueryEscape(*p.NextCursor)
	lists := []string{"/api/v1/conversations?status=waiting", "/api/v1/conversations?status=open", "/api/v1/callbacks?status=scheduled",
		"/api/v1/callbacks", "/api/v1/followups", fmt.Sprintf("/api/v1/customers/%d/history", c.CustomerID)}
	for _, list := range lists {
		sep := "?"
		if slices.Contains([]byte(list), '?') {
			sep = "&"
		}
		for _, tc := range []struct{ query, want string }{
			{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=many", "limit"},
			{"cursor=nonsense", "cursor"}, {"cursor=" + queueCursor, "cursor"},
		} {
			if list == lists[0] && tc.query == "cursor="+queueCursor {
				continue // the queue's own cursor is good there
			}
			status, raw := s.do(t, http.MethodGet, list+sep+tc.query, token, "")
			if status != http.StatusBadRequest {
				t.Errorf("%s%s%s: %d %s, want 400", list, sep, tc.query, status, raw)
				continue
			}
			wantError(t, status, raw, http.StatusBadRequest, tc.want)
		}
	}
}
