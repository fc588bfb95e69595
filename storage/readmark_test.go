package storage_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestReadMarkNeverMovesBack(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	conv := newConversation(t, s, "7")
	var ids []uint64
	for _, author := range []string{storage.AuthorCustomer, storage.AuthorBot, storage.AuthorCustomer, storage.AuthorCustomer} {
		m := storage.Message{ConversationID: conv.ID, Direction: storage.Inbound, Author: author, Kind: "text", Text: "x"}
		if err := s.InsertMessage(ctx, &m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
	}
	const op = 5
	steps := []struct {
		name       string
		markAt     uint64
		wantUnread int64
	}{
		{"without a mark every customer message counts", 0, 3},
		{"read up to the bot's message", ids[1], 2},
		{"read everything", ids[3], 0},
		{"an older mark changes nothing", ids[0], 0},
	}
	for _, st := range steps {
		if st.markAt != 0 {
			if err := s.MarkRead(ctx, op, conv.ID, st.markAt, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.UnreadCounts(ctx, op, []uint64{conv.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got[conv.ID] != st.wantUnread {
			t.Errorf("%s: unread = %d, want %d", st.name, got[conv.ID], st.wantUnread)
		}
	}
	// Another operator's marks are their own.
	if got, err := s.UnreadCounts(ctx, op+1, []uint64{conv.ID}); err != nil || got[conv.ID] != 3 {
		t.Errorf("another operator's unread = %d (err %v), want 3", got[conv.ID], err)
	}
}

func TestBatchLookupsSkipUnknownIDs(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	a, b := newConversation(t, s, "1"), newConversation(t, s, "2")
	custs, err := s.CustomersByID(ctx, []uint64{a.CustomerID, b.CustomerID, a.CustomerID, 0, 999})
	if err != nil {
		t.Fatal(err)
	}
	if len(custs) != 2 || custs[a.CustomerID].ID != a.CustomerID || custs[b.CustomerID].ID != b.CustomerID {
		t.Errorf("customers = %+v, want exactly the two known ones", custs)
	}
	ops, err := s.OperatorsByID(ctx, nil)
	if err != nil || len(ops) != 0 {
		t.Errorf("operators of no ids = %+v, %v", ops, err)
	}
}

// newConversation starts a Telegram conversation for a new customer.
func newConversation(t *testing.T, s *storage.Storage, externalID string) storage.Conversation {
	t.Helper()
	id, cust, err := s.FindOrCreateIdentity(t.Context(), storage.Contact{Channel: "telegram", ExternalID: externalID, Address: externalID, Name: "C" + externalID})
	if err != nil {
		t.Fatal(err)
	}
	conv := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram", State: storage.StateWaiting, LastMessageAt: time.Now()}
	if err := s.CreateConversation(t.Context(), &conv); err != nil {
		t.Fatal(err)
	}
	return conv
}
