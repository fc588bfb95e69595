package faketelegram

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// User is a Telegram user for the update builders. The private chat with a
// user has the user's ID.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string // IETF tag such as "ru" or "pt-br"; may be empty
}

// BotUser is the bot the fake plays: what getMe answers and who sent the
// messages that callback queries point at.
func BotUser() User {
	return User{ID: 7000000001, FirstName: "Switchboard Test Bot", Username: "switchboard_test_bot"}
}

func (u User) wire(isBot bool) wireUser {
	return wireUser{
		ID:           u.ID,
		IsBot:        isBot,
		FirstName:    u.FirstName,
		LastName:     u.LastName,
		Username:     u.Username,
		LanguageCode: u.LanguageCode,
	}
}

func (u User) privateChat() wireChat {
	return wireChat{ID: u.ID, Type: "private", Username: u.Username, FirstName: u.FirstName, LastName: u.LastName}
}

// chatFor is the chat the fake reports for a chat_id: private for users,
// supergroup or group for negative ids.
func chatFor(chatID int64) wireChat {
	switch {
	case chatID > 0:
		return wireChat{ID: chatID, Type: "private"}
	case chatID <= -1000000000000:
		return wireChat{ID: chatID, Type: "supergroup", Title: "Test supergroup"}
	default:
		return wireChat{ID: chatID, Type: "group", Title: "Test group"}
	}
}

// incoming is a message from user in the private chat with the bot; its
// message_id is the update's id.
func incoming(updateID int, user User) *wireMessage {
	from := user.wire(false)
	return &wireMessage{MessageID: updateID, From: &from, Chat: user.privateChat(), Date: time.Now().Unix()}
}

func messageUpdate(updateID int, m *wireMessage) []byte {
	return marshalUpdate(wireUpdate{UpdateID: updateID, Message: m})
}

func marshalUpdate(u wireUpdate) []byte {
	raw, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("faketelegram: marshal update %d: %v", u.UpdateID, err))
	}
	return raw
}

// TextUpdate is an Update with a text message from user.
func TextUpdate(updateID int, user User, text string) []byte {
	m := incoming(updateID, user)
	m.Text = text
	return messageUpdate(updateID, m)
}

// EditedTextUpdate is an Update in which user edited their message
// messageID to read text.
func EditedTextUpdate(updateID int, user User, messageID int, text string) []byte {
	m := incoming(updateID, user)
	m.MessageID = messageID
	m.Text = text
	m.EditDate = m.Date
	return marshalUpdate(wireUpdate{UpdateID: updateID, EditedMessage: m})
}

// CommandUpdate is an Update with a bot command such as "/start" (the slash
// is added when missing), followed by payload when it is not empty, marked
// with a bot_command entity as Telegram does.
func CommandUpdate(updateID int, user User, command, payload string) []byte {
	if !strings.HasPrefix(command, "/") {
		command = "/" + command
	}
	m := incoming(updateID, user)
	m.Text = command
	if payload != "" {
		m.Text += " " + payload
	}
	m.Entities = []wireEntity{{Type: "bot_command", Offset: 0, Length: utf16Length(command)}}
	return messageUpdate(updateID, m)
}

// CallbackUpdate is an Update in which user pressed an inline button with
// callback data on the bot's message messageID. The callback query's id is
// "cbq-<updateID>".
func CallbackUpdate(updateID int, user User, messageID int, data string) []byte {
	bot := BotUser().wire(true)
	return marshalUpdate(wireUpdate{
		UpdateID: updateID,
		CallbackQuery: &wireCallbackQuery{
			ID:   fmt.Sprintf("cbq-%d", updateID),
			From: user.wire(false),
			Message: &wireMessage{
				MessageID: messageID,
				From:      &bot,
				Chat:      user.privateChat(),
				Date:      time.Now().Unix(),
			},
			ChatInstance: fmt.Sprintf("%d", -user.ID),
			Data:         data,
		},
	})
}

// photoSizes is a photo as Telegram lists it: the same picture in
// increasing sizes, file ids prefix-s, prefix-m and prefix-x.
func photoSizes(prefix string) []wirePhotoSize {
	sizes := []struct {
		suffix        string
		width, height int
		bytes         int
	}{
		{"s", 90, 67, 1_254},
		{"m", 320, 240, 15_870},
		{"x", 1280, 960, 121_432},
	}
	photo := make([]wirePhotoSize, 0, len(sizes))
	for _, size := range sizes {
		id := prefix + "-" + size.suffix
		photo = append(photo, wirePhotoSize{
			FileID:       id,
			FileUniqueID: "u" + id,
			Width:        size.width,
			Height:       size.height,
			FileSize:     size.bytes,
		})
	}
	return photo
}

// PhotoUpdate is an Update with a photo from user in three sizes, smallest
// first, file ids "photo-<updateID>-s", "-m" and "-x", and caption when not
// empty.
func PhotoUpdate(updateID int, user User, caption string) []byte {
	m := incoming(updateID, user)
	m.Photo = photoSizes(fmt.Sprintf("photo-%d", updateID))
	m.Caption = caption
	return messageUpdate(updateID, m)
}

// DocumentUpdate is an Update with a file from user, file id
// "document-<updateID>", and caption when not empty.
func DocumentUpdate(updateID int, user User, fileName, mimeType, caption string) []byte {
	id := fmt.Sprintf("document-%d", updateID)
	m := incoming(updateID, user)
	m.Document = &wireDocument{FileID: id, FileUniqueID: "u" + id, FileName: fileName, MimeType: mimeType, FileSize: 48_213}
	m.Caption = caption
	return messageUpdate(updateID, m)
}

// VoiceUpdate is an Update with a voice note from user, file id
// "voice-<updateID>".
func VoiceUpdate(updateID int, user User, durationSeconds int) []byte {
	id := fmt.Sprintf("voice-%d", updateID)
	m := incoming(updateID, user)
	m.Voice = &wireVoice{FileID: id, FileUniqueID: "u" + id, Duration: durationSeconds, MimeType: "audio/ogg", FileSize: 4_000 * durationSeconds}
	return messageUpdate(updateID, m)
}

// StickerUpdate is an Update with a sticker from user, file id
// "sticker-<updateID>".
func StickerUpdate(updateID int, user User, emoji string) []byte {
	id := fmt.Sprintf("sticker-%d", updateID)
	m := incoming(updateID, user)
	m.Sticker = &wireSticker{FileID: id, FileUniqueID: "u" + id, Type: "regular", Width: 512, Height: 512, Emoji: emoji, FileSize: 23_456}
	return messageUpdate(updateID, m)
}

// VideoUpdate is an Update with an MP4 video of fileSize bytes from user,
// file id "video-<updateID>".
func VideoUpdate(updateID int, user User, fileSize int) []byte {
	id := fmt.Sprintf("video-%d", updateID)
	m := incoming(updateID, user)
	m.Video = &wireVideo{FileID: id, FileUniqueID: "u" + id, Width: 640, Height: 360, Duration: 12, MimeType: "video/mp4", FileSize: fileSize}
	return messageUpdate(updateID, m)
}

// ContactUpdate is an Update in which user shares their own phone number,
// as a request_contact button does.
func ContactUpdate(updateID int, user User, phoneNumber string) []byte {
	m := incoming(updateID, user)
	m.Contact = &wireContact{PhoneNumber: phoneNumber, FirstName: user.FirstName, LastName: user.LastName, UserID: user.ID}
	return messageUpdate(updateID, m)
}

// LocationUpdate is an Update in which user shares a location.
func LocationUpdate(updateID int, user User, latitude, longitude float64) []byte {
	m := incoming(updateID, user)
	m.Location = &wireLocation{Latitude: latitude, Longitude: longitude}
	return messageUpdate(updateID, m)
}

// MyChatMemberUpdate is an Update telling that user changed the bot's
// membership in their private chat: status "kicked" when they blocked the
// bot, "member" when they unblocked it.
func MyChatMemberUpdate(updateID int, user User, status string) []byte {
	old := "kicked"
	if status == "kicked" {
		old = "member"
	}
	bot := BotUser().wire(true)
	return marshalUpdate(wireUpdate{
		UpdateID: updateID,
		MyChatMember: &wireChatMemberUpdated{
			Chat:          user.privateChat(),
			From:          user.wire(false),
			Date:          time.Now().Unix(),
			OldChatMember: wireChatMember{User: bot, Status: old},
			NewChatMember: wireChatMember{User: bot, Status: status},
		},
	})
}
