package search

import (
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/paging"
)

// Results come in this order: rank first (exact ticket, phone or username
// matches, then names and number endings, then message texts), then the
// conversation with the latest message, then the highest id. A page ends
// with the key of its last result; the next starts after it.
const (
	rankExact    = 0
	rankCustomer = 1
	rankText     = 2
)

// sortKey is where a result stands in the order.
type sortKey struct {
	Rank          int       `json:"r"`
	LastMessageAt time.Time `json:"t"`
	ID            uint64    `json:"i"`
}

// cursorList names search's results in the cursors package paging makes,
// so a cursor of another list is refused here.
const cursorList = "search"

// encode makes the opaque cursor the client sends back.
func (k sortKey) encode() (string, error) { return paging.Encode(cursorList, k) }

// decodeCursor reads a cursor made by encode; anything else is an
// ErrBadCursor.
func decodeCursor(s string) (sortKey, error) {
	var k sortKey
	if err := paging.Decode(cursorList, s, &k); err != nil {
		return sortKey{}, err
	}
	if k.Rank < rankExact || k.Rank > rankText {
		return sortKey{}, fmt.Errorf("%w: rank %d is none of search's", ErrBadCursor, k.Rank)
	}
	k.LastMessageAt = k.LastMessageAt.UTC()
	return k, nil
}
