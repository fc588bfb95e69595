// Package label sorts what customers say about their requests into thanks,
// complaints and questions, by keyword rules kept per language in the
// YAML configuration (labels). It is pure logic: no storage, no channels.
package label

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Labels, as the API, the reports and the YAML name them.
const (
	Thanks    = "thanks"
	Complaint = "complaint"
	Question  = "question"
)

// All lists the labels in the order a text is tried against them: a
// complaint wrapped in thanks is still a complaint, and a question with a
// thank-you still wants an answer.
var All = []string{Complaint, Question, Thanks}

// Valid reports whether s is one of the three labels.
func Valid(s string) bool { return slices.Contains(All, s) }

// Rules map a label to its keywords per language (YAML: labels.<label>.<language>).
// A keyword of letters matches a whole word ("bad" is not in "badge"); one
// of letters ending in * matches a word's start, so a stem such as
// "спасиб*" or "thank*" matches every ending; any other keyword ("?", "not
// working") matches anywhere in the text. A word keyword right after a
// negation ("not bad", "не долго", "no refund needed") does not count.
// Matching ignores case.
type Rules map[string]map[string][]string

// DefaultRules are the built-in English and Russian keywords.
func DefaultRules() Rules {
	return Rules{
		Complaint: {
			"en": {"complain*", "terrible", "awful", "horrible", "rude", "disappoint*", "unacceptable", "worst",
				"angry", "furious", "bad", "broken", "useless", "poor", "slow", "waste*", "refund*",
				"never again", "not working", "doesn't work", "didn't work", "still waiting"},
			"ru": {"жалоб*", "ужасн*", "плох*", "отвратительн*", "хамств*", "груб*", "нагруб*", "разочарова*",
				"безобраз*", "недовол*", "кошмар*", "вернит*", "возврат*", "долго",
				"не работает", "не помогл", "до сих пор"},
		},
		Question: {
			"en": {"?", "how do", "how can", "how long", "when will", "when can", "where is", "where are", "why is",
				"why did", "can you", "could you", "is it possible", "please tell", "i need"},
			"ru": {"?", "подскажите", "скажите", "когда будет", "как мне", "как можно", "где мой", "где моя",
				"почему", "можно ли", "нужно узнать"},
		},
		Thanks: {
			"en": {"thank*", "thx", "cheers", "great", "excellent", "awesome", "perfect", "love*", "helpful",
				"appreciate*", "wonderful", "amazing", "good job", "well done"},
			"ru": {"спасиб*", "благодар*", "отличн*", "супер", "молодц*", "прекрасн*", "замечательн*", "класс*", "помогли"},
		},
	}
}

// negations undo a word keyword right after them (or one word later:
// "not at all bad" aside, "not too slow").
var negations = map[string]bool{
	"not": true, "no": true, "never": true, "isn't": true, "wasn't": true, "don't": true, "didn't": true,
	"не": true, "нет": true, "ни": true, "без": true,
}

// Problem is what is wrong with one YAML key of the rules.
type Problem struct {
	// Key is the YAML key, such as labels.thanks.en[2].
	Key     string
	Problem string
}

func (p Problem) String() string { return p.Key + ": " + p.Problem }

// Validate names every problem of the rules: an unknown label, a label or
// language without keywords, an empty keyword.
func (r Rules) Validate() []Problem {
	var problems []Problem
	add := func(key, format string, args ...any) {
		problems = append(problems, Problem{Key: key, Problem: fmt.Sprintf(format, args...)})
	}
	for _, name := range sortedKeys(r) {
		key := "labels." + name
		if !Valid(name) {
			add(key, "%q is not thanks, complaint or question", name)
			continue
		}
		if len(r[name]) == 0 {
			add(key, "needs keywords for at least one language, e.g. {en: [thank*]}; leave it out to keep the built-in ones")
		}
		for _, lang := range sortedKeys(r[name]) {
			if strings.TrimSpace(lang) == "" {
				add(key, "a language code is empty")
			}
			if len(r[name][lang]) == 0 {
				add(key+"."+lang, "needs at least one keyword")
			}
			for i, kw := range r[name][lang] {
				if k := strings.TrimSpace(kw); k == "" || k == "*" {
					add(fmt.Sprintf("%s.%s[%d]", key, lang, i), "is empty")
				}
			}
		}
	}
	return problems
}

// Merge returns the defaults with each label the YAML names replaced by
// its rules there.
func Merge(defaults, over Rules) Rules {
	out := Rules{}
	for name, langs := range defaults {
		out[name] = langs
	}
	for name, langs := range over {
		out[name] = langs
	}
	return out
}

// Classifier labels texts by Rules.
type Classifier struct {
	// words match whole words, stems the start of one, phrases anywhere.
	words, stems, phrases map[string][]string
}

// New builds a classifier from rules; every language's keywords apply to
// every text, as customers mix languages.
func New(r Rules) *Classifier {
	c := &Classifier{words: map[string][]string{}, stems: map[string][]string{}, phrases: map[string][]string{}}
	for name, langs := range r {
		for _, kws := range langs {
			for _, kw := range kws {
				kw = strings.ToLower(strings.TrimSpace(kw))
				stem, isStem := strings.CutSuffix(kw, "*")
				switch {
				case kw == "":
				case isStem && onlyLetters(stem):
					c.stems[name] = append(c.stems[name], stem)
				case onlyLetters(kw):
					c.words[name] = append(c.words[name], kw)
				default:
					c.phrases[name] = append(c.phrases[name], kw)
				}
			}
		}
	}
	return c
}

// Label is the label of text by the rules, tried in the order of All, or
// "" when no keyword matches.
func (c *Classifier) Label(text string) string {
	lower := strings.ToLower(text)
	words := strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '’' })
	for _, name := range All {
		for _, p := range c.phrases[name] {
			if strings.Contains(lower, p) {
				return name
			}
		}
		for i, w := range words {
			if negated(words, i) {
				continue
			}
			if slices.Contains(c.words[name], w) {
				return name
			}
			for _, stem := range c.stems[name] {
				if strings.HasPrefix(w, stem) {
					return name
				}
			}
		}
	}
	return ""
}

// negated reports whether words[i] follows a negation, directly or with
// one word between ("not too slow").
func negated(words []string, i int) bool {
	for j := max(0, i-2); j < i; j++ {
		if negations[strings.ReplaceAll(words[j], "’", "'")] {
			return true
		}
	}
	return false
}

// ForScore labels a survey comment: by the rules, or when none matches by
// the score it came with — a detractor's (0 to 6) is a complaint, a
// promoter's (9 to 10) thanks, a passive's a question to answer.
func (c *Classifier) ForScore(text string, score int) string {
	if l := c.Label(text); l != "" {
		return l
	}
	switch {
	case score <= 6:
		return Complaint
	case score >= 9:
		return Thanks
	}
	return Question
}

func onlyLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
