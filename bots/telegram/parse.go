package telegram

import (
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/dialog"
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
	if m.IsCommand() {
		ev.Kind, ev.Command, ev.Payload = dialog.KindCommand, strings.ToLower(m.Command()), m.CommandArguments()
		return
	}
	media := func(kind, fileID, name string) {
		ev.Kind, ev.Text = dialog.KindMedia, m.Caption
		ev.Media = dialog.Media{Kind: kind, FileID: fileID, FileName: name}
	}
	switch {
	case len(m.Photo) > 0:
		// Sizes come smallest first; the last is the original.
		media("photo", m.Photo[len(m.Photo)-1].FileID, "")
	case m.Document != nil:
		media("document", m.Document.FileID, m.Document.FileName)
	case m.Voice != nil:
		media("voice", m.Voice.FileID, "")
	case m.Audio != nil:
		media("audio", m.Audio.FileID, m.Audio.FileName)
	case m.Video != nil:
		media("video", m.Video.FileID, m.Video.FileName)
	case m.VideoNote != nil:
		media("video_note", m.VideoNote.FileID, "")
	case m.Animation != nil:
		media("animation", m.Animation.FileID, m.Animation.FileName)
	case m.Sticker != nil:
		media("sticker", m.Sticker.FileID, "")
		ev.Text = m.Sticker.Emoji
	case m.Contact != nil:
		media("contact", "", "")
		ev.Media.Phone = m.Contact.PhoneNumber
		ev.Text = strings.TrimSpace(m.Contact.FirstName + " " + m.Contact.LastName + " " + m.Contact.PhoneNumber)
	case m.Location != nil:
		media("location", "", "")
		ev.Text = strconv.FormatFloat(m.Location.Latitude, 'f', 6, 64) + "," + strconv.FormatFloat(m.Location.Longitude, 'f', 6, 64)
	}
}
