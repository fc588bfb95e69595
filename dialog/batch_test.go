package dialog_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

// refuseMessagesSaying makes the database reject any message with this
// text, as a violated constraint or a full disk would: the one way to make a
// single event of a batch fail for real.
func refuseMessagesSaying(t *testing.T, s *storage.Storage, text string) {
	t.Helper()
	var stmts []string
	switch s.Dialect() {
	case storage.SQLite:
		stmts = []string{fmt.Sprintf(`CREATE TRIGGER refuse_text BEFORE INSERT ON messages WHEN NEW.text = '%s'
			BEGIN SELECT RAISE(ABORT, 'message refused by test trigger'); END`, text)}
	case storage.Postgres:
		stmts = []string{
			fmt.Sprintf(`CREATE FUNCTION refuse_text() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.text = '%s' THEN RAISE EXCEPTION 'message refused by test trigger'; END IF; RETURN NEW; END $$`, text),
			`CREATE TRIGGER refuse_text BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_text()`,
		}
	}
	for _, stmt := range stmts {
		if err := s.Exec(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBatchCommitsEachEventOnItsOwn(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	refuseMessagesSaying(t, w.store, "poison")
	ann, bob, cat := customer(1, "en"), customer(2, "ru"), customer(3, "en")
	evs := []dialog.Event{
		{ExternalID: "batch-1", From: ann, Kind: dialog.KindCommand, Command: "start"},
		{ExternalID: "batch-2", From: bob, Kind: dialog.KindText, Text: "привет"},
		{ExternalID: "batch-3", From: cat, Kind: dialog.KindText, Text: "poison"},
		{ExternalID: "batch-1", From: ann, Kind: dialog.KindCommand, Command: "start"},
		{ExternalID: "batch-4", From: ann, Kind: dialog.KindText, Text: "Where is my order?"},
	}
	res := w.engine.HandleBatch(t.Context(), evs)
	if len(res) != len(evs) {
		t.Fatalf("%d results for %d events", len(res), len(evs))
	}
	for _, i := range []int{0, 1, 4} {
		if res[i].Err != nil || res[i].Result.Duplicate {
			t.Errorf("event %d: %+v, want handled", i, res[i])
		}
	}
	if res[2].Err == nil {
		t.Errorf("refused event: %+v, want its error", res[2])
	}
	if !res[3].Result.Duplicate || res[3].Err != nil {
		t.Errorf("repeated update in the batch: %+v, want Duplicate", res[3])
	}

	// Ann's events ran in order: greeted, then handed over on the same ticket.
	if res[4].Result.ConversationID != res[0].Result.ConversationID || res[4].Result.State != storage.StateWaiting {
		t.Errorf("Ann's text: %+v, want her first ticket waiting", res[4].Result)
	}
	annReplies := w.replies(res[0].Result.ConversationID)
	if len(annReplies) != 2 {
		t.Fatalf("Ann got %d replies, want the greeting and the handover", len(annReplies))
	}
	wantContains(t, "Ann's greeting", annReplies[0].Text, "Thank you for writing to us")
	wantContains(t, "Ann's handover", annReplies[1].Text, "number 1 in the queue")
	if conv := w.conversation(res[0].Result.ConversationID); conv.FirstText != "Where is my order?" {
		t.Errorf("Ann's first_text = %q", conv.FirstText)
	}
	wantContains(t, "Bob's greeting", w.lastReply(res[1].Result.ConversationID).Text, "Спасибо, что написали нам!")

	convs, err := w.store.ListConversations(t.Context(), storage.ConversationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 {
		t.Errorf("%d conversations stored, want Ann's and Bob's only", len(convs))
	}

	// The refused customer is not stuck: the next update goes through.
	next := w.text(cat, "hello")
	if next.State != storage.StateBot || len(w.replies(next.ConversationID)) != 1 {
		t.Errorf("Cat's next message: %+v, want a greeting", next)
	}
}

func TestCommitterGreetsEveryConcurrentCustomerOnce(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	workers := 1
	if w.store.Dialect() == storage.Postgres {
		workers = 4
	}
	c := dialog.NewCommitter(w.engine, workers, 8)
	ctx, stop := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { c.Run(ctx); close(stopped) }()

	const customers = 50
	results := make([]dialog.Result, customers)
	errs := make([]error, customers)
	var wg sync.WaitGroup
	for i := range customers {
		wg.Go(func() {
			results[i], errs[i] = c.Submit(t.Context(), dialog.Event{
				ExternalID: fmt.Sprint(1000 + i), From: customer(i+1, "en"), Kind: dialog.KindCommand, Command: "start",
			})
		})
	}
	wg.Wait()
	stop()
	<-stopped

	tickets := map[string]bool{}
	for i := range customers {
		if errs[i] != nil {
			t.Errorf("customer %d: %v", i+1, errs[i])
			continue
		}
		r := results[i]
		if r.Duplicate || r.State != storage.StateBot || tickets[r.Ticket] {
			t.Errorf("customer %d: %+v, want a ticket of their own", i+1, r)
		}
		tickets[r.Ticket] = true
		replies := w.replies(r.ConversationID)
		if len(replies) != 1 {
			t.Errorf("customer %d got %d replies, want one greeting", i+1, len(replies))
			continue
		}
		wantContains(t, "greeting", replies[0].Text, r.Ticket)
	}
	convs, err := w.store.ListConversations(t.Context(), storage.ConversationFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != customers {
		t.Errorf("%d conversations, want %d", len(convs), customers)
	}
}

func TestCommitterReportsRedeliveryAsDuplicate(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	c := dialog.NewCommitter(w.engine, 1, 8)
	ctx, stop := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { c.Run(ctx); close(stopped) }()
	defer func() { stop(); <-stopped }()

	ev := dialog.Event{ExternalID: "9", From: customer(1, "en"), Kind: dialog.KindText, Text: "hi"}
	first, err := c.Submit(t.Context(), ev)
	if err != nil || first.Duplicate {
		t.Fatalf("first: %+v, %v", first, err)
	}
	again, err := c.Submit(t.Context(), ev)
	if err != nil || !again.Duplicate {
		t.Fatalf("redelivery: %+v, %v; want Duplicate", again, err)
	}
	if got := len(w.replies(first.ConversationID)); got != 1 {
		t.Errorf("customer got %d replies, want one", got)
	}
}

// TestCommitterStopsCleanly shows the shutdown the app relies on: whatever
// was submitted before Run stops is either committed or refused with
// ErrStopped — never left hanging — and a later Submit is refused at once.
func TestCommitterStopsCleanly(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	c := dialog.NewCommitter(w.engine, 1, 4)
	ctx, stop := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { c.Run(ctx); close(stopped) }()

	const n = 30
	errs := make([]error, n)
	results := make([]dialog.Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = c.Submit(t.Context(), dialog.Event{
				ExternalID: fmt.Sprint(5000 + i), From: customer(100+i, "en"), Kind: dialog.KindCommand, Command: "start",
			})
		})
	}
	stop()
	wg.Wait()
	<-stopped
	committed := 0
	for i := range n {
		switch {
		case errs[i] == nil:
			committed++
			if len(w.replies(results[i].ConversationID)) != 1 {
				t.Errorf("event %d reported committed but has no greeting", i)
			}
		case !errors.Is(errs[i], dialog.ErrStopped):
			t.Errorf("event %d: %v, want committed or ErrStopped", i, errs[i])
		}
	}
	convs, err := w.store.ListConversations(t.Context(), storage.ConversationFilter{Limit: 500})
	if err != nil || len(convs) != committed {
		t.Fatalf("%d conversations stored, %d reported committed (err %v)", len(convs), committed, err)
	}
	if _, err := c.Submit(t.Context(), dialog.Event{ExternalID: "late", From: customer(999, "en"), Kind: dialog.KindText, Text: "hi"}); !errors.Is(err, dialog.ErrStopped) {
		t.Fatalf("Submit after stop: %v, want ErrStopped", err)
	}
}
