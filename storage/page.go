package storage

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/paging"
)

// timeKey is the sort key of a list ordered by one time, then by id: what
// its cursor carries.
type timeKey struct {
	At time.Time `json:"t"`
	ID uint64    `json:"i"`
}

// keyset is one list's order, told as keyset paging needs it.
type keyset[T any, K any] struct {
	// list names the list (and its order) in its cursors, so a cursor
	// of one list is refused by another.
	list string
	// order is the ORDER BY clause.
	order string
	// after is the condition keeping the rows after a key, as SQL with
	// placeholders for the values args gives; one row-value comparison
	// whose columns an index holds in the same order.
	after string
	args  func(K) []any
	// keyOf is the sort key of a row.
	keyOf func(T) K
}

// page runs q in ks's order for at most limit rows (paging.Clamp) after
// cursor ("" for the first page) and returns them with the cursor of the
// next page, "" when these are the last.
func page[T any, K any](q *gorm.DB, ks keyset[T, K], cursor string, limit int) ([]T, string, error) {
	limit = paging.Clamp(limit)
	if cursor != "" {
		var k K
		if err := paging.Decode(ks.list, cursor, &k); err != nil {
			return nil, "", err
		}
		q = q.Where(ks.after, ks.args(k)...)
	}
	var out []T
	if err := q.Order(ks.order).Limit(limit + 1).Find(&out).Error; err != nil {
		return nil, "", fmt.Errorf("page of %s: %w", ks.list, err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	next, err := paging.Encode(ks.list, ks.keyOf(out[limit-1]))
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// keyAt is the timeKey of a row whose time may be unset: the zero time
// then (the lists that use it hold only rows that have it: waiting ones
// were handed over, resolved ones resolved).
func keyAt(at *time.Time, id uint64) timeKey {
	k := timeKey{ID: id}
	if at != nil {
		k.At = *at
	}
	return k
}

// timeKeyArgs are the values of a timeKey for a keyset's after condition.
func timeKeyArgs(k timeKey) []any { return []any{k.At.UTC(), k.ID} }
