package telegram

import (
	"errors"
	"net/url"
	"strings"
)

// redactedError is a net/http error with the bot token cut out of its
// text: every Bot API URL is /bot<token>/<method>, and net/http names the
// URL in its errors, which end up in logs and in stored delivery errors.
// It unwraps to the transport's own error (a timeout stays a timeout).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactToken returns err with every form of token (as is, escaped for a
// path or a query) replaced by "<token>" in its text.
func redactToken(err error, token string) error {
	if err == nil || token == "" {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, form := range []string{token, url.PathEscape(token), url.QueryEscape(token)} {
		clean = strings.ReplaceAll(clean, form, "<token>")
	}
	if clean == msg {
		return err
	}
	inner := err
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		inner = ue.Err
	}
	return &redactedError{msg: clean, err: inner}
}
