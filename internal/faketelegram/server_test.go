package faketelegram_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// start runs a fake and a real go-telegram-bot-api client pointed at it.
func start(t *testing.T) (*faketelegram.Server, *tgbotapi.BotAPI) {
	t.Helper()
	return startWith(t, faketelegram.Config{})
}

func startWith(t *testing.T, cfg faketelegram.Config) (*faketelegram.Server, *tgbotapi.BotAPI) {
	t.Helper()
	srv := faketelegram.NewWithConfig(cfg)
	t.Cleanup(srv.Close)
	bot, err := tgbotapi.NewBotAPIWithAPIEndpoint("123:abc", srv.Endpoint())
	if err != nil {
		t.Fatalf("NewBotAPIWithAPIEndpoint: %v", err)
	}
	return srv, bot
}

// apiError unwraps the *tgbotapi.Error the library returns for ok:false.
func apiError(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	var tgErr *tgbotapi.Error
	if !errors.As(err, &tgErr) {
		t.Fatalf("error = %v (%T), want *tgbotapi.Error", err, err)
	}
	return tgErr
}

func TestConstructionCallsGetMe(t *testing.T) {
	srv, bot := start(t)
	if got, want := bot.Self.UserName, faketelegram.BotUser().Username; got != want {
		t.Errorf("Self.UserName = %q, want %q", got, want)
	}
	if !bot.Self.IsBot || bot.Self.ID != faketelegram.BotUser().ID || bot.Self.FirstName == "" {
		t.Errorf("Self = %+v, want the fake's bot user", bot.Self)
	}
	if n := len(srv.Calls("getMe")); n != 1 {
		t.Errorf("getMe calls = %d, want 1", n)
	}
}

func TestRejectedTokenFailsConstruction(t *testing.T) {
	srv := faketelegram.New()
	t.Cleanup(srv.Close)
	_, err := tgbotapi.NewBotAPIWithAPIEndpoint(faketelegram.RejectedToken, srv.Endpoint())
	tgErr := apiError(t, err)
	if tgErr.Code != http.StatusUnauthorized || tgErr.Message != "Unauthorized" {
		t.Errorf("error = %d %q, want 401 Unauthorized", tgErr.Code, tgErr.Message)
	}
}

func TestUnknownMethodIsNotFound(t *testing.T) {
	_, bot := start(t)
	_, err := bot.MakeRequest("launchRockets", nil)
	tgErr := apiError(t, err)
	if tgErr.Code != http.StatusNotFound || tgErr.Message != "Not Found" {
		t.Errorf("error = %d %q, want 404 Not Found", tgErr.Code, tgErr.Message)
	}
}

func TestSendMessageValidatesText(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		wantErr string
	}{
		{"one character", "a", ""},
		{"4096 characters", strings.Repeat("я", 4096), ""},
		{"empty", "", "Bad Request: message text is empty"},
		{"only spaces", "   ", "Bad Request: message text is empty"},
		{"4097 characters", strings.Repeat("a", 4097), "Bad Request: message is too long"},
		{"emoji count twice", strings.Repeat("😀", 2049), "Bad Request: message is too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, bot := start(t)
			msg, err := bot.Send(tgbotapi.NewMessage(42, tt.text))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if msg.Text != tt.text || msg.Chat.ID != 42 || msg.Chat.Type != "private" || msg.MessageID == 0 {
					t.Errorf("answer = %+v, want the message echoed", msg)
				}
				return
			}
			tgErr := apiError(t, err)
			if tgErr.Code != http.StatusBadRequest || tgErr.Message != tt.wantErr {
				t.Errorf("error = %d %q, want 400 %q", tgErr.Code, tgErr.Message, tt.wantErr)
			}
			if n := len(srv.SentMessages()); n != 0 {
				t.Errorf("recorded %d sent messages, want none", n)
			}
		})
	}
}

func TestSendMessageIDsIncrease(t *testing.T) {
	_, bot := start(t)
	first, err := bot.Send(tgbotapi.NewMessage(1, "one"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	second, err := bot.Send(tgbotapi.NewMessage(2, "two"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if second.MessageID <= first.MessageID {
		t.Errorf("message ids %d then %d, want increasing", first.MessageID, second.MessageID)
	}
}

func TestAcceptsJSONBody(t *testing.T) {
	srv, _ := start(t)
	body := `{"chat_id":77,"text":"hi","reply_markup":{"inline_keyboard":[[{"text":"Yes","callback_data":"y"}]]}}`
	resp, err := http.Post(srv.URL()+"/bot123:abc/sendMessage", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("status = %d, body %s", resp.StatusCode, raw)
	}
	sent := srv.SentMessages()
	if len(sent) != 1 || sent[0].ChatID != 77 || sent[0].ReplyMarkup.Inline[0][0].CallbackData != "y" {
		t.Errorf("sent = %+v, want one message to 77 with button y", sent)
	}
}

func TestAcceptsMultipartUpload(t *testing.T) {
	srv, bot := start(t)
	photo := tgbotapi.NewPhoto(5, tgbotapi.FileBytes{Name: "cat.jpg", Bytes: []byte("not really a jpeg")})
	photo.Caption = "a cat"
	msg, err := bot.Send(photo)
	if err != nil {
		t.Fatalf("Send photo: %v", err)
	}
	if len(msg.Photo) == 0 || msg.Caption != "a cat" {
		t.Errorf("answer = %+v, want a photo message with the caption", msg)
	}
	calls := srv.Calls("sendPhoto")
	if len(calls) != 1 || calls[0].Params.Get("photo") != "cat.jpg" || calls[0].Params.Get("chat_id") != "5" {
		t.Fatalf("sendPhoto calls = %+v, want one with photo cat.jpg to chat 5", calls)
	}
	sent := srv.SentMessages()
	if len(sent) != 1 || sent[0].Method != "sendPhoto" || sent[0].File != "cat.jpg" || sent[0].Text != "a cat" {
		t.Errorf("sent = %+v, want the photo recorded", sent)
	}
}

func TestSendDocumentByFileID(t *testing.T) {
	srv, bot := start(t)
	if _, err := bot.Send(tgbotapi.NewDocument(9, tgbotapi.FileID("document-3"))); err != nil {
		t.Fatalf("Send document: %v", err)
	}
	sent := srv.SentMessages()
	if len(sent) != 1 || sent[0].Method != "sendDocument" || sent[0].File != "document-3" {
		t.Errorf("sent = %+v, want the document recorded", sent)
	}
}

func TestGetFileServesDownload(t *testing.T) {
	srv, bot := start(t)
	srv.PutFile("photo-1-x", []byte("jpeg bytes"))
	file, err := bot.GetFile(tgbotapi.FileConfig{FileID: "photo-1-x"})
	if err != nil {
		t.Fatalf("GetFile: %v", err)
	}
	if file.FilePath == "" || file.FileSize != len("jpeg bytes") {
		t.Fatalf("file = %+v, want a path and the size", file)
	}
	resp, err := http.Get(fmt.Sprintf(srv.FileEndpoint(), "123:abc", file.FilePath))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if !bytes.Equal(got, []byte("jpeg bytes")) {
		t.Errorf("downloaded %q, want %q", got, "jpeg bytes")
	}
}

func TestCallbackAndEditsAnswer(t *testing.T) {
	srv, bot := start(t)
	if _, err := bot.Request(tgbotapi.NewCallback("cbq-1", "Saved")); err != nil {
		t.Errorf("answerCallbackQuery: %v", err)
	}
	markup := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Again", "again")))
	if _, err := bot.Send(tgbotapi.NewEditMessageReplyMarkup(8, 15, markup)); err != nil {
		t.Errorf("editMessageReplyMarkup: %v", err)
	}
	edited, err := bot.Send(tgbotapi.NewEditMessageText(8, 15, "changed"))
	if err != nil {
		t.Fatalf("editMessageText: %v", err)
	}
	if edited.Text != "changed" || edited.MessageID != 15 {
		t.Errorf("edited = %+v, want message 15 reading changed", edited)
	}
	if got := srv.Calls("answerCallbackQuery"); len(got) != 1 || got[0].Params.Get("text") != "Saved" {
		t.Errorf("answerCallbackQuery calls = %+v", got)
	}
	if got := srv.Calls("editMessageReplyMarkup"); len(got) != 1 || !strings.Contains(got[0].Params.Get("reply_markup"), "again") {
		t.Errorf("editMessageReplyMarkup calls = %+v", got)
	}
}

func TestMultipartFieldsAreParams(t *testing.T) {
	srv, _ := start(t)
	var body bytes.Buffer
	form := multipart.NewWriter(&body)
	_ = form.WriteField("chat_id", "12")
	_ = form.WriteField("text", "from a form")
	_ = form.Close()
	resp, err := http.Post(srv.URL()+"/bot123:abc/sendMessage", form.FormDataContentType(), &body)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	resp.Body.Close()
	if sent := srv.SentMessages(); len(sent) != 1 || sent[0].Text != "from a form" || sent[0].ChatID != 12 {
		t.Errorf("sent = %+v, want the multipart message", sent)
	}
}
