package twilio_test

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/bots/twilio"
)

func TestSegmentsCountLikeAPhone(t *testing.T) {
	a, zh, grin := strings.Repeat, "ж", "😀"
	cases := []struct {
		name string
		body string
		n    int
		enc  twilio.Encoding
	}{
		{"empty", "", 1, twilio.GSM7},
		{"160 GSM characters fit one", a("a", 160), 1, twilio.GSM7},
		{"161 take two", a("a", 161), 2, twilio.GSM7},
		{"306 fill two parts of 153", a("a", 306), 2, twilio.GSM7},
		{"307 take three", a("a", 307), 3, twilio.GSM7},
		{"GSM accents stay GSM", "Café à Zürich, Ñoño £5 @home ¿qué?", 1, twilio.GSM7},
		{"extension characters count two", a("€", 80), 1, twilio.GSM7},
		{"81 euros are 162 septets", a("€", 81), 2, twilio.GSM7},
		{"an extension character is not split between parts", a("a", 152) + "€" + a("a", 152), 3, twilio.GSM7},
		{"braces are extension characters", "{" + a("a", 158) + "}", 2, twilio.GSM7},
		{"lower-case ç is not GSM", "Français", 1, twilio.UCS2},
		{"an ellipsis makes it UCS-2", "Wait…", 1, twilio.UCS2},
		{"a curly apostrophe makes it UCS-2", "It’s " + a("a", 70), 2, twilio.UCS2},
		{"70 Cyrillic letters fit one", a(zh, 70), 1, twilio.UCS2},
		{"71 take two", a(zh, 71), 2, twilio.UCS2},
		{"134 fill two parts of 67", a(zh, 134), 2, twilio.UCS2},
		{"135 take three", a(zh, 135), 3, twilio.UCS2},
		{"an emoji takes two units", a(grin, 35), 1, twilio.UCS2},
		{"a surrogate pair is not split between parts", a(zh, 66) + grin + a(zh, 66), 3, twilio.UCS2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, enc := twilio.Segments(c.body)
			if n != c.n || enc != c.enc {
				t.Fatalf("Segments = %d %s, want %d %s", n, enc, c.n, c.enc)
			}
		})
	}
}
