package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/auth"
	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/metrics"
)

// replayPage is how many missed events one read returns.
const replayPage = 500

// streamEvents answers GET /events with Server-Sent Events: one frame per
// broker event (id, event type, JSON data), a ping comment when idle. A
// stream reopened with Last-Event-ID (the header browsers send when they
// reconnect, or ?last_event_id=) first gets every event after that id,
// whichever process published it, or one "reload" event when they are no
// longer kept. It ends when the client goes, the server shuts down, or
// the operator's session stops being valid.
func (a *API) streamEvents(c echo.Context) error {
	op := operatorOf(c)
	token, _ := c.Get(ctxToken).(string)
	req := c.Request()
	ctx := req.Context()
	last, err := lastEventID(c)
	if err != nil {
		return err
	}
	// Subscribe before answering and before replaying: once the client
	// has the headers, no event is missed.
	sub := a.broker.Subscribe(op.ID)
	defer sub.Close()
	metrics.EventStreams.Inc()
	defer metrics.EventStreams.Dec()

	res := c.Response()
	rc := http.NewResponseController(res)
	// A stream outlives any server write timeout.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("clear write deadline: %w", err)
	}
	h := res.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set("X-Accel-Buffering", "no")
	res.WriteHeader(http.StatusOK)
	if err := writeFrame(rc, res, ": connected\nretry: 3000\n\n"); err != nil {
		return nil
	}
	a.log.DebugContext(ctx, "event stream opened", "operator_id", op.ID, "last_event_id", last)
	defer a.log.DebugContext(ctx, "event stream closed", "operator_id", op.ID)
	if last > 0 {
		if last, err = a.replay(ctx, rc, res, last); err != nil {
			return nil
		}
	}

	ping := time.NewTicker(a.ping)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.closing:
			return nil
		case <-sub.Done:
			a.log.InfoContext(ctx, "event stream ended: operator logged out", "operator_id", op.ID)
			return nil
		case ev := <-sub.C:
			// Events that arrived together (one transaction's, or one
			// read of the bus) go out in one write: a stream costs a
			// system call per flush, not per event.
			for more := 0; ; more++ {
				if last, err = a.writeEvent(ctx, rc, res, sub, ev, last); err != nil {
					return nil
				}
				if more == coalesceMax {
					break
				}
				var ok bool
				if ev, ok = pending(sub); !ok {
					break
				}
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		case <-ping.C:
			// A deactivated operator or an expired session loses the stream.
			if _, err := auth.Authenticate(ctx, a.store, token); err != nil {
				a.log.InfoContext(ctx, "event stream ended: session no longer valid", "operator_id", op.ID, "err", err)
				return nil
			}
			if err := writeFrame(rc, res, ": ping\n\n"); err != nil {
				return nil
			}
		}
	}
}

// coalesceMax is how many events already waiting a stream writes after
// the one it woke for before it flushes.
const coalesceMax = 63

// pending returns the subscription's next event if one is waiting.
func pending(sub *events.Subscription) (events.Event, bool) {
	select {
	case ev := <-sub.C:
		return ev, true
	default:
		return events.Event{}, false
	}
}

// writeEvent writes ev's frame, unflushed, unless the stream has it
// already, and returns the id of the last event written. When the broker
// dropped events for this slow stream it first reads them back. A non-nil
// error means the client is gone.
func (a *API) writeEvent(ctx context.Context, rc *http.ResponseController, w io.Writer, sub *events.Subscription, ev events.Event, last uint64) (uint64, error) {
	if sub.Lost() && last > 0 {
		var err error
		if last, err = a.replay(ctx, rc, w, last); err != nil {
			return last, err
		}
	}
	if ev.ID <= last {
		return last, nil // replayed already
	}
	frame, err := ev.Encoded(eventFrame)
	if err != nil {
		a.log.ErrorContext(ctx, "encode event", "type", ev.Type, "err", err)
		return last, nil
	}
	if _, err := io.WriteString(w, frame); err != nil {
		return last, err
	}
	return ev.ID, nil
}

// replay writes every event after id and returns the last id written; when
// they are no longer kept it writes one reload event and returns 0, so
// that what follows is sent as it comes. A non-nil error means the client
// is gone.
func (a *API) replay(ctx context.Context, rc *http.ResponseController, w io.Writer, id uint64) (uint64, error) {
	for {
		evs, err := a.broker.Since(ctx, id, replayPage)
		if errors.Is(err, events.ErrExpired) {
			return 0, writeFrame(rc, w, reloadFrame)
		}
		if err != nil {
			// The database is out of reach: the console is told to
			// reload rather than left missing events.
			a.log.WarnContext(ctx, "replay events", "after", id, "err", err)
			return 0, writeFrame(rc, w, reloadFrame)
		}
		// A page goes out in one flush, as live events that arrive
		// together do.
		for _, ev := range evs {
			frame, err := ev.Encoded(eventFrame)
			if err != nil {
				a.log.ErrorContext(ctx, "encode event", "type", ev.Type, "err", err)
				continue
			}
			if _, err := io.WriteString(w, frame); err != nil {
				return 0, err
			}
			id = ev.ID
		}
		if err := rc.Flush(); err != nil {
			return 0, err
		}
		if len(evs) < replayPage {
			return id, nil
		}
	}
}

// reloadFrame tells a console that it missed events no longer kept. It
// carries no id, so the browser keeps asking from its last real one.
const reloadFrame = "event: " + events.Reload + "\ndata: {\"type\":\"" + events.Reload + "\"}\n\n"

// lastEventID reads the id a reconnecting stream last received: the
// Last-Event-ID header, or the last_event_id parameter for a console that
// opens a new stream itself; 0 when there is none.
func lastEventID(c echo.Context) (uint64, error) {
	raw := c.Request().Header.Get("Last-Event-ID")
	name := "Last-Event-ID header"
	if raw == "" {
		raw, name = c.QueryParam("last_event_id"), "last_event_id"
	}
	if raw == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, badRequest("%s must be an event id (a whole number), not %q", name, raw)
	}
	return id, nil
}

// EncodeEventData renders an event's data in the API's shapes, as JSON:
// what the live layer stores, once, for every process's streams.
func EncodeEventData(data any) ([]byte, error) { return json.Marshal(viewEventData(data)) }

// eventFrame renders ev as one SSE frame. The data is the whole event —
// id, type, conversation_id, at and data — on one line.
func eventFrame(ev events.Event) (string, error) {
	ev.At = ev.At.UTC()
	ev.Data = viewEventData(ev.Data)
	data, err := json.Marshal(ev)
	if err != nil {
		return "", err
	}
	return "id: " + strconv.FormatUint(ev.ID, 10) + "\nevent: " + ev.Type + "\ndata: " + string(data) + "\n\n", nil
}

func writeFrame(rc *http.ResponseController, w io.Writer, frame string) error {
	if _, err := io.WriteString(w, frame); err != nil {
		return err
	}
	return rc.Flush()
}
