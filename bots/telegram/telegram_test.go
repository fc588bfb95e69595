package telegram_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/bots/telegram"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

var bob = faketelegram.User{ID: 77, FirstName: "Bob", LastName: "Stone", Username: "bobs", LanguageCode: "pt-br"}

func parse(t *testing.T, raw []byte) telegram.Parsed {
	t.Helper()
	var u tgbotapi.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	return telegram.Parse(u)
}

// rawMessage is an update whose private message from bob has fields.
func rawMessage(updateID int, fields string) []byte {
	return []byte(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":1700000000,`+
		`"from":{"id":77,"is_bot":false,"first_name":"Bob","last_name":"Stone","language_code":"pt-br"},"chat":{"id":77,"type":"private"},%s}}`, updateID, fields))
}

// photoWithHugeOriginal is a photo whose original is over 20 MB.
func photoWithHugeOriginal(t *testing.T) []byte {
	t.Helper()
	return rawMessage(12, `"photo":[{"file_id":"small","file_unique_id":"a","width":90,"height":90,"file_size":1000},`+
		`{"file_id":"fits","file_unique_id":"b","width":2000,"height":2000,"file_size":5242880},`+
		`{"file_id":"huge","file_unique_id":"c","width":9000,"height":9000,"file_size":31457280}]`)
}

func TestParseTurnsUpdatesIntoEvents(t *testing.T) {
	cases := []struct {
		name   string
		raw    []byte
		kind   dialog.Kind
		check  func(dialog.Event) bool
		cbq    string
		ignore bool
	}{
		{"start with payload", faketelegram.CommandUpdate(1, bob, "start", "ad-7"), dialog.KindCommand,
			func(e dialog.Event) bool { return e.Command == "start" && e.Payload == "ad-7" }, "", false},
		{"text", faketelegram.TextUpdate(2, bob, "hello"), dialog.KindText,
			func(e dialog.Event) bool { return e.Text == "hello" }, "", false},
		{"button", faketelegram.CallbackUpdate(3, bob, 10, "m:hours"), dialog.KindButton,
			func(e dialog.Event) bool { return e.Button == "m:hours" }, "cbq-3", false},
		{"photo keeps the largest size", faketelegram.PhotoUpdate(4, bob, "lid"), dialog.KindMedia,
			func(e dialog.Event) bool {
				return e.Media.Kind == "photo" && e.Media.FileID == "photo-4-x" && e.Text == "lid" &&
					e.Media.ContentType == "image/jpeg" && e.Media.Size == 121_432
			}, "", false},
		{"photo over 20 MB falls back to the largest that fits", photoWithHugeOriginal(t), dialog.KindMedia,
			func(e dialog.Event) bool { return e.Media.FileID == "fits" && e.Media.Size == 5<<20 }, "", false},
		{"video keeps its size and type", faketelegram.VideoUpdate(13, bob, 25<<20), dialog.KindMedia,
			func(e dialog.Event) bool {
				return e.Media.Kind == "video" && e.Media.Size == 25<<20 && e.Media.ContentType == "video/mp4"
			}, "", false},
		{"animated sticker shows its thumbnail", rawMessage(14, `"sticker":{"file_id":"tgs","file_unique_id":"u","type":"regular","width":512,"height":512,"is_animated":true,"emoji":"🎉","thumb":{"file_id":"thumb","file_unique_id":"ut","width":128,"height":128}}`),
			dialog.KindMedia, func(e dialog.Event) bool { return e.Media.FileID == "thumb" && e.Text == "🎉" }, "", false},
		{"location", faketelegram.LocationUpdate(15, bob, 51.5, -0.12), dialog.KindMedia,
			func(e dialog.Event) bool { return e.Media.Kind == "location" && e.Text == "51.500000,-0.120000" }, "", false},
		{"document", faketelegram.DocumentUpdate(5, bob, "a.pdf", "application/pdf", ""), dialog.KindMedia,
			func(e dialog.Event) bool {
				return e.Media.Kind == "document" && e.Media.FileName == "a.pdf" && e.Media.ContentType == "application/pdf"
			}, "", false},
		{"voice", faketelegram.VoiceUpdate(6, bob, 3), dialog.KindMedia,
			func(e dialog.Event) bool {
				return e.Media.Kind == "voice" && e.Media.FileID == "voice-6" && e.Media.ContentType == "audio/ogg" && e.Media.Size == 12_000
			}, "", false},
		{"static sticker", faketelegram.StickerUpdate(7, bob, "🙂"), dialog.KindMedia,
			func(e dialog.Event) bool {
				return e.Media.Kind == "sticker" && e.Media.FileID == "sticker-7" && e.Text == "🙂"
			}, "", false},
		{"contact", faketelegram.ContactUpdate(8, bob, "+447700900123"), dialog.KindMedia,
			func(e dialog.Event) bool { return e.Media.Kind == "contact" && e.Media.Phone == "+447700900123" }, "", false},
		{"blocked", faketelegram.MyChatMemberUpdate(9, bob, "kicked"), dialog.KindBlocked, nil, "", false},
		{"unblocked", faketelegram.MyChatMemberUpdate(10, bob, "member"), dialog.KindUnblocked, nil, "", false},
		{"edited message is ignored", faketelegram.EditedTextUpdate(11, bob, 2, "hello!"), "", nil, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := parse(t, c.raw)
			if c.ignore {
				if p.OK {
					t.Fatalf("parsed %+v, want ignored", p.Event)
				}
				return
			}
			if !p.OK || p.Event.Kind != c.kind || p.CallbackQueryID != c.cbq {
				t.Fatalf("got %+v (cbq %q)", p.Event, p.CallbackQueryID)
			}
			if c.check != nil && !c.check(p.Event) {
				t.Fatalf("event %+v", p.Event)
			}
			f := p.Event.From
			if f.Channel != "telegram" || f.ExternalID != "77" || f.Address != "77" || f.Name != "Bob Stone" || f.Language != "pt-br" {
				t.Fatalf("contact %+v", f)
			}
		})
	}
}

func TestSplitTextKeepsEveryPartWithinTelegramsLimit(t *testing.T) {
	para := strings.Repeat("word ", 500) // 2500 characters
	emoji := strings.Repeat("😀", 3000)   // 6000 UTF-16 units
	cases := []struct {
		name  string
		in    string
		parts int
	}{
		{"short", "hello", 1},
		{"two paragraphs", para + "\n\n" + para, 2},
		{"no breaks at all", strings.Repeat("x", 9000), 3},
		{"astral characters count twice", emoji, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts := telegram.SplitText(c.in, telegram.MaxMessageLength)
			if len(parts) != c.parts {
				t.Fatalf("%d parts, want %d", len(parts), c.parts)
			}
			total := 0
			for _, p := range parts {
				if n := len(utf16.Encode([]rune(p))); n > telegram.MaxMessageLength || n == 0 {
					t.Fatalf("part of %d UTF-16 units", n)
				}
				total += len([]rune(strings.ReplaceAll(p, " ", "")))
			}
			if want := len([]rune(strings.ReplaceAll(strings.ReplaceAll(c.in, " ", ""), "\n", ""))); total != want {
				t.Fatalf("parts hold %d characters, want %d: text lost", total, want)
			}
		})
	}
}

func TestSetWebhookRegistersURLAndSecret(t *testing.T) {
	tg := faketelegram.New()
	defer tg.Close()
	bot, err := telegram.Connect(faketelegram.Token, tg.Endpoint(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	url, err := bot.SetWebhook("https://support.example.com", "s3cr3t-token")
	if err != nil {
		t.Fatal(err)
	}
	wh := tg.Webhook()
	if url != "https://support.example.com/webhooks/telegram" || wh.URL != url || wh.SecretToken != "s3cr3t-token" {
		t.Fatalf("registered %+v", wh)
	}
	if len(wh.AllowedUpdates) == 0 || wh.DropPendingUpdates {
		t.Fatalf("allowed updates %v, drop pending %v", wh.AllowedUpdates, wh.DropPendingUpdates)
	}
}

func TestConnectFailsOnRefusedToken(t *testing.T) {
	tg := faketelegram.New()
	defer tg.Close()
	_, err := telegram.Connect(faketelegram.RejectedToken, tg.Endpoint(), nil, nil)
	var te *tgbotapi.Error
	if err == nil || !errors.As(err, &te) || te.Code != 401 {
		t.Fatalf("err = %v, want Telegram's 401", err)
	}
}
