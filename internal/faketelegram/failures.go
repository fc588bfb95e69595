package faketelegram

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Telegram's send limits, which EnforceLimits applies.
const (
	chatLimitWindow   = time.Second
	globalLimitPerSec = 30
)

// Failure scripts an error answer for calls the fake receives later.
type Failure struct {
	// Method is the method to fail, matched without regard to case; empty
	// matches every method; FileMethod (only) matches file downloads.
	Method string
	// ChatID limits the failure to calls whose chat_id is this chat; 0
	// matches any call, with or without a chat.
	ChatID int64
	// Code is the error_code and HTTP status; 0 means 500.
	Code int
	// Description is the error text; empty means Telegram's usual text for
	// Code, such as "Bad Gateway" or "Too Many Requests: retry after N".
	Description string
	// RetryAfter, when positive, is sent as parameters.retry_after.
	RetryAfter int
	// Times is how many matching calls fail: 0 means once, a negative
	// number every matching call until Reset.
	Times int
	// DropConnection closes the connection without any answer, as a
	// network failure would; Code and Description are then unused.
	DropConnection bool
}

// Fail queues f; the next matching calls answer with it instead of running.
// Failures match in the order they were queued.
func (s *Server) Fail(f Failure) {
	s.failures.Add(f, f.Times)
}

// FailTooManyRequests makes the next sendMessage to chatID (any chat when 0)
// answer 429 "Too Many Requests: retry after N" with parameters.retry_after.
func (s *Server) FailTooManyRequests(chatID int64, retryAfterSeconds int) {
	s.Fail(Failure{
		Method:     "sendMessage",
		ChatID:     chatID,
		Code:       http.StatusTooManyRequests,
		RetryAfter: retryAfterSeconds,
	})
}

// FailServerError makes the next times calls of method (any method when
// empty) answer 502 Bad Gateway, a temporary failure.
func (s *Server) FailServerError(method string, times int) {
	s.Fail(Failure{Method: method, Code: http.StatusBadGateway, Times: times})
}

// DropConnections makes the next times calls of method (any method when
// empty) end with the connection closed and no answer.
func (s *Server) DropConnections(method string, times int) {
	s.Fail(Failure{Method: method, Times: times, DropConnection: true})
}

// BlockChat makes every later sendMessage, sendPhoto and sendDocument to
// chatID answer 403 "Forbidden: bot was blocked by the user", as when the
// user blocks the bot, until UnblockChat or Reset.
func (s *Server) BlockChat(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// UnblockChat undoes BlockChat.
func (s *Server) UnblockChat(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// takeFailure consumes the first queued failure matching the call.
func (s *Server) takeFailure(method string, p url.Values) (Failure, bool) {
	chatID, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	return s.failures.Take(func(f Failure) bool {
		return (f.Method == "" || strings.EqualFold(f.Method, method)) &&
			(f.ChatID == 0 || f.ChatID == chatID)
	})
}

// response is the answer f makes.
func (f Failure) response() response {
	code := f.Code
	if code < 400 || code > 599 {
		code = http.StatusInternalServerError
	}
	description := f.Description
	if description == "" {
		description = standardDescription(code, f.RetryAfter)
	}
	return errorResponse(code, description, f.RetryAfter)
}

// standardDescription is the text Telegram sends with code.
func standardDescription(code, retryAfter int) string {
	switch code {
	case http.StatusBadRequest:
		return "Bad Request"
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusTooManyRequests:
		return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	default:
		return http.StatusText(code)
	}
}

// admitSendLocked refuses a message to a chat that blocked the bot and,
// with EnforceLimits, one that would break Telegram's send limits.
func (s *Server) admitSendLocked(chatID int64, now time.Time) (response, bool) {
	if s.blocked[chatID] {
		return errorResponse(http.StatusForbidden, "Forbidden: bot was blocked by the user", 0), false
	}
	if !s.cfg.EnforceLimits {
		return response{}, true
	}
	tooMany := Failure{Code: http.StatusTooManyRequests, RetryAfter: 1}.response()
	if sends := s.chatSends[chatID]; len(sends) > 0 && now.Sub(sends[len(sends)-1]) < chatLimitWindow {
		return tooMany, false
	}
	recent := 0
	for i := len(s.allSends) - 1; i >= 0 && now.Sub(s.allSends[i]) < time.Second; i-- {
		recent++
	}
	if recent >= globalLimitPerSec {
		return tooMany, false
	}
	return response{}, true
}
