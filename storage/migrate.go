package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// schemaMigration records one applied migration.
type schemaMigration struct {
	Version   int       `gorm:"primaryKey;autoIncrement:false"`
	Name      string    `gorm:"size:128;not null"`
	AppliedAt time.Time `gorm:"not null"`
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// migration is one numbered step of the schema. Steps never change once
// released; a new need is a new step.
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB) error
}

var migrations = []migration{
	{1, "core: customers, identities, conversations, messages, outbox, operators, sessions", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&Customer{}, &Identity{}, &Conversation{}, &Message{}, &OutboxItem{}, &Operator{}, &Session{})
	}},
	// Versions are applied in list order and recorded one by one, so a
	// database that got 3 before 2 existed simply gets 2 later: the two
	// touch different tables.
	{2, "operators: capacity, presence, last assignment; login failures", migrateOperators},
	{3, "console: canned responses (seeded), read marks", migrateConsole},
	{4, "phone channels: identity opt-out, responses said in a call", func(tx *gorm.DB) error {
		return addColumns(tx, column{&Identity{}, "OptedOut"}, column{&Message{}, "Response"})
	}},
	{5, "messages: the choices offered with a reply", func(tx *gorm.DB) error {
		return addColumns(tx, column{&Message{}, "Choices"})
	}},
	{6, "callbacks: durable callback requests, leased by dialers", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&Callback{})
	}},
	{7, "operators: the phone callback calls ring", func(tx *gorm.DB) error {
		return addColumns(tx, column{&Operator{}, "Phone"})
	}},
	{8, "callbacks: dial now, ahead of the queue", func(tx *gorm.DB) error {
		return addColumns(tx, column{&Callback{}, "DialNow"})
	}},
	{9, "callbacks: reminder and late notice sent, once each", func(tx *gorm.DB) error {
		return addColumns(tx, column{&Callback{}, "RemindedAt"}, column{&Callback{}, "LateNoticeAt"})
	}},
	{10, "customers and their callbacks: a time zone set by an operator", func(tx *gorm.DB) error {
		return addColumns(tx, column{&Customer{}, "TimeZone"}, column{&Callback{}, "TimeZone"})
	}},
	{11, "feedback: surveys; message labels and proactive marks; customers' opt-out", migrateFeedback},
	{12, "feedback: follow-ups for the feedback owner; canned replies that follow the practice", migrateFollowUps},
	{13, "reports: conversations by when they were resolved", func(tx *gorm.DB) error {
		if tx.Migrator().HasIndex(&Conversation{}, "ResolvedAt") {
			return nil
		}
		return tx.Migrator().CreateIndex(&Conversation{}, "ResolvedAt")
	}},
	{14, "search: message and customer text indexes kept by the database", migrateSearch},
	{15, "paging: indexes for every list's keyset order", migratePaging},
	{16, "media: announced type and size of a message's file; fetched files", func(tx *gorm.DB) error {
		if err := addColumns(tx, column{&Message{}, "MediaType"}, column{&Message{}, "MediaSize"}); err != nil {
			return err
		}
		return tx.AutoMigrate(&MediaFile{})
	}},
	{17, "customers: merged into another; erased, by whom and when", func(tx *gorm.DB) error {
		return addColumns(tx, column{&Customer{}, "MergedInto"}, column{&Customer{}, "ErasedAt"},
			column{&Customer{}, "ErasedByID"})
	}},
	{19, "search: conversations by latest message on SQLite too, for the walk through them", migrateSearchWalk},
	{20, "promises: wait estimates and their outcomes; callbacks' promised and first-dialled moments; messages about a callback", migrateWaitEstimates},
	{21, "reports: callbacks by the moment promised", func(tx *gorm.DB) error {
		// EachPromisedCallback reads callbacks by a promised_at range, for
		// both the promises and the feedback report.
		if err := tx.Exec("CREATE INDEX IF NOT EXISTS idx_callbacks_promised_at ON callbacks (promised_at)").Error; err != nil {
			return fmt.Errorf("index callbacks by promised_at: %w", err)
		}
		return nil
	}},
	{22, "promises: operators at work and free slots when a wait was told, for the learned estimate", func(tx *gorm.DB) error {
		return addColumns(tx, column{&WaitEstimate{}, "Operators"}, column{&WaitEstimate{}, "FreeSlots"})
	}},
	{23, "audit: who did what, when and from where, paged newest first", migrateAudit},
	{24, "outbox: each chat's items newest first, for the item before a new one (PostgreSQL)", func(tx *gorm.DB) error {
		// Only PostgreSQL's batches and shared budget look it up; on
		// SQLite the index would only cost every write.
		if tx.Dialector.Name() != "postgres" {
			return nil
		}
		if err := tx.Exec("CREATE INDEX IF NOT EXISTS idx_outbox_chat_id ON outbox (chat_key, id)").Error; err != nil {
			return fmt.Errorf("index outbox by chat_key, id: %w", err)
		}
		return nil
	}},
	{25, "conversations: two indexes fewer to write, each the prefix of a paging index", func(tx *gorm.DB) error {
		// (state, handed_over_at) leads idx_conversation_queue_page and
		// (customer_id) leads idx_conversation_history_page (migration
		// 15); every conversation a batch writes updated all three.
		for _, ix := range []string{"idx_conversation_state_queue", "idx_conversations_customer_id"} {
			if err := tx.Exec("DROP INDEX IF EXISTS " + ix).Error; err != nil {
				return fmt.Errorf("drop index %s: %w", ix, err)
			}
		}
		return nil
	}},
	{26, "queue: the number of waiting conversations kept by the database, for a handover's place (PostgreSQL)", migrateQueueTally},
	{27, "queue: a transaction's own changes to the queue counted in its places (PostgreSQL)", migrateQueuePending},
}

// column names one field of a model, for addColumns.
type column struct {
	model any
	field string
}

// addColumns adds each column its table lacks, so a migration that adds
// columns can run on a database that has some of them already.
func addColumns(tx *gorm.DB, cols ...column) error {
	for _, c := range cols {
		if tx.Migrator().HasColumn(c.model, c.field) {
			continue
		}
		if err := tx.Migrator().AddColumn(c.model, c.field); err != nil {
			return fmt.Errorf("add %s: %w", c.field, err)
		}
	}
	return nil
}

// SchemaVersion is the newest migration this build knows.
func SchemaVersion() int {
	v := 0
	for _, m := range migrations {
		v = max(v, m.version)
	}
	return v
}

// MigrationCount is how many migrations this build knows: what a first
// migrate applies. It equals SchemaVersion unless some numbers are not in
// this build (numbers are handed out to work done in parallel).
func MigrationCount() int { return len(migrations) }

// Migrate applies every migration not yet applied, each in its own
// transaction, and reports how many it applied. On PostgreSQL it then
// creates the write path's functions, or replaces those this build
// changed (functions.go).
func (s *Storage) Migrate(ctx context.Context) (int, error) {
	db := s.q(ctx)
	err := db.Transaction(func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			// Processes starting together on an empty database must not
			// both create the table.
			if err := lockMigrations(tx); err != nil {
				return err
			}
		}
		return tx.AutoMigrate(&schemaMigration{})
	})
	if err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	var applied []int
	if err := db.Model(&schemaMigration{}).Pluck("version", &applied).Error; err != nil {
		return 0, fmt.Errorf("read schema_migrations: %w", err)
	}
	done := map[int]bool{}
	for _, v := range applied {
		done[v] = true
	}
	n := 0
	for _, m := range migrations {
		if done[m.version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			if s.dialect == Postgres {
				// Two instances starting together must not migrate twice.
				if err := lockMigrations(tx); err != nil {
					return err
				}
				var exists int64
				if err := tx.Model(&schemaMigration{}).Where("version = ?", m.version).Count(&exists).Error; err != nil {
					return err
				}
				if exists > 0 {
					return nil
				}
			}
			if err := m.up(tx); err != nil {
				return err
			}
			return tx.Create(&schemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return n, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		n++
	}
	if s.dialect == Postgres {
		// The write path's functions follow the build, not a numbered
		// migration: their text is compared and replaced when it changed.
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := lockMigrations(tx); err != nil {
				return err
			}
			return ensureFunctions(tx)
		})
		if err != nil {
			return n, fmt.Errorf("write path functions: %w", err)
		}
	}
	return n, nil
}

// lockMigrations takes, for tx, the lock that keeps processes starting
// together on one PostgreSQL from migrating at once.
func lockMigrations(tx *gorm.DB) error {
	return tx.Exec("SELECT pg_advisory_xact_lock(7452001)").Error
}
