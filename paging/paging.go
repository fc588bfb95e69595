// Package paging is how every list of switchboard pages: a page size
// (?limit=) and an opaque cursor (?cursor=) that carries the sort key of
// the last row handed out, so the next page starts right after it (keyset
// paging) however the rows before it moved, with no cap across pages.
// Storage encodes a list's key into a cursor and decodes it back; the API
// parses ?limit= and turns ErrBadCursor and ErrBadLimit into 400s.
package paging

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Page sizes.
const (
	// DefaultLimit is the page size when ?limit= is absent.
	DefaultLimit = 100
	// MaxLimit is the largest page; more rows take more pages.
	MaxLimit = 500
)

// ErrBadCursor is returned for a cursor this server did not hand out for
// the list asked, or one that cannot be read.
var ErrBadCursor = errors.New("bad cursor")

// ErrBadLimit is returned for a page size that is not a number from 1 to
// MaxLimit.
var ErrBadLimit = errors.New("bad limit")

// ParseLimit reads a ?limit= value: DefaultLimit when raw is empty, else a
// number from 1 to MaxLimit; anything else is an ErrBadLimit saying what
// was wrong.
func ParseLimit(raw string) (int, error) {
	if raw == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, fmt.Errorf("%w: limit must be a number from 1 to %d, not %q", ErrBadLimit, MaxLimit, raw)
	}
	return n, nil
}

// Clamp is limit when it is from 1 to MaxLimit, else DefaultLimit: for
// callers inside the server that pass no limit.
func Clamp(limit int) int {
	if limit < 1 || limit > MaxLimit {
		return DefaultLimit
	}
	return limit
}

// envelope is what a cursor holds: the list it belongs to and the key of
// the last row given.
type envelope struct {
	List string          `json:"l"`
	Key  json.RawMessage `json:"k"`
}

// Encode makes the cursor that continues list after the row whose sort key
// is key (any JSON-encodable value). The text is URL-safe base64, opaque to
// clients.
func Encode(list string, key any) (string, error) {
	raw, err := json.Marshal(key)
	if err != nil {
		return "", fmt.Errorf("encode %s cursor: %w", list, err)
	}
	b, err := json.Marshal(envelope{List: list, Key: raw})
	if err != nil {
		return "", fmt.Errorf("encode %s cursor: %w", list, err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Decode reads cursor into key, which must be a pointer to the type given
// to Encode. A cursor of another list, or one altered, is an ErrBadCursor.
func Decode(list, cursor string, key any) error {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return fmt.Errorf("%w: not one this server handed out", ErrBadCursor)
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil || len(env.Key) == 0 {
		return fmt.Errorf("%w: not one this server handed out", ErrBadCursor)
	}
	if env.List != list {
		return fmt.Errorf("%w: it continues another list, not this one", ErrBadCursor)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Key))
	dec.DisallowUnknownFields()
	if err := dec.Decode(key); err != nil {
		return fmt.Errorf("%w: not one this server handed out", ErrBadCursor)
	}
	return nil
}
