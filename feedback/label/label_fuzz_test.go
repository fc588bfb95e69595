package label_test

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/feedback/label"
)

// FuzzLabel: any rules the YAML may hold (a label, a language, a keyword)
// are validated without panicking; a keyword they accept, alone in its
// rules, labels its own text; and any text is labelled by the built-in
// and the merged rules with one of All or "", for any survey score.
func FuzzLabel(f *testing.F) {
	for _, c := range []struct{ name, lang, keyword, text string }{
		{"thanks", "en", "thank*", "Thank you so much!"},
		{"complaint", "ru", "не работает", "Ничего не работает, верните деньги"},
		{"question", "en", "?", "when will my order arrive?"},
		{"complaint", "en", "bad", "not bad at all"},
		{"praise", "en", "wow", "wow"},
		{"thanks", "", "", ""},
		{"thanks", "en", "*", "***"},
		{"complaint", "de", "schlecht*", "SCHLECHTER Service, nicht gut"},
		{"thanks", "tr", "İyi", "İYİ"},
		{"question", "en", "don’t know", "I don't know, I don’t know"},
	} {
		f.Add(c.name, c.lang, c.keyword, c.text, 7)
	}
	def := label.New(label.DefaultRules())
	f.Fuzz(func(t *testing.T, name, lang, keyword, text string, score int) {
		rules := label.Rules{name: {lang: {keyword}}}
		problems := rules.Validate()
		for _, p := range problems {
			if !strings.HasPrefix(p.Key, "labels.") || p.Problem == "" {
				t.Errorf("problem %q", p)
			}
		}
		valid := func(l string) bool { return l == "" || label.Valid(l) }
		if l := def.Label(text); !valid(l) {
			t.Fatalf("built-in rules label %q as %q", text, l)
		}
		if l := def.ForScore(text, score); !label.Valid(l) {
			t.Fatalf("score %d of %q labelled %q", score, text, l)
		}
		if len(problems) > 0 {
			return
		}
		if l := label.New(label.Merge(label.DefaultRules(), rules)).Label(text); !valid(l) {
			t.Fatalf("merged rules label %q as %q", text, l)
		}
		if l := label.New(rules).Label(keyword); l != name {
			t.Errorf("keyword %q of %s labels its own text as %q", keyword, name, l)
		}
	})
}
