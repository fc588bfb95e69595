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
// update, returning early when one is queued or the fake closes.
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

	deadline := time.NewTimer(time.Duration(max(timeout, 0)) * time.Second)
	defer deadline.Stop()
	for {
		batch, changed, refusal := s.takeUpdates(offset, limit)
		if refusal != nil {
			return *refusal
		}
		if len(batch) > 0 || timeout <= 0 {
			return success(batch)
		}
		select {
		case <-changed:
		case <-deadline.C:
			return success(batch)
		case <-ctx.Done():
			return success(batch)
		case <-s.closed:
			return success(batch)
		}
	}
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
