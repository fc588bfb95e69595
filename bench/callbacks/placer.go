package main

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/callback/policy"
)

// tally counts every call placed, per callback, across all dialers: when
// the first call was placed, and how many were.
type tally struct {
	mu      sync.Mutex
	first   map[uint64]time.Time
	calls   map[uint64]int
	byPhone map[string]int // calls per operator phone
}

func newTally() *tally {
	return &tally{first: map[uint64]time.Time{}, calls: map[uint64]int{}, byPhone: map[string]int{}}
}

func (t *tally) placed(id uint64, at time.Time, operatorPhone string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.calls[id] == 0 {
		t.first[id] = at
	}
	t.calls[id]++
	t.byPhone[operatorPhone]++
}

// firstCalls returns when each of ids was first dialled, for those that were.
func (t *tally) firstCalls(ids []uint64) map[uint64]time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[uint64]time.Time, len(ids))
	for _, id := range ids {
		if at, ok := t.first[id]; ok {
			out[id] = at
		}
	}
	return out
}

// dialled counts how many of ids have been dialled.
func (t *tally) dialled(ids []uint64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, id := range ids {
		if t.calls[id] > 0 {
			n++
		}
	}
	return n
}

// twice counts the callbacks dialled more than once, and calls in all.
func (t *tally) twice() (twice, calls int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range t.calls {
		calls += n
		if n > 1 {
			twice++
		}
	}
	return twice, calls
}

// operators says how many operators took calls and the most one took.
func (t *tally) operators() (used, most int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range t.byPhone {
		used++
		most = max(most, n)
	}
	return used, most
}

// instantPlacer is the telephony provider of one dialer instance. A call
// is placed at once with a made-up sid; then the three webhooks Twilio
// would send reach the dialer as bots/twilio passes them on: the operator
// answers after a fifth of hold (ConnectCallback, the connect step, which
// records the call in progress), the customer's leg ends completed after
// hold (FinishDial, which completes the callback and so frees the
// operator), and the operator's leg's final status follows
// (RecordOperatorCall).
type instantPlacer struct {
	instance int
	hold     time.Duration
	// delay is how long placing a call takes (Twilio's REST API answering
	// the request to create it); 0 is at once.
	delay time.Duration
	tally *tally
	// dialer receives the webhooks; set once NewDialer has built it.
	dialer *callback.Dialer
	// freed, when not nil, is told when an operator's call has ended (the
	// wake experiment).
	freed chan struct{}

	seq     atomic.Uint64
	pending sync.WaitGroup
	// notLive counts connect steps that found the call not (yet) the
	// callback's current one; errs, webhooks that failed.
	notLive, hangUps, errs atomic.Int64
	firstErr               atomic.Value // string
}

// PlaceCall notes the call against the callback named in twimlURL and
// starts its webhooks.
func (p *instantPlacer) PlaceCall(_ context.Context, to, twimlURL, _ string) (string, error) {
	at := time.Now()
	time.Sleep(p.delay)
	id, err := callbackID(twimlURL)
	if err != nil {
		return "", err
	}
	sid := fmt.Sprintf("CA%02d%030d", p.instance, p.seq.Add(1))
	p.tally.placed(id, at, to)
	p.pending.Add(1)
	go p.play(id, sid)
	return sid, nil
}

// CallStatus is asked only when reconciling an expired lease; every call
// here ends within its hold, so it has.
func (p *instantPlacer) CallStatus(context.Context, string) (string, error) {
	return policy.CallCompleted, nil
}

// HangUp counts calls the dialer could not record.
func (p *instantPlacer) HangUp(context.Context, string) error {
	p.hangUps.Add(1)
	return nil
}

// play sends callback id's call sid's webhooks as the provider would.
func (p *instantPlacer) play(id uint64, sid string) {
	defer p.pending.Done()
	ctx, cancel := context.WithTimeout(context.Background(), p.hold+30*time.Second)
	defer cancel()
	answer := p.hold / 5
	time.Sleep(answer)
	c, err := p.dialer.ConnectCallback(ctx, id, sid)
	if err != nil {
		p.fail(fmt.Errorf("connect callback %d: %w", id, err))
		return
	}
	if !c.Live {
		p.notLive.Add(1)
		return
	}
	time.Sleep(p.hold - answer)
	if _, err := p.dialer.FinishDial(ctx, id, sid, policy.CallCompleted, ""); err != nil {
		p.fail(fmt.Errorf("finish dial of callback %d: %w", id, err))
	}
	if _, _, err := p.dialer.RecordOperatorCall(ctx, sid, policy.CallCompleted); err != nil {
		p.fail(fmt.Errorf("operator leg of callback %d: %w", id, err))
	}
	if p.freed != nil {
		select {
		case p.freed <- struct{}{}:
		default:
		}
	}
}

func (p *instantPlacer) fail(err error) {
	p.errs.Add(1)
	p.firstErr.CompareAndSwap(nil, err.Error())
}

// callbackID reads the callback's id from the connect URL the dialer gives
// the provider (…/callback/connect?callback=ID).
func callbackID(twimlURL string) (uint64, error) {
	u, err := url.Parse(twimlURL)
	if err != nil {
		return 0, fmt.Errorf("connect URL %q: %w", twimlURL, err)
	}
	id, err := strconv.ParseUint(u.Query().Get("callback"), 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("connect URL %q names no callback", twimlURL)
	}
	return id, nil
}
