package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestParseDatabaseURL(t *testing.T) {
	cases := []struct {
		in      string
		dialect storage.Dialect
		source  string
		wantErr bool
	}{
		{"sqlite://switchboard.db", storage.SQLite, "switchboard.db", false},
		{"/var/lib/sb.db", storage.SQLite, "/var/lib/sb.db", false},
		{"postgres://u@h/db", storage.Postgres, "postgres://u@h/db", false},
		{"postgresql://u@h/db", storage.Postgres, "postgresql://u@h/db", false},
		{"mysql://u@h/db", "", "", true},
		{"sqlite://", "", "", true},
		{"", "", "", true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := storage.ParseDatabaseURL(c.in)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err == nil && (got.Dialect != c.dialect || got.Source != c.source) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestMigrateTwiceAppliesNothingNew(t *testing.T) {
	s := storagetest.Open(t)
	n, err := s.Migrate(t.Context())
	if err != nil || n != 0 {
		t.Fatalf("second migrate applied %d, err %v", n, err)
	}
}

func TestRedeliveredInboundIsStoredOnce(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	id, cust, err := s.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: "42", Address: "42", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	conv := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram", State: storage.StateBot, LastMessageAt: time.Now()}
	if err := s.CreateConversation(ctx, &conv); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false} {
		m := storage.Message{ConversationID: conv.ID, Author: storage.AuthorCustomer, Kind: "text", Text: "hi", Channel: "telegram", ExternalID: "1001"}
		inserted, err := s.InsertInbound(ctx, &m)
		if err != nil || inserted != want {
			t.Fatalf("attempt %d: inserted=%v err=%v, want %v", i, inserted, err, want)
		}
	}
	msgs, err := s.ListMessages(ctx, conv.ID)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages = %d, err %v", len(msgs), err)
	}
	if conv.Ticket() != "SB-000001" {
		t.Fatalf("ticket = %s", conv.Ticket())
	}
	// The same customer is found again, not created twice.
	id2, _, err := s.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: "42"})
	if err != nil || id2.ID != id.ID {
		t.Fatalf("identity %d vs %d, err %v", id2.ID, id.ID, err)
	}
}

func TestOutboxKeepsPerChatOrder(t *testing.T) {
	s := storagetest.Open(t)
	ctx := context.Background()
	for _, chat := range []string{"a", "a", "b"} {
		if err := s.EnqueueOutbox(ctx, &storage.OutboxItem{Channel: "telegram", ChatKey: chat, Address: chat, Payload: "{}"}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC().Add(time.Second)
	items, err := s.ClaimDueOutbox(ctx, now, time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].ID != 1 || items[1].ID != 3 {
		t.Fatalf("claimed %+v, want items 1 and 3 (one per chat, oldest first)", items)
	}
	// Leased items are not claimed again.
	again, err := s.ClaimDueOutbox(ctx, now, time.Minute, 10)
	if err != nil || len(again) != 0 {
		t.Fatalf("second claim got %d items, err %v", len(again), err)
	}
	if err := s.RecordOutboxResults(ctx, now, []storage.OutboxResult{{ID: 1, Sent: true}, {ID: 3, RetryAt: now}}); err != nil {
		t.Fatal(err)
	}
	next, err := s.ClaimDueOutbox(ctx, now.Add(time.Second), time.Minute, 10)
	if err != nil || len(next) != 2 || next[0].ID != 2 || next[1].ID != 3 {
		t.Fatalf("after first delivery claimed %+v, err %v", next, err)
	}
}

func TestCreateOperatorRejectsDuplicateEmail(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	if err := s.CreateOperator(ctx, &storage.Operator{Email: "A@x.org", Name: "A", PasswordHash: "h", Role: storage.RoleOperator, Active: true}); err != nil {
		t.Fatal(err)
	}
	err := s.CreateOperator(ctx, &storage.Operator{Email: "a@x.org", Name: "B", PasswordHash: "h", Role: storage.RoleOperator, Active: true})
	if !errors.Is(err, storage.ErrEmailTaken) {
		t.Fatalf("err = %v, want ErrEmailTaken", err)
	}
}

func TestSamePhoneOnAnotherChannelIsTheSameCustomer(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	_, tgCust, err := s.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: "42", Address: "42", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetCustomerPhone(ctx, tgCust.ID, "+14155552671"); err != nil {
		t.Fatal(err)
	}
	smsID, smsCust, err := s.FindOrCreateIdentity(ctx, storage.Contact{Channel: "sms", ExternalID: "+14155552671", Address: "+14155552671", Phone: "+14155552671"})
	if err != nil {
		t.Fatal(err)
	}
	if smsCust.ID != tgCust.ID || smsID.CustomerID != tgCust.ID {
		t.Fatalf("SMS from the shared number made customer %d, want %d", smsCust.ID, tgCust.ID)
	}
	_, other, err := s.FindOrCreateIdentity(ctx, storage.Contact{Channel: "sms", ExternalID: "+14155550000", Phone: "+14155550000"})
	if err != nil || other.ID == tgCust.ID {
		t.Fatalf("another number joined customer %d (err %v)", other.ID, err)
	}
}

func TestQueuePositionStopsCountingAtTheCap(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var queue []storage.Conversation
	err := s.Tx(ctx, func(tx *storage.Storage) error {
		for i := 0; i <= storage.QueuePositionCap+1; i++ {
			at := start.Add(time.Duration(i) * time.Second)
			c := storage.Conversation{CustomerID: 1, IdentityID: 1, Channel: "telegram", State: storage.StateWaiting, HandedOverAt: &at, LastMessageAt: at}
			if err := tx.CreateConversation(ctx, &c); err != nil {
				return err
			}
			queue = append(queue, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The head and the middle are counted from the front (on PostgreSQL,
	// more than the cap stand behind them), the end from the back.
	for _, tc := range []struct {
		index, want int
		capped      bool
	}{{0, 1, false}, {500, 501, false}, {storage.QueuePositionCap - 1, storage.QueuePositionCap, false},
		{storage.QueuePositionCap + 1, storage.QueuePositionCap + 1, true}} {
		pos, capped, err := s.QueuePosition(ctx, queue[tc.index])
		if err != nil || capped != tc.capped || pos != tc.want {
			t.Errorf("conversation %d of the queue: position %d capped %v err %v, want %d capped %v",
				tc.index, pos, capped, err, tc.want, tc.capped)
		}
	}
}

func TestQueuePositionCountsTiesByIDAndOnlyTheWaiting(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	at := func(min int) *time.Time { v := start.Add(time.Duration(min) * time.Minute); return &v }
	// In the order stored; the positions are by moment handed over, then id.
	rows := []struct {
		state string
		at    *time.Time
		want  int // 0: not in the queue
	}{
		{storage.StateWaiting, at(5), 4},
		{storage.StateWaiting, at(1), 1},
		{storage.StateOpen, at(0), 0},
		{storage.StateWaiting, at(3), 2},
		{storage.StateWaiting, at(3), 3},
		{storage.StateWaiting, nil, 0},
		{storage.StateResolved, at(2), 0},
		{storage.StateWaiting, at(9), 5},
	}
	convs := make([]storage.Conversation, len(rows))
	for i, r := range rows {
		convs[i] = storage.Conversation{CustomerID: 1, IdentityID: 1, Channel: "telegram", State: r.state,
			HandedOverAt: r.at, LastMessageAt: start}
		if err := s.CreateConversation(ctx, &convs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range rows {
		if r.want == 0 {
			continue
		}
		pos, capped, err := s.QueuePosition(ctx, convs[i])
		if err != nil || capped || pos != r.want {
			t.Errorf("conversation %d (%s at %v): position %d capped %v err %v, want %d", i, r.state, r.at, pos, capped, err, r.want)
		}
	}
}

func TestQueuePositionCountsTheTransactionsOwnChangesToTheQueue(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var convs []storage.Conversation
	for i, state := range []string{storage.StateOpen, storage.StateWaiting, storage.StateWaiting, storage.StateWaiting} {
		at := start.Add(time.Duration(i) * time.Minute)
		c := storage.Conversation{CustomerID: 1, IdentityID: uint64(i + 1), Channel: "telegram", State: state,
			HandedOverAt: &at, LastMessageAt: start}
		if err := s.CreateConversation(ctx, &c); err != nil {
			t.Fatal(err)
		}
		convs = append(convs, c)
	}
	back, asks := convs[0], convs[3]
	cases := []struct {
		name string
		run  func(context.Context, func(*storage.Storage) error) error
		// early fires the deferred triggers before the count, on
		// PostgreSQL.
		early bool
	}{
		{"a transaction", s.Tx, false},
		{"a batch, written before the count", s.Batch, false},
		{"a transaction whose deferred triggers fired early", s.Tx, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.early && s.Dialect() != storage.Postgres {
				t.Skip("deferred triggers are PostgreSQL's")
			}
			var pos int
			err := tc.run(ctx, func(tx *storage.Storage) error {
				// The first conversation back in the queue, ahead of the
				// others.
				b := back
				b.State = storage.StateWaiting
				if err := tx.SaveConversation(ctx, &b); err != nil {
					return err
				}
				if err := tx.Flush(ctx); err != nil {
					return err
				}
				if tc.early {
					if err := tx.Exec(ctx, "SET CONSTRAINTS ALL IMMEDIATE"); err != nil {
						return err
					}
				}
				var err error
				pos, _, err = tx.QueuePosition(ctx, asks)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			// All three others are ahead.
			if pos != 4 {
				t.Errorf("position %d inside the transaction, want 4", pos)
			}
			if pos, _, err := s.QueuePosition(ctx, asks); err != nil || pos != 4 {
				t.Errorf("position %d after it (err %v), want 4", pos, err)
			}
			if err := s.SaveConversation(ctx, &back); err != nil {
				t.Fatal(err)
			}
		})
	}
}
