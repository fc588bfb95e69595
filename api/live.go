package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/desk"
	"github.com/switchboardhq/switchboard/storage"
)

type liveOperatorView struct {
	ID        uint64 `json:"id"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	Presence  string `json:"presence"`
	OpenCount int64  `json:"open_count"`
	Capacity  int    `json:"capacity"`
}

type liveWaitingView struct {
	ConversationID uint64    `json:"conversation_id"`
	Ticket         string    `json:"ticket"`
	CustomerID     uint64    `json:"customer_id"`
	CustomerName   string    `json:"customer_name"`
	Channel        string    `json:"channel"`
	Queue          string    `json:"queue"`
	Since          time.Time `json:"since"`
	WaitSeconds    float64   `json:"wait_seconds"`
}

type liveTodayView struct {
	// Date is today in TimeZone, YYYY-MM-DD; the figures run from its
	// midnight to now.
	Date     string `json:"date"`
	TimeZone string `json:"time_zone"`
	feedbackCountsView
}

type liveView struct {
	At                   time.Time          `json:"at"`
	Waiting              int                `json:"waiting"`
	WaitingByQueue       map[string]int     `json:"waiting_by_queue"`
	WaitingByChannel     map[string]int     `json:"waiting_by_channel"`
	LongestWaitSeconds   float64            `json:"longest_wait_seconds"`
	LongestWaiting       []liveWaitingView  `json:"longest_waiting"`
	Operators            []liveOperatorView `json:"operators"`
	OperatorsByPresence  map[string]int     `json:"operators_by_presence"`
	CallbacksDueNextHour int                `json:"callbacks_due_next_hour"`
	CallbacksLate        int                `json:"callbacks_late"`
	Today                liveTodayView      `json:"today"`
}

// liveDesk answers GET /live (supervisors): the desk now — who waits and
// for how long, operators' presence and load, callbacks due and late, and
// today's NPS and happiness so far, "today" in ?tz= or the desk's zone.
// Everything is read from the database, so every process answers alike.
func (a *API) liveDesk(c echo.Context) error {
	loc := a.desk.Zone
	if tz := c.QueryParam("tz"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return badRequest(`"tz" %q is not an IANA time zone such as Europe/Berlin`, tz)
		}
		loc = l
	}
	ctx := c.Request().Context()
	now := a.desk.Clock().UTC()
	snap, err := desk.Read(ctx, a.store, now, desk.Options{LateAfter: a.desk.CallbackLateAfter})
	if err != nil {
		return err
	}
	fb, err := desk.Today(ctx, a.store, now, loc)
	if err != nil {
		return err
	}
	v := liveView{At: now, Waiting: snap.Waiting, WaitingByQueue: snap.WaitingByQueue, WaitingByChannel: snap.WaitingByChannel,
		LongestWaitSeconds: snap.LongestWait.Seconds(), LongestWaiting: make([]liveWaitingView, 0, len(snap.Longest)),
		Operators: make([]liveOperatorView, 0, len(snap.Operators)), OperatorsByPresence: snap.OperatorsByPresence,
		CallbacksDueNextHour: snap.CallbacksDue, CallbacksLate: snap.CallbacksLate,
		Today: liveTodayView{Date: now.In(loc).Format(time.DateOnly), TimeZone: loc.String(), feedbackCountsView: viewFeedbackCounts(fb)}}
	for _, w := range snap.Longest {
		v.LongestWaiting = append(v.LongestWaiting, liveWaitingView{ConversationID: w.ConversationID, Ticket: storage.FormatTicket(w.ConversationID),
			CustomerID: w.CustomerID, CustomerName: w.CustomerName, Channel: w.Channel, Queue: w.Queue, Since: w.Since,
			WaitSeconds: max(now.Sub(w.Since), 0).Seconds()})
	}
	for _, op := range snap.Operators {
		v.Operators = append(v.Operators, liveOperatorView{ID: op.ID, Name: op.Name, Role: op.Role, Presence: op.Presence,
			OpenCount: op.OpenCount, Capacity: op.Capacity})
	}
	return c.JSON(http.StatusOK, v)
}
