package storage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestMigrateSeedsCannedResponses(t *testing.T) {
	s := storagetest.Open(t)
	all, err := s.ListCanned(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]storage.CannedResponse{}
	for _, c := range all {
		got[c.Shortcut] = c
	}
	for _, shortcut := range []string{"complaint", "praise", "question"} {
		c, ok := got[shortcut]
		if !ok || c.Title == "" || c.Text == "" || c.CreatedAt.IsZero() {
			t.Errorf("seeded /%s = %+v, want it with a title and text", shortcut, c)
		}
	}
	// Migrating again seeds nothing twice.
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	again, err := s.ListCanned(t.Context())
	if err != nil || len(again) != len(all) {
		t.Fatalf("after a second migrate: %d canned responses (err %v), want %d", len(again), err, len(all))
	}
}

func TestCannedShortcutIsUnique(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	err := s.CreateCanned(ctx, &storage.CannedResponse{Shortcut: "praise", Title: "Again", Text: "Thanks!"})
	if !errors.Is(err, storage.ErrShortcutTaken) {
		t.Fatalf("create with a taken shortcut: err = %v, want ErrShortcutTaken", err)
	}
	c := storage.CannedResponse{Shortcut: "refund", Title: "Refund", Text: "Your refund is on its way."}
	if err := s.CreateCanned(ctx, &c); err != nil {
		t.Fatal(err)
	}
	c.Shortcut = "question"
	if err := s.SaveCanned(ctx, &c); !errors.Is(err, storage.ErrShortcutTaken) {
		t.Fatalf("rename to a taken shortcut: err = %v, want ErrShortcutTaken", err)
	}
	if err := s.DeleteCanned(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCanned(ctx, c.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("delete twice: err = %v, want ErrNotFound", err)
	}
}

func TestConsoleMigrationUpgradesAnOlderDatabase(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	// Take the database back to before migration 3.
	for _, sql := range []string{"DROP TABLE canned_responses", "DROP TABLE read_marks", "DELETE FROM schema_migrations WHERE version = 3"} {
		if err := s.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if s.Dialect() == storage.Postgres {
		if err := s.Exec(ctx, "ALTER TABLE messages ALTER COLUMN direction TYPE varchar(4)"); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("migrate applied %d, err %v; want migration 3 alone", n, err)
	}
	if all, err := s.ListCanned(ctx); err != nil || len(all) != 3 {
		t.Fatalf("after upgrading: %d canned responses, err %v; want the 3 seeds", len(all), err)
	}
	conv := newConversation(t, s, "1")
	note := storage.Message{ConversationID: conv.ID, Direction: storage.Internal, Author: storage.AuthorOperator, Kind: storage.KindNote, Text: "n"}
	if err := s.InsertMessage(ctx, &note); err != nil {
		t.Fatalf("store a note after upgrading: %v", err)
	}
}

func TestFollowUpMigrationUpdatesOnlyUneditedSeeds(t *testing.T) {
	s := storagetest.Open(t)
	ctx := t.Context()
	// Back to before migration 12, with the first seeds, one edited.
	for _, sql := range []string{
		"DROP TABLE follow_ups", "DELETE FROM schema_migrations WHERE version = 12",
		"DELETE FROM canned_responses WHERE shortcut LIKE '%_ru'",
		"UPDATE canned_responses SET text = 'Thank you so much for your kind words! They mean a lot to our team, and we have passed them on. Have a wonderful day!' WHERE shortcut = 'praise'",
		"UPDATE canned_responses SET text = 'Our own complaint reply.' WHERE shortcut = 'complaint'",
	} {
		if err := s.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Migrate(ctx); err != nil || n != 1 {
		t.Fatalf("migrate applied %d, err %v; want migration 12 alone", n, err)
	}
	all, err := s.ListCanned(ctx)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, c := range all {
		texts[c.Shortcut] = c.Text
	}
	if !strings.Contains(texts["praise"], "small thank-you") {
		t.Errorf("the unedited praise seed was not brought up to date: %q", texts["praise"])
	}
	if texts["complaint"] != "Our own complaint reply." {
		t.Errorf("an edited seed was overwritten: %q", texts["complaint"])
	}
	if len(all) != 6 || texts["praise_ru"] == "" {
		t.Errorf("after upgrading: %d canned replies, want the Russian ones added", len(all))
	}
}
