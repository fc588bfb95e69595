package dialog_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// clock is a test's notion of now; tests move it forward by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// monday10 is a Monday morning in Berlin, inside any office hours the tests
// configure; whole seconds keep timestamps exact on every database.
var monday10 = time.Date(2026, time.March, 9, 10, 0, 0, 0, berlin)

var berlin = mustLoadLocation("Europe/Berlin")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// world is one engine on a real, empty database, with a clock and a count
// of operators online that tests control.
type world struct {
	t      *testing.T
	store  *storage.Storage
	engine *dialog.Engine
	clock  *clock
	online atomic.Int64
	nextID atomic.Int64
}

// newWorld starts an engine with settings on a fresh database, the clock at
// monday10 and one operator online; edits change its options.
func newWorld(t *testing.T, settings config.Settings, edits ...func(*dialog.Options)) *world {
	t.Helper()
	w := &world{t: t, store: storagetest.Open(t), clock: &clock{now: monday10}}
	w.online.Store(1)
	o := dialog.Options{
		Settings:        settings,
		Clock:           w.clock.Now,
		OnlineOperators: func() int { return int(w.online.Load()) },
	}
	for _, edit := range edits {
		edit(&o)
	}
	e, err := dialog.New(w.store, o)
	if err != nil {
		t.Fatalf("dialog.New: %v", err)
	}
	w.engine = e
	return w
}

// parseSettings reads YAML over the defaults, failing the test on error.
func parseSettings(t *testing.T, yaml string) config.Settings {
	t.Helper()
	s, err := config.ParseSettings([]byte(yaml))
	if err != nil {
		t.Fatalf("ParseSettings: %v", err)
	}
	return s
}

// customer is a Telegram user with the given id and language code.
func customer(id int, lang string) storage.Contact {
	s := fmt.Sprint(id)
	return storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: s, Address: s, Name: "Customer " + s, Language: lang}
}

// handle delivers ev from c with a fresh update id unless it has one.
func (w *world) handle(c storage.Contact, ev dialog.Event) dialog.Result {
	w.t.Helper()
	ev.From = c
	if ev.ExternalID == "" {
		ev.ExternalID = fmt.Sprintf("update-%d", w.nextID.Add(1))
	}
	res, err := w.engine.Handle(w.t.Context(), ev)
	if err != nil {
		w.t.Fatalf("handle %s event: %v", ev.Kind, err)
	}
	return res
}

func (w *world) text(c storage.Contact, text string) dialog.Result {
	w.t.Helper()
	return w.handle(c, dialog.Event{Kind: dialog.KindText, Text: text})
}

func (w *world) command(c storage.Contact, command string) dialog.Result {
	w.t.Helper()
	return w.handle(c, dialog.Event{Kind: dialog.KindCommand, Command: command})
}

func (w *world) press(c storage.Contact, data string) dialog.Result {
	w.t.Helper()
	return w.handle(c, dialog.Event{Kind: dialog.KindButton, Button: data})
}

// replies are what the customer of a conversation was sent, oldest first.
func (w *world) replies(convID uint64) []dialog.Reply {
	w.t.Helper()
	items, err := w.store.ListOutbox(w.t.Context(), convID)
	if err != nil {
		w.t.Fatal(err)
	}
	out := make([]dialog.Reply, len(items))
	for i, it := range items {
		if err := json.Unmarshal([]byte(it.Payload), &out[i]); err != nil {
			w.t.Fatalf("outbox %d payload %q: %v", it.ID, it.Payload, err)
		}
	}
	return out
}

// lastReply is the newest reply queued in a conversation.
func (w *world) lastReply(convID uint64) dialog.Reply {
	w.t.Helper()
	rs := w.replies(convID)
	if len(rs) == 0 {
		w.t.Fatalf("conversation %d: no reply queued", convID)
	}
	return rs[len(rs)-1]
}

func (w *world) conversation(id uint64) storage.Conversation {
	w.t.Helper()
	c, err := w.store.GetConversation(w.t.Context(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) messages(convID uint64) []storage.Message {
	w.t.Helper()
	ms, err := w.store.ListMessages(w.t.Context(), convID)
	if err != nil {
		w.t.Fatal(err)
	}
	return ms
}

// operator creates an active operator called name.
func (w *world) operator(name string) storage.Operator {
	w.t.Helper()
	op := storage.Operator{Email: strings.ToLower(name) + "@example.org", Name: name, PasswordHash: "x", Role: storage.RoleOperator, Active: true}
	if err := w.store.CreateOperator(w.t.Context(), &op); err != nil {
		w.t.Fatal(err)
	}
	return op
}

// waiting hands a new customer over to a person and returns the result.
func (w *world) waiting(c storage.Contact) dialog.Result {
	w.t.Helper()
	w.command(c, "start")
	res := w.press(c, dialog.ButtonPerson)
	if res.State != storage.StateWaiting {
		w.t.Fatalf("after %q: state %s, want waiting", dialog.ButtonPerson, res.State)
	}
	return res
}

// claimed hands a new customer over and has a new operator called name
// claim the conversation.
func (w *world) claimed(c storage.Contact, name string) (dialog.Result, storage.Operator) {
	w.t.Helper()
	res := w.waiting(c)
	op := w.operator(name)
	if _, err := w.engine.Claim(w.t.Context(), res.ConversationID, op); err != nil {
		w.t.Fatalf("claim by %s: %v", name, err)
	}
	return res, op
}

// buttons flattens a reply's keyboard to its button data and labels, in
// order.
func buttons(r dialog.Reply) (data, labels []string) {
	for _, row := range r.Buttons {
		for _, b := range row {
			data, labels = append(data, b.Data), append(labels, b.Label)
		}
	}
	return data, labels
}

// buttonData is the data of a reply's buttons, in order.
func buttonData(r dialog.Reply) []string {
	data, _ := buttons(r)
	return data
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", what, got, want)
		}
	}
}
