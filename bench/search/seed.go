package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Words customers write most, which many messages share.
var (
	commonRu = []string{"здравствуйте", "посылка", "заказ", "доставка", "оплата", "спасибо", "когда", "где", "почему",
		"вернуть", "деньги", "курьер", "адрес", "номер", "телефон", "магазин", "товар", "сломан", "помогите", "пожалуйста"}
	commonEn = []string{"hello", "parcel", "order", "delivery", "payment", "thanks", "when", "where", "refund",
		"courier", "address", "number", "broken", "please", "help", "account", "password", "invoice", "return", "late"}
	firstNames = []string{"Иван", "Мария", "Алексей", "Ольга", "Дмитрий", "Анна", "Сергей", "Елена", "John", "Emma",
		"Oliver", "Sophia", "James", "Amelia", "Liam", "Mia", "Noah", "Ava", "William", "Isla"}
	lastNames = []string{"Петров", "Иванова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Козлова",
		"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright"}
	syllables = []string{"ka", "lo", "mi", "ra", "tu", "ne", "so", "vi", "da", "pe", "ко", "ла", "ми", "ру", "то",
		"не", "со", "ви", "да", "пе", "gr", "st", "бр", "ст"}
)

// rareWord is one of about 330,000 made-up words: most occur in a handful
// of messages, as names of products, places and people do.
func rareWord(rng *rand.Rand) string {
	n := rng.IntN(len(syllables) * len(syllables) * len(syllables) * 24)
	var b strings.Builder
	for range 4 {
		b.WriteString(syllables[n%len(syllables)])
		n /= len(syllables)
	}
	return b.String()
}

func phoneOf(i int) string    { return fmt.Sprintf("+4477%08d", i) }
func usernameOf(i int) string { return fmt.Sprintf("user_%d", i) }

// sentence is 5 to 12 words, half common, half rare.
func sentence(rng *rand.Rand) string {
	n := 5 + rng.IntN(8)
	words := make([]string, n)
	for i := range words {
		switch rng.IntN(4) {
		case 0:
			words[i] = commonRu[rng.IntN(len(commonRu))]
		case 1:
			words[i] = commonEn[rng.IntN(len(commonEn))]
		default:
			words[i] = rareWord(rng)
		}
	}
	return strings.Join(words, " ")
}

// dropSearch drops migrations 14 and 19's indexes, tables and triggers, dropped
// to seed fast and to time writes without them; the migration makes them
// again over the rows there.
func dropSearch(ctx context.Context, store *storage.Storage) error {
	stmts := []string{"DROP INDEX IF EXISTS idx_message_search", "DROP INDEX IF EXISTS idx_customer_search",
		"DROP INDEX IF EXISTS idx_customer_username", "DROP INDEX IF EXISTS idx_customer_phone_reversed",
		"DROP INDEX IF EXISTS idx_conversation_last_message"}
	if store.Dialect() == storage.SQLite {
		stmts = []string{"DROP TRIGGER IF EXISTS message_search_insert", "DROP TRIGGER IF EXISTS message_search_update",
			"DROP TRIGGER IF EXISTS message_search_delete", "DROP TRIGGER IF EXISTS customer_search_insert",
			"DROP TRIGGER IF EXISTS customer_search_update", "DROP TRIGGER IF EXISTS customer_search_delete",
			"DROP TABLE IF EXISTS message_search", "DROP TABLE IF EXISTS customer_search", "DROP INDEX IF EXISTS idx_customer_username",
			"DROP INDEX IF EXISTS idx_conversation_last_message"}
	}
	for _, stmt := range append(stmts, "DELETE FROM schema_migrations WHERE version IN (14, 19)") {
		if err := store.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// remigrate runs migrations 14 and 19 again and says how long it took.
func remigrate(ctx context.Context, store *storage.Storage) (time.Duration, error) {
	start := time.Now()
	_, err := store.Migrate(ctx)
	return time.Since(start), err
}

// seed writes customers, conversations and messages in multi-row inserts
// with the search index dropped, then times migration 14 indexing them.
func seed(ctx context.Context, store *storage.Storage, o options) error {
	if err := dropSearch(ctx, store); err != nil {
		return err
	}
	for _, t := range []string{"messages", "conversations", "customers"} {
		if err := store.Exec(ctx, "DELETE FROM "+t); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	base := time.Now().UTC().Add(-365 * 24 * time.Hour)
	const batch = 400
	nconv := 2 * o.customers
	err := insertRows(ctx, store, "customers (id, name, username, phone, time_zone, proactive_opt_out, created_at, updated_at)",
		o.customers, batch, func(i int) []any {
			user := ""
			if i%2 == 0 {
				user = usernameOf(i)
			}
			name := firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
			return []any{i + 1, name, user, phoneOf(i), "", false, base, base}
		})
	if err != nil {
		return err
	}
	states := []string{storage.StateResolved, storage.StateResolved, storage.StateResolved, storage.StateWaiting, storage.StateOpen, storage.StateBot}
	lastAt := make([]time.Time, nconv)
	for i := range lastAt {
		lastAt[i] = base.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
	}
	err = insertRows(ctx, store, "conversations (id, customer_id, identity_id, channel, state, step, queue, language, first_text, created_at, updated_at, last_message_at)",
		nconv, batch, func(i int) []any {
			return []any{i + 1, i/2 + 1, i/2 + 1, "telegram", states[rng.IntN(len(states))], "", "", "ru", sentence(rng), lastAt[i], lastAt[i], lastAt[i]}
		})
	if err != nil {
		return err
	}
	err = insertRows(ctx, store, "messages (conversation_id, direction, author, kind, text, channel, external_id, created_at)",
		o.messages, batch, func(i int) []any {
			conv := i % nconv
			dir, author := storage.Inbound, "customer"
			if i/nconv%2 == 1 {
				dir, author = "out", "operator"
			}
			return []any{conv + 1, dir, author, "text", sentence(rng), "telegram", "", lastAt[conv].Add(-time.Duration(i/nconv) * time.Minute)}
		})
	if err != nil {
		return err
	}
	if store.Dialect() == storage.Postgres {
		for _, t := range []string{"customers", "conversations"} {
			if err := store.Exec(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", t, t)); err != nil {
				return err
			}
		}
	}
	took, err := remigrate(ctx, store)
	if err != nil {
		return fmt.Errorf("migration 14: %w", err)
	}
	fmt.Printf("migration 14 indexed the seeded rows in %s\n", took.Round(100*time.Millisecond))
	return nil
}

// insertRows inserts n rows of row(i) into table (with its columns) in
// multi-row statements of batch rows, 25 statements a transaction.
func insertRows(ctx context.Context, store *storage.Storage, table string, n, batch int, row func(i int) []any) error {
	for start := 0; start < n; {
		err := store.Tx(ctx, func(tx *storage.Storage) error {
			for range 25 {
				if start >= n {
					return nil
				}
				end := min(n, start+batch)
				var args []any
				tuples := make([]string, 0, end-start)
				for i := start; i < end; i++ {
					vals := row(i)
					args = append(args, vals...)
					tuples = append(tuples, "("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
				}
				if err := tx.Exec(ctx, "INSERT INTO "+table+" VALUES "+strings.Join(tuples, ", "), args...); err != nil {
					return err
				}
				start = end
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// timeWrites writes o.writes messages one per transaction, each moving
// its conversation's last activity, as a webhook does, with the index kept, then with it dropped; the migration then
// makes it again.
func timeWrites(ctx context.Context, store *storage.Storage, o options) error {
	rng := rand.New(rand.NewPCG(5, 6))
	write := func() ([]time.Duration, error) {
		lat := make([]time.Duration, 0, o.writes)
		for range o.writes {
			m := storage.Message{ConversationID: uint64(1 + rng.IntN(2*o.customers)), Direction: storage.Inbound,
				Author: "customer", Kind: "text", Text: sentence(rng), Channel: "telegram", CreatedAt: time.Now().UTC()}
			start := time.Now()
			err := store.Tx(ctx, func(tx *storage.Storage) error {
				if err := tx.InsertMessage(ctx, &m); err != nil {
					return err
				}
				return tx.Exec(ctx, "UPDATE conversations SET last_message_at = ?, updated_at = ? WHERE id = ?",
					m.CreatedAt, m.CreatedAt, m.ConversationID)
			})
			if err != nil {
				return nil, err
			}
			lat = append(lat, time.Since(start))
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		return lat, nil
	}
	with, err := write()
	if err != nil {
		return err
	}
	if err := dropSearch(ctx, store); err != nil {
		return err
	}
	without, err := write()
	if err != nil {
		return err
	}
	took, err := remigrate(ctx, store)
	if err != nil {
		return err
	}
	fmt.Printf("\nwriting one message per transaction (%d each way)\n", o.writes)
	fmt.Printf("%-16s %8s %8s %8s\n", "", "mean", "p50", "p95")
	for _, r := range []struct {
		name string
		lat  []time.Duration
	}{{"with the index", with}, {"without", without}} {
		var sum time.Duration
		for _, d := range r.lat {
			sum += d
		}
		fmt.Printf("%-16s %8s %8s %8s\n", r.name, ms(sum/time.Duration(len(r.lat))), ms(r.lat[len(r.lat)/2]), ms(r.lat[len(r.lat)*95/100]))
	}
	fmt.Printf("migration 14 made the index again in %s\n", took.Round(100*time.Millisecond))
	return nil
}
