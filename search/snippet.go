package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Segment is a piece of a snippet: plain text, never markup, and whether
// it is what matched. A console shows it as text, marking matches itself.
type Segment struct {
	Text  string `json:"text"`
	Match bool   `json:"match"`
}

// snippetBefore and snippetLength bound a text's snippet, in characters:
// some context before the first match, and the whole at most this long.
const (
	snippetBefore = 40
	snippetLength = 160
)

// whole is a snippet of one value that matched entirely (a ticket, a
// phone number, a username).
func whole(s string) []Segment { return []Segment{{Text: s, Match: true}} }

// textSnippet cuts text around its first word that starts with one of
// words, marking every such word within the cut. Runs of white space
// become one space. A text with no such word gives its start, unmarked.
func textSnippet(text string, words []string) []Segment {
	runes := []rune(strings.Join(strings.Fields(text), " "))
	type span struct{ from, to int }
	var spans []span
	for i := 0; i < len(runes); i++ {
		if !isWordRune(runes[i]) || (i > 0 && isWordRune(runes[i-1])) {
			continue
		}
		end := i
		for end < len(runes) && isWordRune(runes[end]) {
			end++
		}
		if startsWithAny(string(runes[i:end]), words) {
			spans = append(spans, span{i, end})
		}
		i = end
	}
	from := 0
	if len(spans) > 0 && spans[0].from > snippetBefore {
		from = spans[0].from - snippetBefore
		for from < spans[0].from && isWordRune(runes[from]) && isWordRune(runes[from-1]) {
			from++ // start at a word, not inside one
		}
	}
	to := min(len(runes), from+snippetLength)
	var out []Segment
	add := func(s string, match bool) {
		if s != "" {
			out = append(out, Segment{Text: s, Match: match})
		}
	}
	if from > 0 {
		add("…", false)
	}
	at := from
	for _, sp := range spans {
		if sp.from < from || sp.from >= to {
			continue
		}
		add(string(runes[at:sp.from]), false)
		end := min(sp.to, to)
		add(string(runes[sp.from:end]), true)
		at = end
	}
	add(string(runes[at:to]), false)
	if to < len(runes) {
		add("…", false)
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// startsWithAny reports whether word starts with one of prefixes, ignoring
// case.
func startsWithAny(word string, prefixes []string) bool {
	for _, p := range prefixes {
		n := utf8.RuneCountInString(p)
		r := []rune(word)
		if len(r) >= n && strings.EqualFold(string(r[:n]), p) {
			return true
		}
	}
	return false
}
