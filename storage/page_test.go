package storage_test

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/paging"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// pageFunc fetches the page after cursor and returns its ids and the next
// cursor.
type pageFunc func(cursor string) ([]uint64, string, error)

// walkPages follows next cursors from the first page to the last and
// returns every id in the order given, failing on a page over limit rows,
// an empty page before the end, or a page that does not end the walk
// when it should.
func walkPages(t *testing.T, limit int, fetch pageFunc) []uint64 {
	t.Helper()
	var all []uint64
	cursor := ""
	for range 1000 {
		ids, next, err := fetch(cursor)
		if err != nil {
			t.Fatalf("page after %q: %v", cursor, err)
		}
		if len(ids) > limit {
			t.Fatalf("page of %d rows, limit %d", len(ids), limit)
		}
		if next != "" && len(ids) == 0 {
			t.Fatalf("empty page with a next cursor")
		}
		all = append(all, ids...)
		if next == "" {
			return all
		}
		cursor = next
	}
	t.Fatal("no last page after 1000 pages")
	return nil
}

// convIDs are the ids of convs.
func convIDs(convs []storage.Conversation) []uint64 {
	out := make([]uint64, len(convs))
	for i, c := range convs {
		out[i] = c.ID
	}
	return out
}

// ticketAt stores a conversation of customer external in state, handed
// over, created and last written at `at`.
func ticketAt(t *testing.T, s *storage.Storage, external, state string, at time.Time) storage.Conversation {
	t.Helper()
	id, cust, err := s.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram", ExternalID: external, Address: external})
	if err != nil {
		t.Fatal(err)
	}
	c := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram", State: state,
		HandedOverAt: &at, LastMessageAt: at, CreatedAt: at}
	if state == storage.StateResolved {
		// Resolved at `at`, with last messages in the opposite order
		// (mirrored around a day before): the list goes by when each
		// was resolved, not by its last message.
		mirror := at.Add(-24 * time.Hour)
		c.ResolvedAt, c.LastMessageAt = &at, mirror.Add(-at.Sub(mirror))
	}
	if err := s.CreateConversation(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// tiedTimes are the times of seven rows, several equal, out of id order:
// the order of a list must then come from its tie-breaker.
func tiedTimes(start time.Time) []time.Time {
	m := func(n int) time.Time { return start.Add(time.Duration(n) * time.Minute) }
	return []time.Time{m(3), m(1), m(1), m(5), m(1), m(3), m(0)}
}

// byTimeThenID sorts ids by their time, then id, ascending or not.
func byTimeThenID(ids []uint64, at map[uint64]time.Time, asc bool) []uint64 {
	out := slices.Clone(ids)
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !at[a].Equal(at[b]) {
			return at[a].Before(at[b]) == asc
		}
		return (a < b) == asc
	})
	return out
}

func TestConversationPagesWalkEveryRowOnceInListOrder(t *testing.T) {
	for _, state := range []string{storage.StateWaiting, storage.StateOpen, storage.StateResolved} {
		t.Run(state, func(t *testing.T) {
			s := storagetest.Open(t)
			start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			at := map[uint64]time.Time{}
			var ids []uint64
			for i, when := range tiedTimes(start) {
				c := ticketAt(t, s, fmt.Sprintf("p%d", i), state, when)
				at[c.ID] = when
				ids = append(ids, c.ID)
			}
			other := storage.StateResolved
			if state == other {
				other = storage.StateOpen
			}
			ticketAt(t, s, "other", other, start) // another state, not listed
			// The queue is oldest first; the others newest first (open
			// by last message, resolved by when they were resolved).
			want := byTimeThenID(ids, at, state == storage.StateWaiting)
			for _, limit := range []int{1, 2, 3, 7, 100} {
				got := walkPages(t, limit, func(cursor string) ([]uint64, string, error) {
					convs, next, err := s.ConversationPage(t.Context(), storage.ConversationFilter{State: state, Limit: limit, Cursor: cursor})
					return convIDs(convs), next, err
				})
				if !slices.Equal(got, want) {
					t.Fatalf("limit %d: pages gave %v, want %v", limit, got, want)
				}
			}
		})
	}
}

func TestHistoryPagesWalkEveryConversationOnceOldestFirst(t *testing.T) {
	s := storagetest.Open(t)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := map[uint64]time.Time{}
	var ids []uint64
	var customer uint64
	for _, when := range tiedTimes(start) {
		c := ticketAt(t, s, "same", storage.StateResolved, when) // one customer
		customer = c.CustomerID
		at[c.ID] = when
		ids = append(ids, c.ID)
	}
	ticketAt(t, s, "someone else", storage.StateResolved, start)
	want := byTimeThenID(ids, at, true)
	got := walkPages(t, 2, func(cursor string) ([]uint64, string, error) {
		convs, next, err := s.CustomerConversations(t.Context(), customer, cursor, 2)
		return convIDs(convs), next, err
	})
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
}

func TestFollowUpPagesWalkEveryRowOnceInListOrder(t *testing.T) {
	s := storagetest.Open(t)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := map[uint64]time.Time{}
	var ids []uint64
	for i, when := range tiedTimes(start) {
		c := ticketAt(t, s, fmt.Sprintf("f%d", i), storage.StateResolved, when)
		f, _, err := s.OpenFollowUp(t.Context(), storage.FollowUp{ConversationID: c.ID, CustomerID: c.CustomerID, Kind: storage.FollowUpComplaint})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(t.Context(), "UPDATE follow_ups SET created_at = ? WHERE id = ?", when, f.ID); err != nil {
			t.Fatal(err)
		}
		at[f.ID] = when
		ids = append(ids, f.ID)
	}
	for _, tc := range []struct {
		state string
		asc   bool
	}{{storage.FollowUpOpen, true}, {"", false}} {
		want := byTimeThenID(ids, at, tc.asc)
		got := walkPages(t, 3, func(cursor string) ([]uint64, string, error) {
			fs, next, err := s.FollowUpPage(t.Context(), storage.FollowUpFilter{State: tc.state, Limit: 3, Cursor: cursor})
			out := make([]uint64, len(fs))
			for i, f := range fs {
				out[i] = f.ID
			}
			return out, next, err
		})
		if !slices.Equal(got, want) {
			t.Fatalf("state %q: pages gave %v, want %v", tc.state, got, want)
		}
	}
}

func TestScheduledCallbackPagesFollowTheDiallingOrder(t *testing.T) {
	s := storagetest.Open(t)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	m := func(n int) time.Time { return start.Add(time.Duration(n) * time.Minute) }
	// Booked ones by due time, as-soon-as-possible ones by request time,
	// two asked to be dialled now; several times equal.
	rows := []struct {
		requested, due time.Time
		dialNow        *time.Time
	}{
		{m(0), m(30), nil}, {m(5), time.Time{}, nil}, {m(1), m(30), nil}, {m(5), time.Time{}, nil},
		{m(2), m(20), ptr(m(9))}, {m(0), time.Time{}, ptr(m(9))}, {m(3), m(20), nil}, {m(4), time.Time{}, nil},
		{m(2), m(40), ptr(m(8))},
	}
	for _, r := range rows {
		due := r.due
		if due.IsZero() {
			due = r.requested
		}
		cb := newCallback(t, s, r.requested, due)
		if err := s.Exec(t.Context(), "UPDATE callbacks SET asap = ? WHERE id = ?", r.due.IsZero(), cb.ID); err != nil {
			t.Fatal(err)
		}
		if r.dialNow != nil {
			if err := s.Exec(t.Context(), "UPDATE callbacks SET dial_now = ?, next_attempt_at = ? WHERE id = ?", true, *r.dialNow, cb.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := walkPages(t, 2, func(cursor string) ([]uint64, string, error) {
		cbs, next, err := s.CallbackPage(t.Context(), storage.CallbackFilter{State: policy.Scheduled, Limit: 2, Cursor: cursor})
		return ids0(cbs), next, err
	})
	// The dialler takes them in the same order.
	claimed := claimIDs(t, s, m(60), "a", 100)
	if !slices.Equal(got, claimed) || len(got) != len(rows) {
		t.Fatalf("pages gave %v, the dialler takes %v", got, claimed)
	}
}

// ids0 are the ids of cbs.
func ids0(cbs []storage.Callback) []uint64 {
	out := make([]uint64, len(cbs))
	for i, cb := range cbs {
		out[i] = cb.ID
	}
	return out
}

func TestOtherCallbackPagesAreNewestChangeFirst(t *testing.T) {
	s := storagetest.Open(t)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := map[uint64]time.Time{}
	var ids []uint64
	for _, when := range tiedTimes(start) {
		cb := newCallback(t, s, start, start)
		if _, err := s.CancelCallback(t.Context(), cb.ID, when); err != nil {
			t.Fatal(err)
		}
		at[cb.ID] = when
		ids = append(ids, cb.ID)
	}
	want := byTimeThenID(ids, at, false)
	got := walkPages(t, 2, func(cursor string) ([]uint64, string, error) {
		cbs, next, err := s.CallbackPage(t.Context(), storage.CallbackFilter{State: policy.Cancelled, Limit: 2, Cursor: cursor})
		return ids0(cbs), next, err
	})
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
}

func TestCursorOfAnotherListOrAlteredIsRefused(t *testing.T) {
	s := storagetest.Open(t)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 3 {
		ticketAt(t, s, fmt.Sprintf("c%d", i), storage.StateWaiting, start)
	}
	_, next, err := s.ConversationPage(t.Context(), storage.ConversationFilter{State: storage.StateWaiting, Limit: 1})
	if err != nil || next == "" {
		t.Fatalf("first page: next %q, %v", next, err)
	}
	for name, f := range map[string]storage.ConversationFilter{
		"another order":   {State: storage.StateOpen, Cursor: next},
		"not base64":      {State: storage.StateWaiting, Cursor: "%%%"},
		"not a cursor":    {State: storage.StateWaiting, Cursor: "aGVsbG8"},
		"cut short":       {State: storage.StateWaiting, Cursor: next[:len(next)/2]},
		"wrong key types": {State: storage.StateWaiting, Cursor: mustEncode(t, "conversations:queue", map[string]string{"t": "x"})},
	} {
		if _, _, err := s.ConversationPage(t.Context(), f); !errors.Is(err, paging.ErrBadCursor) {
			t.Errorf("%s: %v, want ErrBadCursor", name, err)
		}
	}
	if _, _, err := s.CustomerConversations(t.Context(), 1, next, 10); !errors.Is(err, paging.ErrBadCursor) {
		t.Errorf("queue cursor on a history: %v, want ErrBadCursor", err)
	}
}

func mustEncode(t *testing.T, list string, key any) string {
	t.Helper()
	c, err := paging.Encode(list, key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRowsChangingStateBetweenPagesAreNeitherRepeatedNorFatal(t *testing.T) {
	s := storagetest.Open(t)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var queue []storage.Conversation
	for i := range 6 {
		queue = append(queue, ticketAt(t, s, fmt.Sprintf("q%d", i), storage.StateWaiting, start.Add(time.Duration(i)*time.Minute)))
	}
	first, next, err := s.ConversationPage(t.Context(), storage.ConversationFilter{State: storage.StateWaiting, Limit: 2})
	if err != nil || next == "" || !slices.Equal(convIDs(first), convIDs(queue[:2])) {
		t.Fatalf("first page %v next %q: %v", convIDs(first), next, err)
	}
	// The last row of the first page and the first of the second are
	// claimed meanwhile.
	for _, c := range []storage.Conversation{queue[1], queue[2]} {
		c.State = storage.StateOpen
		if err := s.SaveConversation(t.Context(), &c); err != nil {
			t.Fatal(err)
		}
	}
	var rest []uint64
	for next != "" {
		var page []storage.Conversation
		page, next, err = s.ConversationPage(t.Context(), storage.ConversationFilter{State: storage.StateWaiting, Limit: 2, Cursor: next})
		if err != nil {
			t.Fatal(err)
		}
		rest = append(rest, convIDs(page)...)
	}
	if want := convIDs(queue[3:]); !slices.Equal(rest, want) {
		t.Fatalf("later pages gave %v, want %v", rest, want)
	}
}
