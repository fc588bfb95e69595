package storage_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// Sends recorded alone (PostgreSQL's one-statement path) and beside a
// retry (the transaction) leave the same marks: the item sent once, its
// message sent at that moment.
func TestRecordedSendsMarkItemAndMessage(t *testing.T) {
	for _, withRetry := range []bool{false, true} {
		name := "sends only"
		if withRetry {
			name = "sends beside a retry"
		}
		t.Run(name, func(t *testing.T) {
			s := storagetest.Open(t)
			ctx := t.Context()
			var results []storage.OutboxResult
			for i := range 3 {
				m := storage.Message{ConversationID: 1, Direction: storage.Outbound, Author: storage.AuthorBot, Kind: "text",
					Channel: "telegram", DeliveryState: storage.DeliveryPending}
				if err := s.InsertMessage(ctx, &m); err != nil {
					t.Fatal(err)
				}
				chat := "telegram:" + string(rune('a'+i))
				it := storage.OutboxItem{Channel: "telegram", ChatKey: chat, Address: chat, Payload: "{}", MessageID: &m.ID}
				if err := s.EnqueueOutbox(ctx, &it); err != nil {
					t.Fatal(err)
				}
				results = append(results, storage.OutboxResult{ID: it.ID, MessageID: &m.ID, Sent: true})
			}
			now := time.Now().UTC().Truncate(time.Millisecond)
			if withRetry {
				results[2] = storage.OutboxResult{ID: results[2].ID, MessageID: results[2].MessageID, RetryAt: now.Add(time.Minute)}
			}
			if err := s.RecordOutboxResults(ctx, now, results); err != nil {
				t.Fatal(err)
			}
			for i, r := range results {
				it, err := s.GetOutboxItem(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				m, err := s.GetMessage(ctx, *r.MessageID)
				if err != nil {
					t.Fatal(err)
				}
				sent := !(withRetry && i == 2)
				if got := it.State == storage.OutboxSent && it.Attempts == 1 && it.SentAt != nil && it.SentAt.Equal(now); got != sent {
					t.Errorf("item %d: state %s, attempts %d, sent at %v; want sent at %v: %v", i, it.State, it.Attempts, it.SentAt, now, sent)
				}
				if got := m.DeliveryState == storage.DeliverySent && m.DeliveredAt != nil && m.DeliveredAt.Equal(now); got != sent {
					t.Errorf("message %d: %s at %v; want sent at %v: %v", i, m.DeliveryState, m.DeliveredAt, now, sent)
				}
			}
		})
	}
}
