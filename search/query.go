// Package search finds conversations for operators: by ticket number, by
// the customer's phone written any way, name or Telegram username, and by
// words of any language in messages, by prefix. It holds the rules — what
// a query means, how results rank, how pages continue — and its own SQL
// for both engines over the indexes migration 14 keeps in step with every
// write (storage/migrate_search.go).
package search

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/paging"
	"github.com/switchboardhq/switchboard/phone"
	"github.com/switchboardhq/switchboard/storage"
)

// Errors a caller shows as a bad request.
var (
	ErrEmptyQuery   = errors.New("q is empty: say what to search for")
	ErrQueryTooLong = errors.New("q is too long: at most 200 characters")
	ErrBadCursor    = paging.ErrBadCursor
)

// MaxQueryLength is the longest query taken, in characters.
const MaxQueryLength = 200

// maxWords is how many words of a query are looked for in texts; the rest
// are ignored, so a pasted paragraph cannot make a huge query.
const maxWords = 8

// minPhoneDigits is the fewest digits looked for at the end of customers'
// numbers: fewer would match too many.
const minPhoneDigits = 7

// Query is what one search box entry asks for: every part that is set is
// looked for, and a conversation matching any of them is found.
type Query struct {
	// Ticket is the conversation id a ticket number names (SB-000042,
	// 000042 or 42); 0 when the query is not one.
	Ticket uint64
	// Phone is the query as an E.164 number, when it reads as one.
	Phone string
	// PhoneTail is the query's digits without leading zeros, matched at
	// the end of customers' numbers: a number written without its country
	// code, or with a trunk 0, still finds them.
	PhoneTail string
	// Username is a Telegram username (without @; they start with a
	// letter), matched exactly.
	Username string
	// Words are the query's words, lower-cased, each matched as the start
	// of a word in names, usernames and message texts.
	Words []string
}

var (
	ticketPattern   = regexp.MustCompile(`(?i)^#?(?:` + regexp.QuoteMeta(strings.TrimSuffix(storage.TicketPrefix, "-")) + `-?)?(\d{1,12})$`)
	phoneChars      = regexp.MustCompile(`^\+?[\d\s\-().]+$`)
	usernamePattern = regexp.MustCompile(`^@?([A-Za-z][A-Za-z0-9_]{2,63})$`)
)

// Parse reads what an operator typed. defaultRegion (an ISO country, or
// "") reads phone numbers written without a country code.
func Parse(raw, defaultRegion string) (Query, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Query{}, ErrEmptyQuery
	}
	if utf8.RuneCountInString(s) > MaxQueryLength {
		return Query{}, ErrQueryTooLong
	}
	var q Query
	if m := ticketPattern.FindStringSubmatch(s); m != nil {
		if n, err := strconv.ParseUint(m[1], 10, 64); err == nil && n > 0 {
			q.Ticket = n
		}
	}
	if phoneChars.MatchString(s) {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		if len(digits) >= minPhoneDigits {
			if e164, err := phone.Normalize(s, defaultRegion); err == nil {
				q.Phone = e164
			}
			if tail := strings.TrimLeft(digits, "0"); len(tail) >= minPhoneDigits {
				q.PhoneTail = tail
			}
		}
	}
	if m := usernamePattern.FindStringSubmatch(s); m != nil {
		q.Username = strings.ToLower(m[1])
	}
	q.Words = words(s)
	return q, nil
}

// words splits s into lower-cased runs of letters and digits, at most
// maxWords of them, each at most 64 characters.
func words(s string) []string {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := make([]string, 0, min(len(fields), maxWords))
	seen := map[string]bool{}
	for _, f := range fields {
		if len(out) == maxWords {
			break
		}
		if r := []rune(f); len(r) > 64 {
			f = string(r[:64])
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}
