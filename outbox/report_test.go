package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// deliveryWorld is a store with one SMS customer and a conversation, and a
// dispatcher delivering to a scripted sender on channel "sms".
type deliveryWorld struct {
	t      *testing.T
	store  *storage.Storage
	broker *events.Broker
	d      *outbox.Dispatcher
	sender *scriptedSender
	ident  storage.Identity
	conv   storage.Conversation
}

func newDeliveryWorld(t *testing.T, script ...error) *deliveryWorld {
	t.Helper()
	store := storagetest.Open(t)
	broker := events.NewBroker()
	w := &deliveryWorld{t: t, store: store, broker: broker, sender: &scriptedSender{script: script},
		d: outbox.New(store, outbox.Config{PollInterval: 10 * time.Millisecond, BackoffBase: time.Millisecond,
			BackoffMax: 5 * time.Millisecond}, broker, nil)}
	w.d.Register("sms", w.sender, outbox.Limits{})
	var err error
	num := "+14155552671"
	w.ident, _, err = store.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "sms", ExternalID: num, Address: num, Phone: num})
	if err != nil {
		t.Fatal(err)
	}
	w.conv = storage.Conversation{CustomerID: w.ident.CustomerID, IdentityID: w.ident.ID, Channel: "sms",
		State: storage.StateOpen, LastMessageAt: time.Now().UTC()}
	if err := store.CreateConversation(t.Context(), &w.conv); err != nil {
		t.Fatal(err)
	}
	return w
}

// reply stores an outbound message and queues it, as the engine does.
func (w *deliveryWorld) reply(text string) storage.Message {
	w.t.Helper()
	m := storage.Message{ConversationID: w.conv.ID, Direction: storage.Outbound, Author: storage.AuthorOperator,
		Kind: "text", Text: text, Channel: "sms", DeliveryState: storage.DeliveryPending, CreatedAt: time.Now().UTC()}
	if err := w.store.InsertMessage(w.t.Context(), &m); err != nil {
		w.t.Fatal(err)
	}
	it := storage.OutboxItem{Channel: "sms", ChatKey: "sms:" + w.ident.Address, Address: w.ident.Address,
		IdentityID: w.ident.ID, ConversationID: w.conv.ID, MessageID: &m.ID, Payload: `{"text":"x"}`}
	if err := w.store.EnqueueOutbox(w.t.Context(), &it); err != nil {
		w.t.Fatal(err)
	}
	return m
}

// deliverAll runs the dispatcher until nothing is pending.
func (w *deliveryWorld) deliverAll() {
	w.t.Helper()
	ctx, cancel := context.WithCancel(w.t.Context())
	done := make(chan struct{})
	go func() { _ = w.d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := w.store.CountPendingOutbox(ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%d items still pending", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (w *deliveryWorld) message(id uint64) storage.Message {
	w.t.Helper()
	msgs, err := w.store.ListMessages(w.t.Context(), w.conv.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.ID == id {
			return m
		}
	}
	w.t.Fatalf("message %d not found", id)
	return storage.Message{}
}

func TestSentMessageKeepsTheProviderID(t *testing.T) {
	w := newDeliveryWorld(t)
	m := w.reply("hello")
	w.deliverAll()
	got := w.message(m.ID)
	if got.DeliveryState != storage.DeliverySent {
		t.Fatalf("delivery state %q, want sent", got.DeliveryState)
	}
	found, err := w.store.OutboundByExternalID(t.Context(), "sms", fmt.Sprintf("p-%d", w.sender.calls[0]))
	if err != nil || found.ID != m.ID {
		t.Fatalf("message by provider id: %+v, %v", found, err)
	}
}

func TestOptedOutCustomerGetsNothingMore(t *testing.T) {
	w := newDeliveryWorld(t, &outbox.OptedOutError{Err: errors.New("twilio error 21610")})
	first := w.reply("one")
	second := w.reply("two")
	w.deliverAll()
	if n := w.sender.count(); n != 1 {
		t.Fatalf("%d sends, want 1: nothing after the opt-out", n)
	}
	for _, id := range []uint64{first.ID, second.ID} {
		if m := w.message(id); m.DeliveryState != storage.DeliveryFailed {
			t.Fatalf("message %d is %q, want failed", id, m.DeliveryState)
		}
	}
	ident, err := w.store.GetIdentity(t.Context(), w.ident.ID)
	if err != nil || !ident.OptedOut || ident.Unreachable {
		t.Fatalf("identity %+v, %v: want opted out (and not unreachable)", ident, err)
	}
}

func TestDeliveryReportsNeverMoveBackwards(t *testing.T) {
	cases := []struct {
		name    string
		reports []string
		want    string
		changes int
	}{
		{"in order", []string{"queued", "sent", "delivered"}, "delivered", 1},
		{"delivered before sent", []string{"delivered", "sent", "queued"}, "delivered", 1},
		{"repeated", []string{"delivered", "delivered"}, "delivered", 1},
		{"undelivered wins over sent", []string{"sent", "undelivered"}, "undelivered", 1},
		{"failed is final", []string{"failed", "delivered", "sent"}, "failed", 1},
		{"delivered is not undone", []string{"delivered", "failed"}, "delivered", 1},
		{"queued after sent changes nothing", []string{"queued"}, "sent", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newDeliveryWorld(t)
			m := w.reply("hello")
			w.deliverAll()
			sid := fmt.Sprintf("p-%d", w.sender.calls[0])
			sub := w.broker.Subscribe(0)
			defer sub.Close()
			for _, st := range c.reports {
				known, err := w.d.TrackDelivery(t.Context(), outbox.DeliveryReport{Channel: "sms", ProviderID: sid, State: st, Error: "twilio error 30003"})
				if err != nil || !known {
					t.Fatalf("report %s: known %v, %v", st, known, err)
				}
			}
			if got := w.message(m.ID).DeliveryState; got != c.want {
				t.Fatalf("after %v: %q, want %q", c.reports, got, c.want)
			}
			if n := len(sub.C); n != c.changes {
				t.Fatalf("%d message.delivery events, want %d", n, c.changes)
			}
		})
	}
}

func TestDeliveryReportForUnknownMessageIsIgnored(t *testing.T) {
	w := newDeliveryWorld(t)
	known, err := w.d.TrackDelivery(t.Context(), outbox.DeliveryReport{Channel: "sms", ProviderID: "SMnope", State: "delivered"})
	if err != nil || known {
		t.Fatalf("known %v, err %v; want an unknown message ignored", known, err)
	}
}

func TestDeliveryReportOfOptOutStopsDelivery(t *testing.T) {
	w := newDeliveryWorld(t)
	first := w.reply("one")
	w.deliverAll()
	second := w.reply("two") // pending: the dispatcher is not running
	known, err := w.d.TrackDelivery(t.Context(), outbox.DeliveryReport{Channel: "sms", ProviderID: fmt.Sprintf("p-%d", w.sender.calls[0]),
		State: storage.DeliveryFailed, Error: "twilio error 21610", OptedOut: true})
	if err != nil || !known {
		t.Fatalf("known %v, err %v", known, err)
	}
	if m := w.message(first.ID); m.DeliveryState != storage.DeliveryFailed || m.DeliveryError != "twilio error 21610" {
		t.Fatalf("reported message %+v", m)
	}
	if m := w.message(second.ID); m.DeliveryState != storage.DeliveryFailed {
		t.Fatalf("pending message is %q, want failed", m.DeliveryState)
	}
	if ident, _ := w.store.GetIdentity(t.Context(), w.ident.ID); !ident.OptedOut {
		t.Fatal("identity not opted out")
	}
}
