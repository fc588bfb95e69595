package faketwilio

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/switchboardhq/switchboard/internal/fakeapi"
)

// Request is one request the fake received, whatever it answered.
type Request struct {
	Method string
	// Path is the URL path, such as /2010-04-01/Accounts/AC…/Messages.json.
	Path string
	// Kind is KindMessages or KindCalls, or empty for a path the fake
	// does not serve.
	Kind string
	// Form holds the request's parameters (body and query).
	Form url.Values
	// Authenticated is true when Basic auth carried the account's
	// credentials.
	Authenticated bool
	// Status is the HTTP status answered; -1 when the connection was
	// dropped.
	Status int
	At     time.Time
}

// Requests returns the requests of kind, or every request when kind is
// empty, oldest first.
func (s *Server) Requests(kind string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if kind == "" || r.Kind == kind {
			r.Form = fakeapi.CloneValues(r.Form)
			out = append(out, r)
		}
	}
	return out
}

// Messages returns the messages the fake accepted, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// MessagesTo returns the messages the fake accepted for number.
func (s *Server) MessagesTo(number string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.To == number {
			out = append(out, m)
		}
	}
	return out
}

// Calls returns the calls the fake accepted, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.StatusCallbackEvent = append([]string(nil), c.StatusCallbackEvent...)
		c.Updates = append([]map[string]string(nil), c.Updates...)
		out[i] = c
	}
	return out
}

// WaitFor blocks until cond holds or ctx ends. cond runs without the fake's
// lock held, so it may call the fake's methods; it is re-checked after every
// request and at least every 50ms.
func (s *Server) WaitFor(ctx context.Context, cond func(*Server) bool) error {
	if err := s.changes.WaitFor(ctx, func() bool { return cond(s) }); err != nil {
		return fmt.Errorf("wait for condition: %w", err)
	}
	return nil
}

// WaitForMessages blocks until the fake has accepted at least n messages
// and returns them all, or those it has and an error when ctx ends first.
func (s *Server) WaitForMessages(ctx context.Context, n int) ([]Message, error) {
	var got []Message
	err := s.WaitFor(ctx, func(s *Server) bool {
		got = s.Messages()
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("wait for %d messages, have %d: %w", n, len(got), err)
	}
	return got, nil
}

// WaitForCalls blocks until the fake has accepted at least n calls and
// returns them all, or those it has and an error when ctx ends first.
func (s *Server) WaitForCalls(ctx context.Context, n int) ([]Call, error) {
	var got []Call
	err := s.WaitFor(ctx, func(s *Server) bool {
		got = s.Calls()
		return len(got) >= n
	})
	if err != nil {
		return got, fmt.Errorf("wait for %d calls, have %d: %w", n, len(got), err)
	}
	return got, nil
}

// Reset forgets requests, messages, calls and scripted failures.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.messages, s.calls = nil, nil, nil
	s.failures.Reset()
	s.changes.Notify()
}
