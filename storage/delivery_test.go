package storage_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestDeliveryStateOnlyMovesForward(t *testing.T) {
	cases := []struct {
		from, to string
		ok       bool
	}{
		{"pending", "queued", true},
		{"pending", "delivered", true},
		{"queued", "sent", true},
		{"sent", "delivered", true},
		{"sent", "queued", false},
		{"delivered", "sent", false},
		{"delivered", "delivered", false},
		{"sent", "sent", false},
		{"queued", "undelivered", true},
		{"sent", "failed", true},
		{"delivered", "undelivered", false},
		{"delivered", "failed", false},
		{"failed", "delivered", false},
		{"undelivered", "failed", false},
		{"failed", "undelivered", false},
		{"sent", "read-by-martians", false},
	}
	for _, c := range cases {
		if got := storage.DeliveryAdvances(c.from, c.to); got != c.ok {
			t.Errorf("%s → %s: %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

func TestProviderIDHeldByAnotherMessageDoesNotFailTheBatch(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	var ids []uint64
	for range 2 {
		m := storage.Message{ConversationID: 1, Direction: storage.Outbound, Author: storage.AuthorBot, Kind: "text",
			Channel: "sms", DeliveryState: storage.DeliveryPending}
		if err := s.InsertMessage(ctx, &m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	now := time.Now().UTC()
	err := s.RecordOutboxResults(ctx, now, []storage.OutboxResult{
		{ID: 1, MessageID: &ids[0], Sent: true, ProviderID: "SM1"},
		{ID: 2, MessageID: &ids[1], Sent: true, ProviderID: "SM1"},
	})
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	m, err := s.OutboundByExternalID(ctx, "sms", "SM1")
	if err != nil || m.ID != ids[0] || m.DeliveryState != storage.DeliverySent {
		t.Fatalf("by provider id: %+v, %v", m, err)
	}
	changed, err := s.AdvanceDelivery(ctx, ids[0], storage.DeliveryDelivered, "", now)
	if err != nil || !changed {
		t.Fatalf("advance to delivered: %v, %v", changed, err)
	}
	changed, err = s.AdvanceDelivery(ctx, ids[0], storage.DeliverySent, "", now)
	if err != nil || changed {
		t.Fatalf("back to sent: changed %v, %v", changed, err)
	}
}
