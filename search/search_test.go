package search_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/paging"
	"github.com/switchboardhq/switchboard/search"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// world writes customers, conversations and messages as the engine does,
// through storage, so the indexes are kept by the same writes.
type world struct {
	t     *testing.T
	store *storage.Storage
	now   time.Time
	n     int
}

func newWorld(t *testing.T) *world {
	return &world{t: t, store: storagetest.Open(t), now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
}

// conversation creates a customer (by a Telegram identity of its own) and
// a conversation with them whose messages are texts, each a minute after
// the last; every new conversation's last message is later than the one
// before.
func (w *world) conversation(name, username, phone string, texts ...string) storage.Conversation {
	w.t.Helper()
	ctx := w.t.Context()
	w.n++
	var conv storage.Conversation
	var customerID uint64
	err := w.store.Batch(ctx, func(tx *storage.Storage) error {
		ident, cust, err := tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram",
			ExternalID: fmt.Sprint(1000 + w.n), Address: fmt.Sprint(1000 + w.n), Name: name, Username: username})
		if err != nil {
			return err
		}
		customerID = cust.ID
		w.now = w.now.Add(time.Hour)
		conv = storage.Conversation{CustomerID: cust.ID, IdentityID: ident.ID, Channel: "telegram",
			State: storage.StateWaiting, CreatedAt: w.now, LastMessageAt: w.now}
		if err := tx.CreateConversation(ctx, &conv); err != nil {
			return err
		}
		for i, text := range texts {
			m := storage.Message{ConversationID: conv.ID, Direction: storage.Inbound, Author: "customer",
				Kind: "text", Text: text, Channel: "telegram", CreatedAt: w.now.Add(time.Duration(i) * time.Minute)}
			if err := tx.InsertMessage(ctx, &m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatalf("create conversation: %v", err)
	}
	if phone != "" {
		if err := w.store.SetCustomerPhone(ctx, customerID, phone); err != nil {
			w.t.Fatalf("set phone: %v", err)
		}
	}
	return conv
}

func (w *world) search(q string, limit int, cursor string) search.Page {
	w.t.Helper()
	page, err := search.New(w.store, "GB").Search(w.t.Context(), q, limit, cursor)
	if err != nil {
		w.t.Fatalf("search %q: %v", q, err)
	}
	return page
}

func ids(rs []search.Result) []uint64 {
	out := make([]uint64, len(rs))
	for i, r := range rs {
		out[i] = r.ConversationID
	}
	return out
}

func marked(segs []search.Segment) (text string, marks []string) {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Text)
		if s.Match {
			marks = append(marks, s.Text)
		}
	}
	return b.String(), marks
}

func TestSearchFindsConversations(t *testing.T) { testFinds(t) }

func TestSearchFindsConversationsWalking(t *testing.T) {
	search.WalkFromFirstMatch(t)
	testFinds(t)
}

func testFinds(t *testing.T) {
	w := newWorld(t)
	ivan := w.conversation("Иван Петров", "ivan_p", "+447700900123", "Здравствуйте, где моя посылка?")
	alice := w.conversation("Alice Smith", "alice", "+12025550143", "My parcel is late", "Order 555 please")
	bob := w.conversation("Bob", "", "", "Hello there")

	tests := []struct {
		q       string
		first   uint64
		matched string
		mark    string
	}{
		{"SB-" + fmt.Sprintf("%06d", ivan.ID), ivan.ID, search.MatchedTicket, ivan.Ticket()},
		{fmt.Sprintf("%06d", alice.ID), alice.ID, search.MatchedTicket, alice.Ticket()},
		{fmt.Sprint(bob.ID), bob.ID, search.MatchedTicket, bob.Ticket()},
		{"+44 7700 900123", ivan.ID, search.MatchedPhone, "+447700900123"},
		{"07700-900-123", ivan.ID, search.MatchedPhone, "+447700900123"},
		{"447700900123", ivan.ID, search.MatchedPhone, "+447700900123"},
		{"(202) 555-0143", alice.ID, search.MatchedPhone, "+12025550143"},
		{"петров", ivan.ID, search.MatchedName, "Петров"},
		{"ИВАН", ivan.ID, search.MatchedName, "Иван"},
		{"smi", alice.ID, search.MatchedName, "Smith"},
		{"@alice", alice.ID, search.MatchedUsername, "@alice"},
		{"@ivan_p", ivan.ID, search.MatchedUsername, "@ivan_p"},
		{"посыл", ivan.ID, search.MatchedText, "посылка"},
		{"Где ПОСЫЛ", ivan.ID, search.MatchedText, "где"},
		{"parc", alice.ID, search.MatchedText, "parcel"},
		{"hell", bob.ID, search.MatchedText, "Hello"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			page := w.search(tt.q, 20, "")
			if len(page.Results) == 0 {
				t.Fatalf("search %q found nothing", tt.q)
			}
			r := page.Results[0]
			if r.ConversationID != tt.first || r.Matched != tt.matched {
				t.Fatalf("search %q: first is %d (%s), want %d (%s); all %v", tt.q, r.ConversationID, r.Matched, tt.first, tt.matched, ids(page.Results))
			}
			if r.Ticket != storage.FormatTicket(tt.first) || r.State != storage.StateWaiting || r.Customer.ID == 0 {
				t.Errorf("result lacks ticket, state or customer: %+v", r)
			}
			_, marks := marked(r.Snippet)
			if len(marks) == 0 || !strings.EqualFold(marks[0], tt.mark) {
				t.Errorf("search %q: snippet %+v marks %q, want %q first", tt.q, r.Snippet, marks, tt.mark)
			}
		})
	}
}

func TestSearchFindsNothingForOtherWords(t *testing.T) {
	w := newWorld(t)
	w.conversation("Иван", "", "", "посылка пришла")
	for _, q := range []string{"ылка", "parcel", "@nobody", "+44 7700 900999"} {
		if page := w.search(q, 20, ""); len(page.Results) != 0 {
			t.Errorf("search %q found %v, want nothing", q, ids(page.Results))
		}
	}
}

func TestSearchKeepsHostileTextAsText(t *testing.T) {
	w := newWorld(t)
	w.conversation("<b>Mallory</b>", "", "", `payload <script>alert("x")</script> <img src=x onerror=alert(1)>`)
	page := w.search("payload", 20, "")
	if len(page.Results) != 1 {
		t.Fatalf("found %d, want 1", len(page.Results))
	}
	text, marks := marked(page.Results[0].Snippet)
	if !strings.Contains(text, `<script>alert("x")</script>`) || !strings.Contains(text, "<img src=x onerror=alert(1)>") {
		t.Errorf("snippet %q lost the customer's text", text)
	}
	if len(marks) != 1 || marks[0] != "payload" {
		t.Errorf("marks %q, want [payload]", marks)
	}
}

func TestSearchOrdersExactMatchesFirstThenNewest(t *testing.T) {
	w := newWorld(t)
	older := w.conversation("Ann", "", "", "ticket 3 please")
	newer := w.conversation("Ben", "", "", "about 3 items")
	three := storage.FormatTicket(3)
	// Conversation 3 exists once there are three.
	for older.ID < 3 && newer.ID < 3 {
		newer = w.conversation("Cid", "", "", "nothing to see")
	}
	page := w.search("3", 20, "")
	if len(page.Results) < 3 || page.Results[0].Ticket != three {
		t.Fatalf("search 3: %v, want %s first", ids(page.Results), three)
	}
	rest := ids(page.Results[1:])
	for i := 1; i < len(rest); i++ {
		if rest[i] > rest[i-1] {
			t.Errorf("text matches %v not newest first", rest)
		}
	}
}

func TestSearchPagesWithoutGapsOrRepeats(t *testing.T) { testPages(t) }

func TestSearchPagesWithoutGapsOrRepeatsWalking(t *testing.T) {
	search.WalkFromFirstMatch(t)
	testPages(t)
}

func testPages(t *testing.T) {
	w := newWorld(t)
	want := map[uint64]bool{}
	for i := range 22 {
		c := w.conversation(fmt.Sprintf("Customer %d", i), "", "", fmt.Sprintf("посылка номер %d", i))
		want[c.ID] = true
		if i == 11 {
			// Found by name first, and by words too: once, among the names.
			c = w.conversation("Посылкин", "", "", "где посылка")
			want[c.ID] = true
		}
	}
	w.conversation("Other", "", "", "nothing here")
	seen := map[uint64]bool{}
	cursor, pages := "", 0
	var order []uint64
	for {
		page := w.search("посылк", 5, cursor)
		pages++
		for _, r := range page.Results {
			if seen[r.ConversationID] {
				t.Fatalf("conversation %d on two pages", r.ConversationID)
			}
			seen[r.ConversationID] = true
			order = append(order, r.ConversationID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if pages != 5 || len(seen) != len(want) {
		t.Fatalf("%d pages, %d found; want 5 pages, %d", pages, len(seen), len(want))
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("conversation %d missed", id)
		}
	}
	first := w.search("посылк", 1, "").Results[0]
	if first.Matched != search.MatchedName || first.Customer.Name != "Посылкин" {
		t.Fatalf("first result %+v, want the name match", first)
	}
	for i := 2; i < len(order); i++ {
		if order[i] > order[i-1] {
			t.Fatalf("not newest first after the name match: %v", order)
		}
	}
}

func TestSearchFollowsRewrittenText(t *testing.T) {
	w := newWorld(t)
	c := w.conversation("Eve", "", "", "секретный адрес")
	if len(w.search("секрет", 20, "").Results) != 1 {
		t.Fatal("text not found before the rewrite")
	}
	if err := w.store.Exec(context.Background(), "UPDATE messages SET text = ? WHERE conversation_id = ?", "[erased]", c.ID); err != nil {
		t.Fatal(err)
	}
	if page := w.search("секрет", 20, ""); len(page.Results) != 0 {
		t.Errorf("erased text still found: %v", ids(page.Results))
	}
	if page := w.search("erased", 20, ""); len(page.Results) != 1 {
		t.Errorf("new text not found: %v", ids(page.Results))
	}
}

func TestSearchRefusesBadInput(t *testing.T) {
	// A cursor another list handed out does not continue a search.
	otherList, err := paging.Encode("conversations:queue", map[string]any{"t": time.Now(), "i": 1})
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	s := search.New(w.store, "")
	for _, tt := range []struct {
		q, cursor string
		want      error
	}{
		{"  ", "", search.ErrEmptyQuery},
		{strings.Repeat("a", search.MaxQueryLength+1), "", search.ErrQueryTooLong},
		{"a", "!!", search.ErrBadCursor},
		{"a", "bm9wZQ", search.ErrBadCursor},
		{"a", otherList, search.ErrBadCursor},
	} {
		if _, err := s.Search(t.Context(), tt.q, 20, tt.cursor); !errors.Is(err, tt.want) {
			t.Errorf("Search(%q, cursor %q) = %v, want %v", tt.q, tt.cursor, err, tt.want)
		}
	}
}

func TestMigrationIndexesExistingMessages(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	w.conversation("Олег", "", "", "старое сообщение")
	drop := []string{"DROP INDEX idx_message_search", "DROP INDEX idx_customer_search"}
	if w.store.Dialect() == storage.SQLite {
		drop = []string{"DROP TABLE message_search", "DROP TABLE customer_search",
			"DROP TRIGGER message_search_insert", "DROP TRIGGER customer_search_insert"}
	}
	for _, stmt := range append(drop, "DELETE FROM schema_migrations WHERE version = 14") {
		if err := w.store.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	w.conversation("Пётр", "", "", "новое без индекса")
	if n, err := w.store.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("migrate: %d applied, %v", n, err)
	}
	for _, q := range []string{"стар", "нов", "олег", "пётр"} {
		if page := w.search(q, 20, ""); len(page.Results) != 1 {
			t.Errorf("search %q after migration found %v, want 1", q, ids(page.Results))
		}
	}
	w.conversation("Анна", "", "", "после миграции")
	if page := w.search("миграц", 20, ""); len(page.Results) != 1 {
		t.Errorf("new message after migration not found: %v", ids(page.Results))
	}
}

func TestSearchSkipsTheBotsWordsButNotOperators(t *testing.T) {
	w := newWorld(t)
	c := w.conversation("Зоя", "", "", "добрый день")
	for _, m := range []storage.Message{
		{Author: storage.AuthorBot, Direction: storage.Outbound, Kind: "text", Text: "Номер вашего обращения SB-000001"},
		{Author: storage.AuthorOperator, Direction: storage.Internal, Kind: storage.KindNote, Text: "клиентка просила перезвонить"},
	} {
		m.ConversationID, m.CreatedAt = c.ID, time.Now().UTC()
		if err := w.store.InsertMessage(t.Context(), &m); err != nil {
			t.Fatal(err)
		}
	}
	if page := w.search("обращения", 20, ""); len(page.Results) != 0 {
		t.Errorf("the bot's words found %v", ids(page.Results))
	}
	if page := w.search("перезвон", 20, ""); len(page.Results) != 1 || page.Results[0].ConversationID != c.ID {
		t.Errorf("an operator's note not found: %v", ids(page.Results))
	}
}

// TestMigration19RebuildsTheMessageIndex starts from a database that
// migration 14 indexed before message_search held conversations (SQLite;
// on PostgreSQL migration 19 only makes sure of an index): migration 19
// rebuilds it from the messages there, and the walk finds them.
func TestMigration19RebuildsTheMessageIndex(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	old := w.conversation("Олег", "", "", "старое сообщение")
	if w.store.Dialect() == storage.SQLite {
		for _, stmt := range []string{"DROP TRIGGER message_search_insert", "DROP TRIGGER message_search_update",
			"DROP TRIGGER message_search_delete", "DROP TABLE message_search",
			`CREATE VIRTUAL TABLE message_search USING fts5
				(text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`,
			`CREATE TRIGGER message_search_insert AFTER INSERT ON messages
			WHEN new.author IN ('customer', 'operator') BEGIN
				INSERT INTO message_search (rowid, text) VALUES (new.id, new.text);
			END`,
			`INSERT INTO message_search (rowid, text) SELECT id, text FROM messages WHERE author IN ('customer', 'operator')`,
			"DROP INDEX idx_conversation_last_message",
		} {
			if err := w.store.Exec(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.store.Exec(ctx, "DELETE FROM schema_migrations WHERE version = 19"); err != nil {
		t.Fatal(err)
	}
	before := w.conversation("Пётр", "", "", "старое письмо до миграции")
	if n, err := w.store.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("migrate: %d applied, %v", n, err)
	}
	after := w.conversation("Анна", "", "", "старый адрес после миграции")
	for _, walking := range []bool{false, true} {
		t.Run(fmt.Sprintf("walking=%v", walking), func(t *testing.T) {
			if walking {
				search.WalkFromFirstMatch(t)
			}
			got := ids(w.search("стар", 20, "").Results)
			want := []uint64{after.ID, before.ID, old.ID}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("search after migration 19 found %v, want %v", got, want)
			}
		})
	}
}

// TestSearchPagesThroughManyNameMatches pages through more name matches
// than a page, found by their messages too, after an exact match that
// their words find as well: each conversation once, exact first, then
// names, then texts, newest first within each.
func TestSearchPagesThroughManyNameMatches(t *testing.T) { testManyNames(t) }

func TestSearchPagesThroughManyNameMatchesWalking(t *testing.T) {
	search.WalkFromFirstMatch(t)
	testManyNames(t)
}

func testManyNames(t *testing.T) {
	w := newWorld(t)
	exact := w.conversation("Alice", "alice", "", "alice writes")
	var names, texts []uint64
	for i := range 7 {
		c := w.conversation(fmt.Sprintf("Customer %d", i), fmt.Sprintf("alice%d", i), "", fmt.Sprintf("alice again %d", i))
		names = append([]uint64{c.ID}, names...)
		c = w.conversation(fmt.Sprintf("Other %d", i), "", "", fmt.Sprintf("ask alice %d", i))
		texts = append([]uint64{c.ID}, texts...)
	}
	want := append(append([]uint64{exact.ID}, names...), texts...)
	var got []uint64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		page := w.search("alice", 3, cursor)
		got = append(got, ids(page.Results)...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
}
