package faketelegram

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/switchboardhq/switchboard/internal/fakeapi"
)

// Telegram's length limits, in UTF-16 code units.
const (
	maxTextLength     = 4096
	maxCaptionLength  = 1024
	maxCallbackAnswer = 200
)

// handler answers one Bot API method.
type handler func(s *Server, ctx context.Context, p url.Values) response

// handlers holds the methods the fake knows, by lower-case name: Telegram
// matches method names without regard to case.
var handlers = map[string]handler{
	"getme":                  (*Server).getMe,
	"sendmessage":            (*Server).sendMessage,
	"sendphoto":              (*Server).sendPhoto,
	"senddocument":           (*Server).sendDocument,
	"answercallbackquery":    (*Server).answerCallbackQuery,
	"editmessagetext":        (*Server).editMessageText,
	"editmessagereplymarkup": (*Server).editMessageReplyMarkup,
	"setwebhook":             (*Server).setWebhook,
	"deletewebhook":          (*Server).deleteWebhook,
	"getwebhookinfo":         (*Server).getWebhookInfo,
	"getupdates":             (*Server).getUpdates,
	"getfile":                (*Server).getFile,
}

func (s *Server) getMe(context.Context, url.Values) response {
	return success(botInfo{
		wireUser:                BotUser().wire(true),
		CanJoinGroups:           true,
		CanReadAllGroupMessages: false,
		SupportsInlineQueries:   false,
	})
}

func (s *Server) sendMessage(_ context.Context, p url.Values) response {
	chatID, refusal, ok := chatIDParam(p)
	if !ok {
		return refusal
	}
	text := p.Get("text")
	if refusal, ok := checkText(text); !ok {
		return refusal
	}
	keyboard, err := parseKeyboard(p.Get("reply_markup"))
	if err != nil {
		return badRequest("can't parse reply keyboard markup JSON object")
	}
	return s.deliver(SentMessage{
		Method:      "sendMessage",
		ChatID:      chatID,
		Text:        text,
		ParseMode:   p.Get("parse_mode"),
		ReplyMarkup: keyboard,
	}, func(m *wireMessage) { m.Text = text })
}

func (s *Server) sendPhoto(ctx context.Context, p url.Values) response {
	return s.sendFile(p, "photo", uploadFrom(ctx, "photo"), func(m *wireMessage) {
		m.Photo = photoSizes("sent-photo-" + strconv.Itoa(m.MessageID))
	})
}

func (s *Server) sendDocument(ctx context.Context, p url.Values) response {
	return s.sendFile(p, "document", uploadFrom(ctx, "document"), func(m *wireMessage) {
		id := "sent-document-" + strconv.Itoa(m.MessageID)
		m.Document = &wireDocument{FileID: id, FileUniqueID: "u" + id, FileName: p.Get("document"), FileSize: 1024}
	})
}

// sendFile answers sendPhoto and sendDocument, whose file travels in field
// (uploaded: its bytes are data).
func (s *Server) sendFile(p url.Values, field string, data []byte, fill func(*wireMessage)) response {
	chatID, refusal, ok := chatIDParam(p)
	if !ok {
		return refusal
	}
	file := p.Get(field)
	if file == "" {
		return badRequest("there is no " + field + " in the request")
	}
	caption := p.Get("caption")
	if utf16Length(caption) > maxCaptionLength {
		return badRequest("message caption is too long")
	}
	keyboard, err := parseKeyboard(p.Get("reply_markup"))
	if err != nil {
		return badRequest("can't parse reply keyboard markup JSON object")
	}
	return s.deliver(SentMessage{
		Method:      "send" + strings.ToUpper(field[:1]) + field[1:],
		ChatID:      chatID,
		Text:        caption,
		ParseMode:   p.Get("parse_mode"),
		ReplyMarkup: keyboard,
		File:        file,
		FileBytes:   data,
	}, func(m *wireMessage) {
		m.Caption = caption
		fill(m)
	})
}

// OnSent calls f, outside the fake's lock, with every message the fake
// accepts, at the moment it accepts it: how a load generator learns when a
// reply was delivered without a proxy in the way.
func (s *Server) OnSent(f func(SentMessage)) {
	s.mu.Lock()
	s.onSent = f
	s.mu.Unlock()
}

// deliver records msg as sent, unless the chat blocked the bot or the rate
// limits refuse it, and answers with the Message Telegram would return.
func (s *Server) deliver(msg SentMessage, fill func(*wireMessage)) response {
	s.mu.Lock()
	now := time.Now()
	if refusal, ok := s.admitSendLocked(msg.ChatID, now); !ok {
		s.mu.Unlock()
		return refusal
	}
	s.lastMessageID++
	msg.MessageID = s.lastMessageID
	msg.At = now
	s.sent = append(s.sent, msg)
	s.chatSends[msg.ChatID] = append(s.chatSends[msg.ChatID], now)
	s.allSends = append(s.allSends, now)
	s.changes.Notify()
	onSent := s.onSent
	s.mu.Unlock()
	if onSent != nil {
		onSent(msg)
	}

	bot := BotUser().wire(true)
	m := wireMessage{MessageID: msg.MessageID, From: &bot, Chat: chatFor(msg.ChatID), Date: now.Unix()}
	if len(msg.ReplyMarkup.Inline) > 0 {
		m.ReplyMarkup = []byte(msg.ReplyMarkup.Raw)
	}
	fill(&m)
	return success(m)
}

func (s *Server) answerCallbackQuery(_ context.Context, p url.Values) response {
	if p.Get("callback_query_id") == "" {
		return badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	if utf16Length(p.Get("text")) > maxCallbackAnswer {
		return badRequest("MESSAGE_TOO_LONG")
	}
	return success(true)
}

func (s *Server) editMessageText(_ context.Context, p url.Values) response {
	text := p.Get("text")
	if refusal, ok := checkText(text); !ok {
		return refusal
	}
	return editMessage(p, func(m *wireMessage) { m.Text = text })
}

func (s *Server) editMessageReplyMarkup(_ context.Context, p url.Values) response {
	return editMessage(p, func(*wireMessage) {})
}

// editMessage answers the editMessage… methods: true for an inline message,
// the edited Message otherwise. The fake does not check that the message
// exists, so tests may edit messages they made up.
func editMessage(p url.Values, fill func(*wireMessage)) response {
	keyboard, err := parseKeyboard(p.Get("reply_markup"))
	if err != nil {
		return badRequest("can't parse reply keyboard markup JSON object")
	}
	if p.Get("inline_message_id") != "" {
		return success(true)
	}
	chatID, refusal, ok := chatIDParam(p)
	if !ok {
		return refusal
	}
	messageID, err := strconv.Atoi(p.Get("message_id"))
	if err != nil || messageID <= 0 {
		return badRequest("message identifier is not specified")
	}
	bot := BotUser().wire(true)
	now := time.Now().Unix()
	m := wireMessage{MessageID: messageID, From: &bot, Chat: chatFor(chatID), Date: now, EditDate: now}
	if len(keyboard.Inline) > 0 {
		m.ReplyMarkup = []byte(keyboard.Raw)
	}
	fill(&m)
	return success(m)
}

func (s *Server) getFile(_ context.Context, p url.Values) response {
	fileID := p.Get("file_id")
	if fileID == "" {
		return badRequest("invalid file_id")
	}
	return success(wireFile{
		FileID:       fileID,
		FileUniqueID: "u" + fileID,
		FileSize:     len(s.fileContent(fileID)),
		FilePath:     filePath(fileID),
	})
}

// PutFile sets the bytes served for fileID at getFile's file_path. A file
// nobody put is served as a short placeholder text.
func (s *Server) PutFile(fileID string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[fileID] = append([]byte(nil), data...)
}

func (s *Server) fileContent(fileID string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if data, ok := s.files[fileID]; ok {
		return data
	}
	return []byte("faketelegram file " + fileID)
}

// FileMethod is the Failure.Method that fails downloads of files (from
// /file/bot<token>/…) rather than a Bot API method.
const FileMethod = "(file)"

// filePath is the file_path getFile gives for fileID; serveFile reverses it.
func filePath(fileID string) string {
	return "files/" + base64.RawURLEncoding.EncodeToString([]byte(fileID))
}

// serveFile answers a download of /file/bot<token>/<file_path>.
// A Failure for Method FileMethod answers a download instead.
func (s *Server) serveFile(w http.ResponseWriter, tokenAndPath string) {
	if f, ok := s.failures.Take(func(f Failure) bool { return f.Method == FileMethod }); ok {
		if f.DropConnection {
			fakeapi.DropConnection(w)
			return
		}
		writeResponse(w, f.response())
		return
	}
	token, path, _ := strings.Cut(tokenAndPath, "/")
	encoded, ok := strings.CutPrefix(path, "files/")
	fileID, err := base64.RawURLEncoding.DecodeString(encoded)
	if !ok || err != nil || token == s.cfg.RejectedToken {
		writeResponse(w, notFound)
		return
	}
	data := s.fileContent(string(fileID))
	s.mu.Lock()
	s.downloads[string(fileID)]++
	s.changes.Notify()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

// Downloads counts the downloads of fileID's bytes (not getFile calls).
func (s *Server) Downloads(fileID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads[fileID]
}

// chatIDParam reads chat_id, which must be a number here: the fake knows no
// @channel usernames.
func chatIDParam(p url.Values) (int64, response, bool) {
	raw := p.Get("chat_id")
	if raw == "" {
		return 0, badRequest("chat_id is empty"), false
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("chat not found"), false
	}
	return id, response{}, true
}

// checkText applies Telegram's 1–4096 limit to a message text. The fake
// counts the raw text, markup included, in UTF-16 code units.
func checkText(text string) (response, bool) {
	if strings.TrimSpace(text) == "" {
		return badRequest("message text is empty"), false
	}
	if utf16Length(text) > maxTextLength {
		return badRequest("message is too long"), false
	}
	return response{}, true
}

func utf16Length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
