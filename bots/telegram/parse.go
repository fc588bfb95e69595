package telegram

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/storage"
)

// Parsed is an update turned into an engine event. OK is false for updates
// switchboard does not act on (edits, group chats, channel posts).
type Parsed struct {
	Event dialog.Event
	// CallbackQueryID must be answered after the event is stored.
	CallbackQueryID string
	OK              bool
}

// Parse turns a Telegram update into a dialog event.
func Parse(u tgbotapi.Update) Parsed {
	ext := strconv.Itoa(u.UpdateID)
	switch {
	case u.Message != nil:
		m := u.Message
		if m.From == nil || m.Chat == nil || !m.Chat.IsPrivate() {
			return Parsed{}
		}
		ev := dialog.Event{ExternalID: ext, From: contact(m.From, m.Chat.ID), At: m.Time()}
		fillMessage(&ev, m)
		return Parsed{Event: ev, OK: true}
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		if q.From == nil {
			return Parsed{}
		}
		chatID := q.From.ID
		if q.Message != nil && q.Message.Chat != nil {
			chatID = q.Message.Chat.ID
		}
		ev := dialog.Event{ExternalID: ext, From: contact(q.From, chatID), Kind: dialog.KindButton, Button: q.Data, At: time.Now().UTC()}
		return Parsed{Event: ev, CallbackQueryID: q.ID, OK: true}
	case u.MyChatMember != nil:
		mc := u.MyChatMember
		if !mc.Chat.IsPrivate() {
			return Parsed{}
		}
		ev := dialog.Event{ExternalID: ext, From: contact(&mc.From, mc.Chat.ID), At: time.Unix(int64(mc.Date), 0).UTC()}
		switch mc.NewChatMember.Status {
		case "kicked", "left":
			ev.Kind = dialog.KindBlocked
		default:
			ev.Kind = dialog.KindUnblocked
		}
		return Parsed{Event: ev, OK: true}
	}
	return Parsed{}
}

func contact(u *tgbotapi.User, chatID int64) storage.Contact {
	return storage.Contact{
		Channel:    dialog.ChannelTelegram,
		ExternalID: strconv.FormatInt(u.ID, 10),
		Address:    strconv.FormatInt(chatID, 10),
		Name:       strings.TrimSpace(u.FirstName + " " + u.LastName),
		Username:   u.UserName,
		Language:   u.LanguageCode,
	}
}

func fillMessage(ev *dialog.Event, m *tgbotapi.Message) {
	ev.Kind, ev.Text = dialog.KindText, m.Text
	if name, args, ok := command(m); ok {
		ev.Kind, ev.Command, ev.Payload = dialog.KindCommand, strings.ToLower(name), args
		return
	}
	media := func(kind, fileID, name, contentType string, size int) {
		ev.Kind, ev.Text = dialog.KindMedia, m.Caption
		ev.Media = dialog.Media{Kind: kind, FileID: fileID, FileName: name, ContentType: contentType, Size: int64(size)}
	}
	switch {
	case len(m.Photo) > 0:
		p := largestPhoto(m.Photo)
		media("photo", p.FileID, "", "image/jpeg", p.FileSize)
	case m.Document != nil:
		d := m.Document
		media("document", d.FileID, d.FileName, d.MimeType, d.FileSize)
	case m.Voice != nil:
		media("voice", m.Voice.FileID, "", or(m.Voice.MimeType, "audio/ogg"), m.Voice.FileSize)
	case m.Audio != nil:
		a := m.Audio
		media("audio", a.FileID, a.FileName, a.MimeType, a.FileSize)
	case m.Video != nil:
		v := m.Video
		media("video", v.FileID, v.FileName, or(v.MimeType, "video/mp4"), v.FileSize)
	case m.VideoNote != nil:
		media("video_note", m.VideoNote.FileID, "", "video/mp4", m.VideoNote.FileSize)
	case m.Animation != nil:
		a := m.Animation
		media("animation", a.FileID, a.FileName, or(a.MimeType, "video/mp4"), a.FileSize)
	case m.Sticker != nil:
		st := m.Sticker
		switch {
		case !st.IsAnimated:
			// WebP, or WebM for a video sticker: the bytes tell.
			media("sticker", st.FileID, "", "", st.FileSize)
		case st.Thumbnail != nil:
			// An animated (TGS) sticker shows as its still thumbnail.
			media("sticker", st.Thumbnail.FileID, "", "", st.Thumbnail.FileSize)
		default:
			media("sticker", "", "", "", 0)
		}
		ev.Text = st.Emoji
	case m.Contact != nil:
		media("contact", "", "", "", 0)
		ev.Media.Phone = m.Contact.PhoneNumber
		ev.Text = strings.TrimSpace(m.Contact.FirstName + " " + m.Contact.LastName + " " + m.Contact.PhoneNumber)
	case m.Location != nil:
		media("location", "", "", "", 0)
		ev.Text = strconv.FormatFloat(m.Location.Latitude, 'f', 6, 64) + "," + strconv.FormatFloat(m.Location.Longitude, 'f', 6, 64)
	}
}

// command reads a message that starts with a bot command ("/start@bot
// ad-7"): the command without its slash and @bot, and the text after the
// one character that follows it. The entity's length counts UTF-16 units,
// as Telegram's do; an entity that does not fit the text, or a text that
// does not start with a slash, is no command and the message stays a text
// (the library's Message.Command slices bytes and panics on such a one).
func command(m *tgbotapi.Message) (name, args string, ok bool) {
	if len(m.Entities) == 0 {
		return "", "", false
	}
	e := m.Entities[0]
	if e.Type != "bot_command" || e.Offset != 0 || e.Length < 2 || !strings.HasPrefix(m.Text, "/") {
		return "", "", false
	}
	end, ok := utf16Offset(m.Text, e.Length)
	if !ok {
		return "", "", false
	}
	name, args = m.Text[1:end], m.Text[end:]
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	}
	if args != "" {
		_, size := utf8.DecodeRuneInString(args)
		args = args[size:]
	}
	return name, args, name != ""
}

// utf16Offset is the byte offset in s after its first units UTF-16 units;
// false when s is shorter or the units end inside a character.
func utf16Offset(s string, units int) (int, bool) {
	n := 0
	for i, r := range s {
		switch {
		case n == units:
			return i, true
		case n > units:
			return 0, false
		}
		n++
		if r > 0xFFFF {
			n++ // a surrogate pair
		}
	}
	return len(s), n == units
}

// largestPhoto is the largest size of a photo a bot may download: sizes
// come smallest first, and one over 20 MB cannot be fetched.
func largestPhoto(sizes []tgbotapi.PhotoSize) tgbotapi.PhotoSize {
	best := sizes[len(sizes)-1]
	for i := len(sizes) - 1; i >= 0; i-- {
		if !media.TooLarge(int64(sizes[i].FileSize)) {
			return sizes[i]
		}
	}
	return best
}

func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
