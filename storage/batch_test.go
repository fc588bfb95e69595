package storage_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// newWaiting stores a conversation handed over at `at`, waiting in the queue.
func newWaiting(t *testing.T, s *storage.Storage, external string, at time.Time) storage.Conversation {
	t.Helper()
	ctx := t.Context()
	id, cust, err := s.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: external, Address: external})
	if err != nil {
		t.Fatal(err)
	}
	c := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram", State: storage.StateWaiting,
		HandedOverAt: &at, LastMessageAt: at}
	if err := s.CreateConversation(ctx, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBatchWritesWhatItHeldBackWithIDsInOrder(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	before := newWaiting(t, s, "1", time.Now().UTC())
	var conv storage.Conversation
	var in, out *storage.Message
	var item *storage.OutboxItem
	err := s.Batch(ctx, func(tx *storage.Storage) error {
		if _, err := tx.Prefetch(ctx, storage.PrefetchRequest{Events: 1,
			Contacts: []storage.Contact{{Channel: "telegram", ExternalID: "2", Address: "2"}}}); err != nil {
			return err
		}
		id, cust, err := tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: "2", Address: "2", Name: "Bea"})
		if err != nil {
			return err
		}
		// The same contact again in the batch is the same identity.
		again, _, err := tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: "2", Address: "2"})
		if err != nil || again.ID != id.ID {
			t.Errorf("second look-up = %d, %v; want identity %d", again.ID, err, id.ID)
		}
		if _, err := tx.LatestConversation(ctx, id.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("new identity's latest conversation: err %v, want ErrNotFound", err)
		}
		conv = storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram", State: storage.StateBot,
			LastMessageAt: time.Now().UTC()}
		if err := tx.CreateConversation(ctx, &conv); err != nil {
			return err
		}
		if conv.ID <= before.ID {
			t.Errorf("new conversation id %d, want above %d (the ticket number is known at once)", conv.ID, before.ID)
		}
		in = &storage.Message{ConversationID: conv.ID, Author: storage.AuthorCustomer, Kind: "text", Text: "hi",
			Channel: "telegram", ExternalID: "900"}
		if ok, err := tx.InsertInbound(ctx, in); err != nil || !ok {
			return errors.Join(err, errors.New("inbound refused"))
		}
		out = &storage.Message{ConversationID: conv.ID, Direction: storage.Outbound, Author: storage.AuthorBot,
			Kind: "text", Text: "hello", Channel: "telegram", DeliveryState: storage.DeliveryPending}
		if err := tx.InsertMessage(ctx, out); err != nil {
			return err
		}
		item = &storage.OutboxItem{Channel: "telegram", ChatKey: "telegram:2", Address: "2", IdentityID: id.ID,
			ConversationID: conv.ID, MessageID: &out.ID, Payload: `{"text":"hello"}`}
		if err := tx.EnqueueOutbox(ctx, item); err != nil {
			return err
		}
		conv.State = storage.StateWaiting
		now := time.Now().UTC()
		conv.HandedOverAt = &now
		if err := tx.SaveConversation(ctx, &conv); err != nil {
			return err
		}
		latest, err := tx.LatestConversation(ctx, id.ID)
		if err != nil || latest.State != storage.StateWaiting {
			t.Errorf("latest conversation in the batch = %q, %v; want its held state waiting", latest.State, err)
		}
		if in.ID != 0 {
			t.Errorf("message id %d before the batch ended, want none yet", in.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	if in.ID == 0 || out.ID <= in.ID {
		t.Fatalf("message ids in %d, out %d: want both set, in order", in.ID, out.ID)
	}
	msgs, err := s.ListMessages(ctx, conv.ID)
	if err != nil || len(msgs) != 2 || msgs[0].Text != "hi" || msgs[1].Text != "hello" {
		t.Fatalf("stored messages = %+v, %v", msgs, err)
	}
	got, err := s.GetOutboxItem(ctx, item.ID)
	if err != nil || got.MessageID == nil || *got.MessageID != out.ID || got.State != storage.OutboxPending {
		t.Fatalf("outbox item = %+v, %v; want pending, for message %d", got, err, out.ID)
	}
	stored, err := s.GetConversation(ctx, conv.ID)
	if err != nil || stored.State != storage.StateWaiting {
		t.Fatalf("stored conversation = %q, %v; want waiting", stored.State, err)
	}
	id, cust, err := s.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: "2"})
	if err != nil || id.ID != conv.IdentityID || cust.Name != "Bea" {
		t.Fatalf("identity after the batch = %+v %+v, %v", id, cust, err)
	}
}

func TestBatchQueuePositionCountsTheBatchsOwnHandovers(t *testing.T) {
	// The queue is counted once for the batch: by the prefetch when told
	// the batch may hand over, else at its first handover, whether or not
	// the batch prefetched; later handovers add the batch's own. A
	// conversation of the batch's contacts already waiting is counted as
	// the batch leaves it, not twice.
	for _, mode := range []string{"without a prefetch", "after a prefetch", "counted by the prefetch"} {
		t.Run(mode, func(t *testing.T) {
			s := storagetest.Open(t)
			ctx := t.Context()
			start := time.Now().UTC().Add(-time.Hour)
			newWaiting(t, s, "1", start)
			newWaiting(t, s, "2", start.Add(time.Minute))
			// Contact 6 waits already; the batch resolves it.
			sixth := newWaiting(t, s, "6", start.Add(2*time.Minute))
			contacts := []storage.Contact{{Channel: "telegram", ExternalID: "3", Address: "3"},
				{Channel: "telegram", ExternalID: "4", Address: "4"}, {Channel: "telegram", ExternalID: "5", Address: "5"}}
			prefetched := append(slices.Clone(contacts), storage.Contact{Channel: "telegram", ExternalID: "6", Address: "6"})
			prefetch := mode != "without a prefetch"
			var got []int
			err := s.Batch(ctx, func(tx *storage.Storage) error {
				if prefetch {
					req := storage.PrefetchRequest{Contacts: prefetched, Events: len(prefetched)}
					if mode == "counted by the prefetch" {
						req.QueueAt = start.Add(10 * time.Minute)
					}
					if _, err := tx.Prefetch(ctx, req); err != nil {
						return err
					}
					if mode == "counted by the prefetch" && strings.HasPrefix(storagetest.URL(t), "postgres") {
						// Stored by another transaction after the prefetch:
						// were the queue counted again at the handover,
						// it would be ahead of all three.
						newWaiting(t, s, "7", start.Add(5*time.Minute))
					}
				}
				resolved := sixth
				resolved.State = storage.StateResolved
				if err := tx.SaveConversation(ctx, &resolved); err != nil {
					return err
				}
				for i, contact := range contacts {
					id, cust, err := tx.FindOrCreateIdentity(ctx, contact)
					if err != nil {
						return err
					}
					at := start.Add(time.Duration(10+i) * time.Minute)
					c := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram",
						State: storage.StateWaiting, HandedOverAt: &at, LastMessageAt: at}
					if err := tx.CreateConversation(ctx, &c); err != nil {
						return err
					}
					pos, _, err := tx.QueuePosition(ctx, c)
					if err != nil {
						return err
					}
					got = append(got, pos)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 || got[0] != 3 || got[1] != 4 || got[2] != 5 {
				t.Fatalf("positions told in the batch = %v, want [3 4 5]", got)
			}
		})
	}
}

func TestBatchRacedByAnInboundStoredFirstRollsBackWhole(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	first := newWaiting(t, s, "1", time.Now().UTC())
	if ok, err := s.InsertInbound(ctx, &storage.Message{ConversationID: first.ID, Author: storage.AuthorCustomer,
		Kind: "text", Text: "first", Channel: "telegram", ExternalID: "77"}); err != nil || !ok {
		t.Fatalf("first inbound: %v %v", ok, err)
	}
	var conv storage.Conversation
	err := s.Batch(ctx, func(tx *storage.Storage) error {
		id, cust, err := tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: "9", Address: "9"})
		if err != nil {
			return err
		}
		conv = storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram", State: storage.StateBot,
			LastMessageAt: time.Now().UTC()}
		if err := tx.CreateConversation(ctx, &conv); err != nil {
			return err
		}
		// The batch did not look for repeats first: the database finds it.
		_, err = tx.InsertInbound(ctx, &storage.Message{ConversationID: conv.ID, Author: storage.AuthorCustomer,
			Kind: "text", Text: "again", Channel: "telegram", ExternalID: "77"})
		return err
	})
	if !errors.Is(err, storage.ErrBatchConflict) {
		t.Fatalf("batch err = %v, want ErrBatchConflict", err)
	}
	if _, err := s.GetConversation(ctx, conv.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("conversation of the failed batch: err %v, want ErrNotFound (nothing half-written)", err)
	}
}
