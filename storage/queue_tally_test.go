package storage_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// openPostgres opens a migrated database of the test's own on
// PostgreSQL, or skips the test, saying why it needs PostgreSQL.
func openPostgres(t *testing.T, why string) *storage.Storage {
	t.Helper()
	if !strings.HasPrefix(os.Getenv(storagetest.EnvDatabaseURL), "postgres") {
		t.Skip("PostgreSQL only: " + why)
	}
	return storagetest.Open(t)
}

// wantTally fails the test, saying when, unless the queue tally and the
// queue counted afresh both hold want conversations.
func wantTally(t *testing.T, s *storage.Storage, want int64, when string) {
	t.Helper()
	var row []struct{ Tally, Count int64 }
	if err := s.Select(t.Context(), &row, `SELECT (SELECT coalesce(sum(waiting), 0) FROM queue_tally)::bigint AS tally,
		(SELECT count(*) FROM conversations WHERE state = ? AND handed_over_at IS NOT NULL) AS count`,
		storage.StateWaiting); err != nil || len(row) != 1 {
		t.Fatalf("read the tally: %v", err)
	}
	if row[0].Tally != want || row[0].Count != want {
		t.Fatalf("%s: tally %d, queue %d, want %d", when, row[0].Tally, row[0].Count, want)
	}
}

func TestQueueTallyFollowsTheQueue(t *testing.T) {
	s := openPostgres(t, "SQLite counts its queue")
	ctx := t.Context()
	at := time.Now().UTC().Add(-time.Hour)
	var convs []storage.Conversation
	errRollBack := errors.New("roll back")
	steps := []struct {
		name string
		do   func() error
		want int64
	}{
		{"three handed over", func() error {
			for i := range 3 {
				convs = append(convs, newWaiting(t, s, fmt.Sprint("w", i), at.Add(time.Duration(i)*time.Minute)))
			}
			return nil
		}, 3},
		{"one claimed", func() error {
			c := convs[0]
			c.State = storage.StateOpen
			return s.SaveConversation(ctx, &c)
		}, 2},
		{"waiting without a moment handed over", func() error {
			c := newWaiting(t, s, "nomoment", at)
			c.HandedOverAt = nil
			if err := s.SaveConversation(ctx, &c); err != nil {
				return err
			}
			convs = append(convs, c)
			return nil
		}, 2},
		{"its moment set", func() error {
			c := convs[3]
			c.HandedOverAt = &at
			return s.SaveConversation(ctx, &c)
		}, 3},
		{"a handover rolled back", func() error {
			err := s.Tx(ctx, func(tx *storage.Storage) error {
				c := convs[0]
				c.State = storage.StateWaiting
				if err := tx.SaveConversation(ctx, &c); err != nil {
					return err
				}
				return errRollBack
			})
			if !errors.Is(err, errRollBack) {
				return fmt.Errorf("transaction: %v", err)
			}
			return nil
		}, 3},
		{"back to the queue and out again in one transaction", func() error {
			return s.Tx(ctx, func(tx *storage.Storage) error {
				c := convs[0]
				c.State = storage.StateWaiting
				if err := tx.SaveConversation(ctx, &c); err != nil {
					return err
				}
				c.State = storage.StateResolved
				return tx.SaveConversation(ctx, &c)
			})
		}, 3},
		{"one erased", func() error {
			return s.Exec(ctx, "DELETE FROM conversations WHERE id = ?", convs[1].ID)
		}, 2},
		{"handed over in a batch", func() error {
			return s.Batch(ctx, func(tx *storage.Storage) error {
				id, cust, err := tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram", ExternalID: "b", Address: "b"})
				if err != nil {
					return err
				}
				c := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram",
					State: storage.StateBot, LastMessageAt: at}
				if err := tx.CreateConversation(ctx, &c); err != nil {
					return err
				}
				c.State, c.HandedOverAt = storage.StateWaiting, &at
				return tx.SaveConversation(ctx, &c)
			})
		}, 3},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		wantTally(t, s, st.want, "after "+st.name)
	}
	// Migrating a database with a queue seeds the tally from it.
	if err := s.Exec(ctx, "UPDATE queue_tally SET waiting = 100"); err != nil {
		t.Fatal(err)
	}
	if err := storage.RemigrateQueueTally(ctx, s); err != nil {
		t.Fatal(err)
	}
	wantTally(t, s, 3, "after migrating again")
}

func TestQueueTallyHoldsUnderConcurrentHandoversAndClaims(t *testing.T) {
	s := openPostgres(t, "SQLite counts its queue")
	ctx := t.Context()
	at := time.Now().UTC().Add(-time.Hour)
	// Sixteen writers on connections of their own each hand over ten
	// conversations and claim every other one, each in a transaction that
	// also changes one conversation all of them change: half of them
	// lock it first, as a batch does in its prefetch, half after their
	// handover. With more writers than slots, two share a slot; were the
	// tally added to at each change rather than at commit, the two orders
	// would deadlock. None may, nor lose a change to the tally.
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	shared := newWaiting(t, s, "shared", at)
	touch := func(tx *storage.Storage) error {
		return tx.Exec(ctx, "UPDATE conversations SET updated_at = now() WHERE id = ?", shared.ID)
	}
	for w := range 16 {
		wg.Go(func() {
			for i := range 10 {
				err := s.Tx(ctx, func(tx *storage.Storage) error {
					if w%2 == 0 {
						if err := touch(tx); err != nil {
							return err
						}
						// Give the others time to take their slots.
						time.Sleep(time.Millisecond)
					}
					id, cust, err := tx.FindOrCreateIdentity(ctx, storage.Contact{Channel: "telegram",
						ExternalID: fmt.Sprint(w, "-", i), Address: "x"})
					if err != nil {
						return err
					}
					c := storage.Conversation{CustomerID: cust.ID, IdentityID: id.ID, Channel: "telegram",
						State: storage.StateWaiting, HandedOverAt: &at, LastMessageAt: at}
					if err := tx.CreateConversation(ctx, &c); err != nil {
						return err
					}
					if i%2 == 1 {
						c.State = storage.StateOpen
						if err := tx.SaveConversation(ctx, &c); err != nil {
							return err
						}
					}
					if w%2 == 1 {
						return touch(tx)
					}
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("writer %d, conversation %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// 80 handed over and waiting, and the shared one.
	wantTally(t, s, 81, "after the writers")
}

func TestExplainPrefetchShowsTheQueueCountOnlyForAHandover(t *testing.T) {
	s := openPostgres(t, "the prefetch is one statement there")
	ctx := t.Context()
	newWaiting(t, s, "1", time.Now().UTC().Add(-time.Minute))
	for _, generic := range []bool{false, true} {
		for _, handover := range []bool{false, true} {
			req := storage.PrefetchRequest{Events: 1, Contacts: []storage.Contact{{Channel: "telegram", ExternalID: "2", Address: "2"}}}
			if handover {
				req.QueueAt = time.Now().UTC()
			}
			plan, err := s.ExplainPrefetch(ctx, req, generic)
			if err != nil {
				t.Fatalf("generic %v, handover %v: %v", generic, handover, err)
			}
			if !strings.Contains(plan, "idx_identity_channel_external") {
				t.Fatalf("generic %v, handover %v: no lookup of the contact in the plan:\n%s", generic, handover, plan)
			}
			if got := strings.Contains(plan, "queue_tally"); got != handover {
				t.Fatalf("generic %v, handover %v: queue_tally in the plan %v:\n%s", generic, handover, got, plan)
			}
		}
	}
}
