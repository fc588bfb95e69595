package api

import (
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
)

// streamEvents answers GET /events with Server-Sent Events: one frame per
// broker event (id, event type, JSON data), a ping comment when idle. It
// ends when the client goes, the server shuts down, or the operator's
// session stops being valid.
func (a *API) streamEvents(c echo.Context) error {
	op := operatorOf(c)
	token, _ := c.Get(ctxToken).(string)
	req := c.Request()
	ctx := req.Context()
	// Subscribe before answering: once the client has the headers, no
	// event is missed.
	sub := a.broker.Subscribe(op.ID)
	defer sub.Close()

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
	a.log.DebugContext(ctx, "event stream opened", "operator_id", op.ID)
	defer a.log.DebugContext(ctx, "event stream closed", "operator_id", op.ID)

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
			frame, err := ev.Encoded(eventFrame)
			if err != nil {
				a.log.ErrorContext(ctx, "encode event", "type", ev.Type, "err", err)
				continue
			}
			if err := writeFrame(rc, res, frame); err != nil {
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
