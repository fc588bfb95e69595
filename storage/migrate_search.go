package storage

import (
	"fmt"

	"gorm.io/gorm"
)

// migrateSearch is migration 14: what package search reads, kept in step
// with messages and customers by the database itself (messages written by
// customers and operators only: the bot's are the same few texts in every
// conversation), so every transaction
// that writes them (the engine's group commit included) updates the index
// with no Go code of its own, and an erasure that rewrites a text rewrites
// its entry.
//
// PostgreSQL: GIN expression indexes over to_tsvector('simple', …) —
// words lower-cased by the database's LC_CTYPE, no stemming, so any
// language (Russian and English mixed) matches by prefix (to_tsquery's
// ":*"). SQLite: external-content FTS5 tables with the unicode61 tokenizer
// (Unicode case folding, diacritics removed), filled by triggers; the
// tables are built from the rows already there.
func migrateSearch(tx *gorm.DB) error {
	stmts := searchSQLite
	if tx.Dialector.Name() == "postgres" {
		stmts = searchPostgres
	}
	for _, stmt := range stmts {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("search index: %s: %w", firstLine(stmt), err)
		}
	}
	return nil
}

// The expressions here are the ones package search queries with: an index
// is used only when the query repeats its expression exactly.
var searchPostgres = []string{
	`CREATE INDEX IF NOT EXISTS idx_message_search ON messages USING gin (to_tsvector('simple', text))
		WHERE author IN ('customer', 'operator')`,
	`CREATE INDEX IF NOT EXISTS idx_customer_search ON customers USING gin
		(to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(username, '')))`,
	`CREATE INDEX IF NOT EXISTS idx_customer_username ON customers (lower(username))`,
	// Conversations from the latest: the walk for common words.
	searchWalkIndex,
	// Numbers by their ending: reversed, read from the start.
	`CREATE INDEX IF NOT EXISTS idx_customer_phone_reversed ON customers (reverse(phone) text_pattern_ops)`,
}

var searchSQLite = append(messageSearchSQLite, customerSearchSQLite...)

// messageSearchSQLite makes message_search. Its second column is the
// message's conversation, its id as a word: package search asks FTS5 for a
// word's matches among a few conversations at a time when it walks them
// from the latest (search/walk.go), so queries name the column of their
// words ({text}).
var messageSearchSQLite = []string{
	`CREATE VIRTUAL TABLE IF NOT EXISTS message_search USING fts5
		(text, conversation_id, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`,
	`CREATE TRIGGER IF NOT EXISTS message_search_insert AFTER INSERT ON messages
	WHEN new.author IN ('customer', 'operator') BEGIN
		INSERT INTO message_search (rowid, text, conversation_id) VALUES (new.id, new.text, new.conversation_id);
	END`,
	`CREATE TRIGGER IF NOT EXISTS message_search_delete AFTER DELETE ON messages
	WHEN old.author IN ('customer', 'operator') BEGIN
		INSERT INTO message_search (message_search, rowid, text, conversation_id)
			VALUES ('delete', old.id, old.text, old.conversation_id);
	END`,
	`CREATE TRIGGER IF NOT EXISTS message_search_update AFTER UPDATE OF text, conversation_id ON messages
	WHEN old.author IN ('customer', 'operator') BEGIN
		INSERT INTO message_search (message_search, rowid, text, conversation_id)
			VALUES ('delete', old.id, old.text, old.conversation_id);
		INSERT INTO message_search (rowid, text, conversation_id) VALUES (new.id, new.text, new.conversation_id);
	END`,
	// Rebuilt from the rows searched only (a 'rebuild' would take every
	// row of messages): emptied first, so running this again is harmless.
	`INSERT INTO message_search (message_search) VALUES ('delete-all')`,
	`INSERT INTO message_search (rowid, text, conversation_id)
		SELECT id, text, conversation_id FROM messages WHERE author IN ('customer', 'operator')`,
}

var customerSearchSQLite = []string{
	`CREATE VIRTUAL TABLE IF NOT EXISTS customer_search USING fts5
		(name, username, content='customers', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`,
	`CREATE TRIGGER IF NOT EXISTS customer_search_insert AFTER INSERT ON customers BEGIN
		INSERT INTO customer_search (rowid, name, username) VALUES (new.id, new.name, new.username);
	END`,
	`CREATE TRIGGER IF NOT EXISTS customer_search_delete AFTER DELETE ON customers BEGIN
		INSERT INTO customer_search (customer_search, rowid, name, username) VALUES ('delete', old.id, old.name, old.username);
	END`,
	`CREATE TRIGGER IF NOT EXISTS customer_search_update AFTER UPDATE OF name, username ON customers BEGIN
		INSERT INTO customer_search (customer_search, rowid, name, username) VALUES ('delete', old.id, old.name, old.username);
		INSERT INTO customer_search (rowid, name, username) VALUES (new.id, new.name, new.username);
	END`,
	`INSERT INTO customer_search (customer_search) VALUES ('rebuild')`,
	`CREATE INDEX IF NOT EXISTS idx_customer_username ON customers (lower(username))`,
}

// migrateSearchWalk is migration 19: what package search needs to walk
// conversations from the latest for common words on SQLite as it does on
// PostgreSQL — their index by latest message (migration 14 made it on
// PostgreSQL only; there this does nothing), and message_search with each
// message's conversation, rebuilt from the messages there when migration
// 14 made it without.
func migrateSearchWalk(tx *gorm.DB) error {
	if err := tx.Exec(searchWalkIndex).Error; err != nil {
		return fmt.Errorf("search walk index: %w", err)
	}
	if tx.Dialector.Name() == "postgres" {
		return nil
	}
	var n int64
	err := tx.Raw(`SELECT count(*) FROM pragma_table_info('message_search') WHERE name = 'conversation_id'`).Scan(&n).Error
	if err != nil {
		return fmt.Errorf("message_search columns: %w", err)
	}
	if n > 0 {
		return nil
	}
	stmts := append([]string{"DROP TRIGGER IF EXISTS message_search_insert", "DROP TRIGGER IF EXISTS message_search_delete",
		"DROP TRIGGER IF EXISTS message_search_update", "DROP TABLE IF EXISTS message_search"}, messageSearchSQLite...)
	for _, stmt := range stmts {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("message search: %s: %w", firstLine(stmt), err)
		}
	}
	return nil
}

const searchWalkIndex = `CREATE INDEX IF NOT EXISTS idx_conversation_last_message ON conversations (last_message_at, id)`

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
