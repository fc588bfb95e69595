package replicas_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

// leg is a customer's leg of a callback's call: dialled by the connect
// step of the operator's call operatorCall.
type leg struct {
	callback     uint64
	operatorCall string
	number       string
	start, end   time.Time
	// outcome is how the leg ends (its DialCallStatus), decided when it
	// starts.
	outcome string
	// reporting is set once its result is being posted; lost when its
	// result and the call's last statuses never reach switchboard.
	reporting, lost bool
}

// carrier plays Twilio's side of every call the fake Twilio creates: the
// operator's phone rings and is answered, the connect step is posted, the
// customer's leg it dials rings and ends as answer says, and the Dial's
// result and the call's statuses are posted. Everything is signed for
// publicURL and sent through a live process — round robin, passing to the
// next when one does not answer — as a load balancer in front of the
// public URL would. It records every customer's leg, to count how often
// each callback's customer was dialled.
type carrier struct {
	t    *testing.T
	fake *faketwilio.Server
	// procs are the processes behind the balancer; killed ones are
	// skipped.
	procs []*process
	// ring is how long an operator's phone rings, talk how long a
	// customer's leg lasts.
	ring, talk time.Duration
	// answer says how the nth leg (from 0) of a callback to number ends.
	answer func(number string, n int) string

	mu             sync.Mutex
	next           int
	legs           map[uint64][]*leg
	open           map[uint64]*leg
	ghosts         map[string]uint64 // operator calls whose connect step dialled nobody
	hungUpByDialer int               // calls the dialer ended before they were answered
	retried        int               // webhooks passed to another process
	problems       []string

	stop func()
	wg   sync.WaitGroup
}

// startCarrier plays the fake's calls until the test ends.
func startCarrier(t *testing.T, fake *faketwilio.Server, procs []*process, ring, talk time.Duration,
	answer func(number string, n int) string) *carrier {
	c := &carrier{t: t, fake: fake, procs: procs, ring: ring, talk: talk, answer: answer,
		legs: map[uint64][]*leg{}, open: map[uint64]*leg{}, ghosts: map[string]uint64{}}
	ctx, cancel := context.WithCancel(context.Background())
	watching := make(chan struct{})
	c.stop = func() { cancel(); <-watching; c.wg.Wait() }
	go func() {
		defer close(watching)
		c.watch(ctx)
	}()
	t.Cleanup(c.stop)
	return c
}

// watch starts playing each call as the fake creates it.
func (c *carrier) watch(ctx context.Context) {
	seen := 0
	for {
		if err := c.fake.WaitFor(ctx, func(s *faketwilio.Server) bool { return len(s.Calls()) > seen }); err != nil {
			return
		}
		calls := c.fake.Calls()
		for _, call := range calls[seen:] {
			c.wg.Add(1)
			go func() {
				defer c.wg.Done()
				c.play(ctx, call)
			}()
		}
		seen = len(calls)
	}
}

// play is one call to an operator, from ringing to hanging up.
func (c *carrier) play(ctx context.Context, call faketwilio.Call) {
	id := callbackOf(call.URL)
	params := url.Values{"AccountSid": {c.fake.AccountSID()}, "ApiVersion": {faketwilio.APIVersion}, "CallSid": {call.Sid},
		"From": {call.From}, "To": {call.To}, "Called": {call.To}, "Direction": {"outbound-api"}}
	c.status(ctx, params, "ringing", 0)
	if !pause(ctx, c.ring) {
		return
	}
	if st := c.callStatus(call.Sid); st == "completed" || st == "canceled" {
		// The dialer could not record the call and hung it up.
		c.mu.Lock()
		c.hungUpByDialer++
		c.mu.Unlock()
		c.status(ctx, params, "canceled", 0)
		return
	}
	c.fake.SetCallStatus(call.Sid, "in-progress")
	answered := faketwilio.CallStatusCallback(params, "in-progress", 0)
	c.status(ctx, params, "in-progress", 0)
	doc, ok := c.twiml(ctx, call.URL, answered)
	if !ok {
		c.hangUp(ctx, call.Sid, params, 1)
		return
	}
	dial, found := doc.Find("Dial")
	if !found {
		// Told the callback no longer waits for them, the operator hangs up.
		c.mu.Lock()
		c.ghosts[call.Sid] = id
		c.mu.Unlock()
		c.hangUp(ctx, call.Sid, params, 5)
		return
	}
	number, _ := dial.Find("Number")
	l := c.startLeg(id, call.Sid, strings.TrimSpace(number.Text))
	if !pause(ctx, c.talk) {
		return
	}
	if !c.report(l) {
		// Twilio never reaches switchboard again about this call.
		c.fake.SetCallStatus(call.Sid, "completed")
		return
	}
	result := maps.Clone(answered)
	result.Set("DialCallStatus", l.outcome)
	result.Set("DialCallSid", faketwilio.NewCallSid())
	c.twiml(ctx, dial.Attr("action"), result)
	c.mu.Lock()
	l.end = time.Now()
	delete(c.open, id)
	c.mu.Unlock()
	c.hangUp(ctx, call.Sid, params, 30)
}

// hangUp ends the operator's call after seconds, and says so.
func (c *carrier) hangUp(ctx context.Context, sid string, params url.Values, seconds int) {
	c.fake.SetCallStatus(sid, "completed")
	c.status(ctx, params, "completed", seconds)
}

// startLeg notes that call operatorCall dialled the customer of callback
// id, and a problem when that customer is already on another leg of it.
func (c *carrier) startLeg(id uint64, operatorCall, number string) *leg {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.open[id]; prev != nil {
		c.problems = append(c.problems, fmt.Sprintf("callback %d: customer %s dialled by call %s while its leg of call %s had not reported its end",
			id, number, operatorCall, prev.operatorCall))
	}
	l := &leg{callback: id, operatorCall: operatorCall, number: number, start: time.Now(),
		outcome: c.answer(number, len(c.legs[id]))}
	c.legs[id] = append(c.legs[id], l)
	c.open[id] = l
	return l
}

// report reports whether l's result is to be posted: false when it was
// lost.
func (c *carrier) report(l *leg) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l.lost {
		l.end = time.Now()
		return false
	}
	l.reporting = true
	return true
}

// loseOneOf picks a leg in progress of one of callbacks, to be answered,
// whose result and last statuses will never reach switchboard, and
// returns its callback.
func (c *carrier) loseOneOf(callbacks map[uint64]bool) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, l := range c.open {
		if callbacks[id] && !l.reporting && l.outcome == policy.CallCompleted {
			l.lost = true
			return id, true
		}
	}
	return 0, false
}

// busy reports whether a leg is still in progress, lost ones aside.
func (c *carrier) busy() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.open {
		if !l.lost {
			return true
		}
	}
	return false
}

// callStatus is the call's status at the fake now.
func (c *carrier) callStatus(sid string) string {
	for _, call := range c.fake.Calls() {
		if call.Sid == sid {
			return call.Status
		}
	}
	return ""
}

// status posts a status callback of the operator's call.
func (c *carrier) status(ctx context.Context, params url.Values, status string, seconds int) {
	resp, ok := c.post(ctx, publicURL+"/webhooks/twilio/status", faketwilio.CallStatusCallback(params, status, seconds))
	if ok && resp.Status != http.StatusOK && resp.Status != http.StatusNoContent {
		c.problem("status %s of call %s answered %d: %s", status, params.Get("CallSid"), resp.Status, resp.Body)
	}
}

// twiml posts a step of the call and reads the TwiML answered.
func (c *carrier) twiml(ctx context.Context, u string, params url.Values) (faketwilio.TwiML, bool) {
	resp, ok := c.post(ctx, u, params)
	if !ok {
		return faketwilio.TwiML{}, false
	}
	if resp.Status != http.StatusOK {
		c.problem("POST %s answered %d: %s", u, resp.Status, resp.Body)
		return faketwilio.TwiML{}, false
	}
	doc, err := faketwilio.ParseTwiML(resp.Body)
	if err != nil {
		c.problem("POST %s: %v", u, err)
		return faketwilio.TwiML{}, false
	}
	return doc, true
}

// post sends params to the public URL u, signed, through the next live
// process; one that does not answer, or answers 503, is passed over for
// the one after.
func (c *carrier) post(ctx context.Context, u string, params url.Values) (faketwilio.WebhookResponse, bool) {
	for range 20 {
		p := c.pick()
		if p == nil {
			c.problem("POST %s: no process alive", u)
			return faketwilio.WebhookResponse{}, false
		}
		resp, err := faketwilio.Webhook{AuthToken: c.fake.AuthToken(), Via: p.base}.Post(ctx, u, params)
		if ctx.Err() != nil {
			return resp, false
		}
		if err == nil && resp.Status != http.StatusServiceUnavailable {
			return resp, true
		}
		c.mu.Lock()
		c.retried++
		c.mu.Unlock()
		pause(ctx, 20*time.Millisecond)
	}
	c.problem("POST %s: no process answered", u)
	return faketwilio.WebhookResponse{}, false
}

// pick is the next process still running, round robin.
func (c *carrier) pick() *process {
	c.mu.Lock()
	defer c.mu.Unlock()
	for range c.procs {
		p := c.procs[c.next%len(c.procs)]
		c.next++
		select {
		case <-p.done:
		default:
			return p
		}
	}
	return nil
}

func (c *carrier) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// pause waits d, or reports false when ctx ends first. A call's ringing
// and talking take time; that is what it stands for.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
