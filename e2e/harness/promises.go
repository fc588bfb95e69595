package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// promisesSeed is the body of POST /promises/seed: waits told and
// callbacks promised, written through the store's own functions.
type promisesSeed struct {
	Waits     []seedWait     `json:"waits"`
	Callbacks []seedCallback `json:"callbacks"`
}

// seedWait is a wait of Minutes (null: a caller on hold) told at ToldAt on
// Channel, settled as Outcome ("" open, answered, left, bot) at SettledAt.
type seedWait struct {
	Channel   string    `json:"channel"`
	Minutes   *int      `json:"minutes"`
	ToldAt    time.Time `json:"told_at"`
	Outcome   string    `json:"outcome"`
	SettledAt time.Time `json:"settled_at"`
}

// seedCallback is a callback asked for on Channel and promised for
// PromisedAt, first dialled at DialedAt when set. The harness runs no
// dialer without -twilio, so an undialled one stays undialled.
type seedCallback struct {
	Channel    string     `json:"channel"`
	PromisedAt time.Time  `json:"promised_at"`
	DialedAt   *time.Time `json:"dialed_at"`
}

// seedPromises answers POST /promises/seed with {"waits":N,"callbacks":N}.
func (h *harness) seedPromises(w http.ResponseWriter, r *http.Request) {
	var req promisesSeed
	if !decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	for i, wt := range req.Waits {
		if err := h.seedWait(ctx, wt); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("waits[%d]: %v", i, err)})
			return
		}
	}
	for i, cb := range req.Callbacks {
		if err := h.seedCallback(ctx, cb); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("callbacks[%d]: %v", i, err)})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]int{"waits": len(req.Waits), "callbacks": len(req.Callbacks)})
}

func (h *harness) seedWait(ctx context.Context, wt seedWait) error {
	conv, err := h.seedTicket(ctx, wt.Channel, 0, wt.ToldAt, wt.ToldAt.Add(time.Hour))
	if err != nil {
		return err
	}
	est := storage.WaitEstimate{ConversationID: conv.ID, Channel: wt.Channel, Position: 1, Minutes: wt.Minutes, ToldAt: wt.ToldAt}
	if err := h.store.RecordWaitEstimate(ctx, &est); err != nil {
		return err
	}
	if wt.Outcome == storage.OutcomeOpen {
		return nil
	}
	_, err = h.store.SettleWaitEstimates(ctx, conv.ID, wt.Outcome, wt.SettledAt)
	return err
}

func (h *harness) seedCallback(ctx context.Context, cb seedCallback) error {
	n := seeded.Add(1)
	ident, cust, err := h.store.FindOrCreateIdentity(ctx, storage.Contact{Channel: cb.Channel,
		ExternalID: fmt.Sprintf("promise-seed-%d", n), Name: fmt.Sprintf("Promised %d", n)})
	if err != nil {
		return err
	}
	c := storage.Callback{CustomerID: cust.ID, IdentityID: &ident.ID, Phone: "+447911123456",
		RequestedAt: cb.PromisedAt.Add(-time.Hour), DueAt: cb.PromisedAt}
	if err := h.store.CreateCallback(ctx, &c); err != nil {
		return err
	}
	if cb.DialedAt == nil {
		return nil
	}
	const owner = "harness-seed"
	got, err := h.store.ClaimDueCallbacks(ctx, *cb.DialedAt, owner, time.Minute, 1)
	if err != nil {
		return err
	}
	if len(got) != 1 || got[0].ID != c.ID {
		return fmt.Errorf("another callback was due before callback %d", c.ID)
	}
	_, err = h.store.RecordDial(ctx, c.ID, owner, fmt.Sprintf("CASEED%d", c.ID), *cb.DialedAt)
	return err
}
