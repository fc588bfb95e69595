package telegram_test

import (
	"testing"

	"github.com/switchboardhq/switchboard/dialog"
)

// TestMalformedCommandEntityStaysText: a bot_command entity that does not
// fit the text (found by FuzzParseUpdate; the library's Message.Command
// panicked on it, killing the poller) leaves the message a text, and
// lengths count UTF-16 units as Telegram's do.
func TestMalformedCommandEntityStaysText(t *testing.T) {
	cases := []struct {
		name, fields string
		kind         dialog.Kind
		command      string
		payload      string
	}{
		{"no text", `"entities":[{"type":"bot_command"}]`, dialog.KindText, "", ""},
		{"length past the text", `"text":"/st","entities":[{"offset":0,"length":40,"type":"bot_command"}]`, dialog.KindText, "", ""},
		{"zero length", `"text":"/start","entities":[{"offset":0,"length":0,"type":"bot_command"}]`, dialog.KindText, "", ""},
		{"no slash", `"text":"start","entities":[{"offset":0,"length":5,"type":"bot_command"}]`, dialog.KindText, "", ""},
		{"only a bot name", `"text":"/@sb_bot","entities":[{"offset":0,"length":8,"type":"bot_command"}]`, dialog.KindText, "", ""},
		{"ends inside an emoji", `"text":"/a👍","entities":[{"offset":0,"length":3,"type":"bot_command"}]`, dialog.KindText, "", ""},
		{"command at a bot", `"text":"/Menu@sb_bot","entities":[{"offset":0,"length":12,"type":"bot_command"}]`, dialog.KindCommand, "menu", ""},
		{"payload after an emoji", `"text":"/start 👍 ок","entities":[{"offset":0,"length":6,"type":"bot_command"}]`, dialog.KindCommand, "start", "👍 ок"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := parse(t, rawMessage(5, tc.fields))
			if !p.OK {
				t.Fatal("update ignored")
			}
			ev := p.Event
			if ev.Kind != tc.kind || ev.Command != tc.command || ev.Payload != tc.payload {
				t.Errorf("kind %q command %q payload %q, want %q %q %q", ev.Kind, ev.Command, ev.Payload, tc.kind, tc.command, tc.payload)
			}
		})
	}
}
