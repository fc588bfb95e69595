package search

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/phone"
)

// querySeeds are what operators type into the search box.
var querySeeds = []string{
	"SB-000042", "#42", "000042", "sb42", "+44 7700 900123", "07700 900123", "(415) 555-2671", "@bobs_1", "bobs",
	"refund not working", "Возврат денег", "接続 できない", "it's \"quoted\" 'text' ; DROP TABLE messages; --",
	"%_*\\", "   ", "", strings.Repeat("a", 201), strings.Repeat("word ", 20), "0000000", "SB-0", "\xff\xfe",
}

var lowerUsername = regexp.MustCompile(`^[a-z][a-z0-9_]{2,63}$`)

// FuzzParseQuery: whatever an operator types, Parse does not panic; an
// empty query and one over MaxQueryLength are refused with their errors;
// an accepted one has at most maxWords lower-case words of letters and
// digits (so the full-text queries built from them are quoted whole), a
// phone in E.164 that normalises to itself, a tail of at least
// minPhoneDigits digits, and a username as Telegram spells them. Its
// snippet of the query itself never runs past snippetLength and marks
// only words that start with one of the query's.
func FuzzParseQuery(f *testing.F) {
	for _, s := range querySeeds {
		f.Add(s, "GB")
	}
	f.Add("8 912 345-67-89", "RU")
	f.Add("415 555 2671", "")
	f.Fuzz(func(t *testing.T, raw, region string) {
		q, err := Parse(raw, region)
		s := strings.TrimSpace(raw)
		switch {
		case s == "":
			if !errors.Is(err, ErrEmptyQuery) {
				t.Fatalf("empty query %q: %v", raw, err)
			}
			return
		case utf8.RuneCountInString(s) > MaxQueryLength:
			if !errors.Is(err, ErrQueryTooLong) {
				t.Fatalf("query of %d characters: %v", utf8.RuneCountInString(s), err)
			}
			return
		case err != nil:
			t.Fatalf("refused %q: %v", raw, err)
		}
		if len(q.Words) > maxWords {
			t.Errorf("%d words", len(q.Words))
		}
		for _, w := range q.Words {
			if w == "" || utf8.RuneCountInString(w) > 64 || strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				t.Errorf("word %q of %q", w, raw)
			}
		}
		if n := strings.Count(tsQuery(q.Words), "'"); n != 2*len(q.Words) {
			t.Errorf("tsquery %q of words %q has %d quotes", tsQuery(q.Words), q.Words, n)
		}
		if q.Phone != "" {
			if again, err := phone.Normalize(q.Phone, ""); err != nil || again != q.Phone {
				t.Errorf("phone %q normalises to %q, %v", q.Phone, again, err)
			}
		}
		if q.PhoneTail != "" && (len(q.PhoneTail) < minPhoneDigits || q.PhoneTail[0] == '0' || strings.Trim(q.PhoneTail, "0123456789") != "") {
			t.Errorf("phone tail %q of %q", q.PhoneTail, raw)
		}
		if q.Username != "" && !lowerUsername.MatchString(q.Username) {
			t.Errorf("username %q of %q", q.Username, raw)
		}
		shown := 0
		for _, seg := range textSnippet(raw, q.Words) {
			if seg.Text != "…" {
				shown += utf8.RuneCountInString(seg.Text)
			}
			if seg.Match && !matchesAWord(strings.ToLower(seg.Text), q.Words) {
				t.Errorf("segment %q marked as a match of %q", seg.Text, q.Words)
			}
		}
		if shown > snippetLength {
			t.Errorf("snippet of %q shows %d characters", raw, shown)
		}
	})
}

// FuzzSearchCursor: a cursor the client sends back is read, or refused as
// ErrBadCursor; one that is read encodes to a cursor that reads the same.
func FuzzSearchCursor(f *testing.F) {
	good, err := sortKey{Rank: rankText, ID: 42}.encode()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{good, "", "bm90IGEgY3Vyc29y", good + "x", strings.ToUpper(good), "eyJyIjo5fQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cursor string) {
		k, err := decodeCursor(cursor)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) {
				t.Fatalf("cursor %q refused with %v, not ErrBadCursor", cursor, err)
			}
			return
		}
		again, err := k.encode()
		if err != nil {
			t.Fatal(err)
		}
		if k2, err := decodeCursor(again); err != nil || k2 != k {
			t.Fatalf("cursor %q reads %+v, re-encoded reads %+v, %v", cursor, k, k2, err)
		}
	})
}

// matchesAWord reports whether a segment marked as a match starts with one
// of words, or is the start of one that the snippet's end cut.
func matchesAWord(seg string, words []string) bool {
	for _, w := range words {
		if strings.HasPrefix(seg, w) || strings.HasPrefix(w, seg) {
			return true
		}
	}
	return false
}
