package search

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
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
	Rank          int
	LastMessageAt time.Time
	ID            uint64
}

// encode makes the opaque cursor the client sends back.
func (k sortKey) encode() string {
	raw := fmt.Sprintf("%d.%d.%d", k.Rank, k.LastMessageAt.UnixNano(), k.ID)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// decodeCursor reads a cursor made by encode.
func decodeCursor(s string) (sortKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return sortKey{}, ErrBadCursor
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 {
		return sortKey{}, ErrBadCursor
	}
	rank, err1 := strconv.Atoi(parts[0])
	nanos, err2 := strconv.ParseInt(parts[1], 10, 64)
	id, err3 := strconv.ParseUint(parts[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || rank < rankExact || rank > rankText {
		return sortKey{}, ErrBadCursor
	}
	return sortKey{Rank: rank, LastMessageAt: time.Unix(0, nanos).UTC(), ID: id}, nil
}
