package faketelegram

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/internal/fakeapi"
)

// Call is one request the fake received, whatever it answered.
type Call struct {
	// Method is the Bot API method as the client spelled it.
	Method string
	// Params holds the request's parameters, whichever encoding carried
	// them; JSON values other than strings keep their JSON text.
	Params url.Values
	// At is when the fake received the call.
	At time.Time
}

// SentMessage is a message the fake accepted from sendMessage, sendPhoto or
// sendDocument and so would have shown the user.
type SentMessage struct {
	// Method is sendMessage, sendPhoto or sendDocument.
	Method string
	// ChatID is the chat the message went to.
	ChatID int64
	// MessageID is the message_id the fake answered with.
	MessageID int
	// Text is the message text, or the caption of a photo or document.
	Text string
	// ParseMode is the parse_mode asked for, such as HTML or MarkdownV2.
	ParseMode string
	// ReplyMarkup is the keyboard sent with the message, if any.
	ReplyMarkup Keyboard
	// File is the photo or document: a file_id, URL or uploaded file name.
	File string
	// FileBytes are the uploaded file's bytes; nil when File was a
	// file_id or a URL.
	FileBytes []byte
	// At is when the fake accepted the message.
	At time.Time
}

// Keyboard is a decoded reply_markup.
type Keyboard struct {
	// Inline holds the rows of an inline keyboard (inline_keyboard).
	Inline [][]Button
	// Reply holds the rows of a custom reply keyboard (keyboard).
	Reply [][]Button
	// Remove is set when the markup removes the reply keyboard.
	Remove bool
	// Raw is reply_markup as sent; empty when the message had none.
	Raw string
}

// Button is one keyboard button, inline or reply.
type Button struct {
	// Text is the button's label.
	Text string
	// CallbackData is an inline button's callback_data.
	CallbackData string
	// URL is an inline button's url.
	URL string
	// RequestContact marks a reply button that shares the user's phone number.
	RequestContact bool
	// RequestLocation marks a reply button that shares the user's location.
	RequestLocation bool
}

// parseKeyboard decodes a reply_markup parameter.
func parseKeyboard(raw string) (Keyboard, error) {
	if raw == "" {
		return Keyboard{}, nil
	}
	var markup struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
			URL          string `json:"url"`
		} `json:"inline_keyboard"`
		Keyboard [][]struct {
			Text            string `json:"text"`
			RequestContact  bool   `json:"request_contact"`
			RequestLocation bool   `json:"request_location"`
		} `json:"keyboard"`
		RemoveKeyboard bool `json:"remove_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &markup); err != nil {
		return Keyboard{}, fmt.Errorf("decode reply_markup: %w", err)
	}
	k := Keyboard{Remove: markup.RemoveKeyboard, Raw: raw}
	for _, row := range markup.InlineKeyboard {
		var buttons []Button
		for _, b := range row {
			buttons = append(buttons, Button{Text: b.Text, CallbackData: b.CallbackData, URL: b.URL})
		}
		k.Inline = append(k.Inline, buttons)
	}
	for _, row := range markup.Keyboard {
		var buttons []Button
		for _, b := range row {
			buttons = append(buttons, Button{Text: b.Text, RequestContact: b.RequestContact, RequestLocation: b.RequestLocation})
		}
		k.Reply = append(k.Reply, buttons)
	}
	return k, nil
}

// Calls returns the calls of method (matched without regard to case), or
// every call when method is empty, oldest first.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var calls []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			c.Params = fakeapi.CloneValues(c.Params)
			calls = append(calls, c)
		}
	}
	return calls
}

// SentMessages returns the messages the fake accepted, oldest first.
func (s *Server) SentMessages() []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SentMessage(nil), s.sent...)
}

// SendTimes returns when the fake accepted each message to chatID, oldest
// first; chatID 0 means every chat.
func (s *Server) SendTimes(chatID int64) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if chatID == 0 {
		return append([]time.Time(nil), s.allSends...)
	}
	return append([]time.Time(nil), s.chatSends[chatID]...)
}

// BusiestSecond is the most messages the fake accepted for chatID within any
// one second (chatID 0: across all chats), to check a sender keeps to
// Telegram's limits of about 1 a second per chat and 30 a second in all.
func (s *Server) BusiestSecond(chatID int64) int {
	times := s.SendTimes(chatID)
	busiest, first := 0, 0
	for last := range times {
		for times[last].Sub(times[first]) >= time.Second {
			first++
		}
		busiest = max(busiest, last-first+1)
	}
	return busiest
}

// ShortestChatGap is the least time between two messages the fake accepted
// for one chat, over every chat, and that chat, to check a sender keeps
// Telegram's interval per chat; ok is false when no chat got two.
func (s *Server) ShortestChatGap() (gap time.Duration, chatID int64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, times := range s.chatSends {
		for i := 1; i < len(times); i++ {
			if d := times[i].Sub(times[i-1]); !ok || d < gap {
				gap, chatID, ok = d, id, true
			}
		}
	}
	return gap, chatID, ok
}

// WaitFor blocks until cond holds or ctx ends. cond runs without the fake's
// lock held, so it may call the fake's methods; it is re-checked after every
// change the fake sees and at least every 50ms.
func (s *Server) WaitFor(ctx context.Context, cond func(*Server) bool) error {
	if err := s.changes.WaitFor(ctx, func() bool { return cond(s) }); err != nil {
		return fmt.Errorf("wait for condition: %w", err)
	}
	return nil
}

// WaitForMessages blocks until the fake has accepted at least n messages
// and returns all of them, or returns those it has and an error when ctx
// ends first.
func (s *Server) WaitForMessages(ctx context.Context, n int) ([]SentMessage, error) {
	var sent []SentMessage
	err := s.changes.WaitFor(ctx, func() bool {
		sent = s.SentMessages()
		return len(sent) >= n
	})
	if err != nil {
		return sent, fmt.Errorf("wait for %d sent messages, have %d: %w", n, len(sent), err)
	}
	return sent, nil
}

// Reset forgets calls, sent messages, send times, scripted failures, blocked
// chats, queued updates, the webhook and put files, as if the fake had just
// started. Message ids keep increasing. Long benchmarks call it to bound
// memory.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	s.changes.Notify()
}

func (s *Server) resetLocked() {
	s.calls = nil
	s.sent = nil
	s.chatSends = map[int64][]time.Time{}
	s.allSends = nil
	s.failures.Reset()
	s.blocked = map[int64]bool{}
	s.updates = nil
	s.webhook = Webhook{}
	s.files = map[string][]byte{}
	s.downloads = map[string]int{}
}

// TextsByChat counts, per chat, the messages accepted whose text contains
// part.
func (s *Server) TextsByChat(part string) map[int64]int {
	n := map[int64]int{}
	for _, m := range s.SentMessages() {
		if strings.Contains(m.Text, part) {
			n[m.ChatID]++
		}
	}
	return n
}

// WaitForEachChat waits until each of chatIDs has been sent a message
// containing part, and returns TextsByChat(part) then (or when ctx ends,
// with its error).
func (s *Server) WaitForEachChat(ctx context.Context, part string, chatIDs ...int64) (map[int64]int, error) {
	err := s.WaitFor(ctx, func(*Server) bool {
		n := s.TextsByChat(part)
		for _, id := range chatIDs {
			if n[id] == 0 {
				return false
			}
		}
		return true
	})
	return s.TextsByChat(part), err
}
