package faketelegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

const (
	defaultUpdatesLimit = 100
	maxUpdatesLimit     = 100
)

// queuedUpdate is an update waiting for getUpdates.
type queuedUpdate struct {
	id  int
	raw json.RawMessage
}

// QueueUpdate adds one update (JSON, as the builders make) for getUpdates to
// serve and wakes pending long polls. It panics when raw is not a JSON
// object with an update_id, a mistake in the test that calls it.
func (s *Server) QueueUpdate(raw []byte) {
	var head struct {
		UpdateID *int `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.UpdateID == nil {
		panic(fmt.Sprintf("faketelegram: QueueUpdate needs a JSON object with update_id, got %q", raw))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, queuedUpdate{id: *head.UpdateID, raw: bytes.Clone(raw)})
	s.changes.Notify()
}

// PendingUpdates is how many queued updates getUpdates has not yet seen
// confirmed by a later offset.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// getUpdates serves queued updates as Telegram does: a positive offset
// confirms (forgets) every update below it, a negative one keeps only the
// last -offset; with a timeout it waits up to that many seconds for an
// update, returning early when one is queued or the fake closes. Like
// Telegram, it allows one poll at a time: a newer getUpdates ends the one
// still waiting with 409 Conflict.
func (s *Server) getUpdates(ctx context.Context, p url.Values) response {
	offset, err := intParam(p, "offset", 0)
	if err != nil {
		return badRequest("wrong parameter offset")
	}
	limit, err := intParam(p, "limit", defaultUpdatesLimit)
	if err != nil {
		return badRequest("wrong parameter limit")
	}
	limit = min(max(limit, 1), maxUpdatesLimit)
	timeout, err := intParam(p, "timeout", 0)
	if err != nil {
		return badRequest("wrong parameter timeout")
	}
	poll := s.startPoll(clientFrom(ctx))
	answer := s.longPoll(ctx, poll, offset, limit, timeout)
	s.endPoll(poll, answer, ctx.Err() != nil)
	return answer
}

// longPoll waits for updates on behalf of poll.
func (s *Server) longPoll(ctx context.Context, poll *pendingPoll, offset, limit, timeout int) response {
	deadline := time.NewTimer(time.Duration(max(timeout, 0)) * time.Second)
	defer deadline.Stop()
	for {
		select {
		case <-poll.terminated:
			return terminatedPoll
		default:
		}
		batch, changed, refusal := s.takeUpdates(offset, limit)
		if refusal != nil {
			return *refusal
		}
		if len(batch) > 0 || timeout <= 0 {
			return success(batch)
		}
		select {
		case <-changed:
		case <-poll.terminated:
			return terminatedPoll
		case <-deadline.C:
			return success(batch)
		case <-ctx.Done():
			return success(batch)
		case <-s.closed:
			return success(batch)
		}
	}
}

// terminatedPoll is Telegram's answer to a poll a newer one replaced.
var terminatedPoll = errorResponse(http.StatusConflict,
	"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", 0)

// Poll is one getUpdates call as the fake saw it.
type Poll struct {
	// Client is the address the call came from (one connection of one
	// bot instance), or the label of the endpoint it used (EndpointAs).
	Client string
	// Start is when the call arrived; End when it was answered, zero
	// while it waits.
	Start, End time.Time
	// Status is the HTTP status answered: 200, or 409 when a newer poll
	// terminated this one or a webhook was set.
	Status int
	// ClientGone is set when the client hung up before the answer, as a
	// bot does that cuts its long poll short.
	ClientGone bool
}

// pendingPoll is the getUpdates call waiting now.
type pendingPoll struct {
	record *Poll
	// terminated is closed when a newer getUpdates arrives.
	terminated chan struct{}
}

// Polls returns every getUpdates call so far, oldest first, waiting ones
// included.
func (s *Server) Polls() []Poll {
	s.mu.Lock()
	defer s.mu.Unlock()
	polls := make([]Poll, 0, len(s.polls))
	for _, p := range s.polls {
		polls = append(polls, *p)
	}
	return polls
}

// Conflicts counts the getUpdates calls answered 409 Conflict: two bot
// instances polling at once, or polling while a webhook is set.
func (s *Server) Conflicts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.polls {
		if p.Status == http.StatusConflict {
			n++
		}
	}
	return n
}

// startPoll records a poll from client and terminates the one waiting.
func (s *Server) startPoll(client string) *pendingPoll {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.polling != nil {
		close(s.polling.terminated)
	}
	s.polling = &pendingPoll{record: &Poll{Client: client, Start: time.Now()}, terminated: make(chan struct{})}
	s.polls = append(s.polls, s.polling.record)
	s.changes.Notify()
	return s.polling
}

// endPoll records poll's answer.
func (s *Server) endPoll(poll *pendingPoll, answer response, clientGone bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	poll.record.End = time.Now()
	poll.record.Status = http.StatusOK
	if !answer.OK {
		poll.record.Status = answer.ErrorCode
	}
	poll.record.ClientGone = clientGone
	if s.polling == poll {
		s.polling = nil
	}
	s.changes.Notify()
}

// clientKey carries a request's remote address in its context.
type clientKey struct{}

func withClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

func clientFrom(ctx context.Context) string {
	addr, _ := ctx.Value(clientKey{}).(string)
	return addr
}

// takeUpdates applies offset and returns up to limit updates, with the
// channel that signals the next change.
func (s *Server) takeUpdates(offset, limit int) ([]json.RawMessage, <-chan struct{}, *response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook.URL != "" {
		conflict := errorResponse(http.StatusConflict,
			"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first", 0)
		return nil, nil, &conflict
	}
	switch {
	case offset > 0:
		kept := s.updates[:0]
		for _, u := range s.updates {
			if u.id >= offset {
				kept = append(kept, u)
			}
		}
		s.updates = kept
	case offset < 0 && -offset < len(s.updates):
		s.updates = s.updates[len(s.updates)+offset:]
	}
	batch := []json.RawMessage{}
	for _, u := range s.updates {
		if len(batch) == limit {
			break
		}
		batch = append(batch, u.raw)
	}
	return batch, s.changes.Next(), nil
}

// intParam reads an integer parameter, def when absent.
func intParam(p url.Values, name string, def int) (int, error) {
	raw := p.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, fmt.Errorf("parameter %s: %w", name, err)
	}
	return n, nil
}
