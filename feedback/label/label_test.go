package label_test

import (
	"testing"

	"github.com/switchboardhq/switchboard/feedback/label"
)

func TestLabelByDefaultRules(t *testing.T) {
	c := label.New(label.DefaultRules())
	cases := []struct{ text, want string }{
		{"Thanks a lot, you were very helpful!", label.Thanks},
		{"Спасибо большое, всё получилось", label.Thanks},
		{"Благодарю за помощь", label.Thanks},
		{"The courier was rude and the box was broken", label.Complaint},
		{"Спасибо, но ваш курьер нагрубил, это ужасно", label.Complaint},
		{"Thanks, but it still doesn't work", label.Complaint},
		{"Приложение не работает", label.Complaint},
		{"When will my refund arrive?", label.Complaint}, // a refund asked for is a complaint first
		{"Where is my parcel?", label.Question},
		{"Подскажите, когда будет доставка", label.Question},
		{"Thanks! How long does delivery take?", label.Question},
		{"Thanks, not bad at all!", label.Thanks},
		{"Thank you! The badge arrived", label.Thanks},
		{"Thanks, you were not slow at all", label.Thanks},
		{"Great, it works now, no refund needed, thank you", label.Thanks},
		{"Спасибо, всё хорошо, не долго ждал", label.Thanks},
		{"Ждал очень долго", label.Complaint},
		{"ok", ""},
		{"", ""},
	}
	for _, tc := range cases {
		if got := c.Label(tc.text); got != tc.want {
			t.Errorf("Label(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestWordsStemsAndNegations(t *testing.T) {
	c := label.New(label.Rules{label.Thanks: {"en": {"thank*"}}, label.Complaint: {"en": {"bad", "not working"}}})
	cases := []struct{ text, want string }{
		{"thankful", label.Thanks}, // a stem matches a word's start
		{"unthankful", ""},         // but not inside one
		{"the badge arrived", ""},  // a word matches only itself
		{"that was bad", label.Complaint},
		{"not bad at all", ""},                 // negated
		{"not too bad", ""},                    // negated with a word between
		{"it is not working", label.Complaint}, // a phrase is never negated
	}
	for _, tc := range cases {
		if got := c.Label(tc.text); got != tc.want {
			t.Errorf("Label(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestForScoreFallsBackOnTheScore(t *testing.T) {
	c := label.New(label.DefaultRules())
	cases := []struct {
		text  string
		score int
		want  string
	}{
		{"meh", 3, label.Complaint},
		{"meh", 10, label.Thanks},
		{"meh", 8, label.Question},
		{"the operator was rude", 9, label.Complaint},
	}
	for _, tc := range cases {
		if got := c.ForScore(tc.text, tc.score); got != tc.want {
			t.Errorf("ForScore(%q, %d) = %q, want %q", tc.text, tc.score, got, tc.want)
		}
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	problems := label.Rules{
		"praise":        {"en": {"nice"}},
		label.Thanks:    {"en": {}},
		label.Complaint: {"ru": {"плохо", " ", "*"}},
		label.Question:  {},
	}.Validate()
	want := []string{
		`labels.complaint.ru[1]: is empty`,
		`labels.complaint.ru[2]: is empty`,
		`labels.praise: "praise" is not thanks, complaint or question`,
		`labels.question: needs keywords for at least one language, e.g. {en: [thank*]}; leave it out to keep the built-in ones`,
		`labels.thanks.en: needs at least one keyword`,
	}
	if len(problems) != len(want) {
		t.Fatalf("problems = %q, want %q", problems, want)
	}
	for i := range want {
		if problems[i].String() != want[i] {
			t.Errorf("problem %d = %q, want %q", i, problems[i], want[i])
		}
	}
}
