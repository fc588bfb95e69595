package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/bench/internal/cpu"
	"github.com/switchboardhq/switchboard/bench/internal/samples"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// step is one thing a simulated customer does; each causes one reply.
type step int

const (
	stepStart  step = iota // sends /start: greeting, ticket and menu
	stepButton             // presses the menu's "Opening hours": an answer and "Did this help?"
	stepText               // types a question: handed over, told the queue position
	journeyLen
)

// userBase keeps simulated user ids clear of anything a test made by hand.
const userBase = 5_000_000_000

// customer is one simulated Telegram user going through the journey.
type customer struct {
	user      faketelegram.User
	next      step
	messageID int // the bot's last message, whose button the customer presses
}

// body is the update for the customer's next step.
func (c *customer) body(updateID int) []byte {
	switch c.next {
	case stepStart:
		return faketelegram.CommandUpdate(updateID, c.user, "start", "")
	case stepButton:
		return faketelegram.CallbackUpdate(updateID, c.user, max(c.messageID, 1), "m:hours")
	default:
		return faketelegram.TextUpdate(updateID, c.user, fmt.Sprintf("Hello, my order #%d has not arrived yet. Where is it?", c.user.ID%100000))
	}
}

// generator posts updates to a webhook and measures them.
type generator struct {
	url          string
	urls         []string // when set, updates go to each in turn (url unused)
	secret       string
	client       *http.Client
	rec          *recorder // nil when replies are not watched (bare mode)
	replyTimeout time.Duration
	maxCustomers int64
	maxUpdates   int64

	updateID  atomic.Int64
	posted    atomic.Int64 // updates sent, for spreading them over urls
	customers atomic.Int64
	issued    atomic.Int64

	// The measured window; outside it nothing is sampled or counted as
	// throughput (errors are counted throughout).
	from, to atomic.Int64 // unix nanoseconds

	cnt      counters
	e2e, ack samples.Latencies

	stopped   chan struct{} // closed when the load ends
	cpu       cpu.Use       // who kept the CPUs busy in the window
	childPIDs []int         // the servers under test, when this process ran them
}

func newGenerator(url, secret string, conns int, rec *recorder) *generator {
	g := &generator{url: url, secret: secret, rec: rec, replyTimeout: 10 * time.Second, stopped: make(chan struct{})}
	g.e2e.Max, g.ack.Max = maxSamples, maxSamples
	g.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns + 16, MaxIdleConnsPerHost: conns + 16, IdleConnTimeout: time.Minute, DisableCompression: true,
	}}
	g.from.Store(time.Now().Add(24 * time.Hour).UnixNano())
	g.to.Store(time.Now().Add(48 * time.Hour).UnixNano())
	return g
}

func (g *generator) setWindow(from, to time.Time) {
	g.from.Store(from.UnixNano())
	g.to.Store(to.UnixNano())
}

func (g *generator) inWindow(t time.Time) bool {
	n := t.UnixNano()
	return n >= g.from.Load() && n <= g.to.Load()
}

// newCustomer starts a fresh customer, or returns nil when the run's
// customer budget is spent.
func (g *generator) newCustomer() *customer {
	n := g.customers.Add(1)
	if g.maxCustomers > 0 && n > g.maxCustomers {
		return nil
	}
	lang := "en"
	if n%3 == 0 {
		lang = "ru"
	}
	id := userBase + n
	return &customer{user: faketelegram.User{ID: id, FirstName: "Load", LastName: fmt.Sprintf("Customer %d", n),
		Username: fmt.Sprintf("load_%d", n), LanguageCode: lang}}
}

// takeUpdate reserves one update from the run's budget.
func (g *generator) takeUpdate() bool {
	n := g.issued.Add(1)
	return g.maxUpdates <= 0 || n <= g.maxUpdates
}

// send posts c's next update, scheduled at sched (when it should have been
// sent; for an open loop the latency counts from then), and waits for its
// reply when replies are watched. It reports whether the customer may go on.
func (g *generator) send(ctx context.Context, c *customer, sched time.Time) bool {
	body := c.body(int(g.updateID.Add(1)))
	var wait chan reply
	if g.rec != nil {
		wait = g.rec.expect(c.user.ID)
	}
	forget := func() {
		if wait != nil {
			g.rec.forget(c.user.ID, wait)
		}
	}
	url := g.url
	if len(g.urls) > 0 {
		url = g.urls[int(g.posted.Add(1))%len(g.urls)]
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		forget()
		g.cnt.transport.Add(1)
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(faketelegram.SecretTokenHeader, g.secret)
	resp, err := g.client.Do(req)
	acked := time.Now()
	if err != nil {
		forget()
		if ctx.Err() == nil {
			g.cnt.transport.Add(1)
		}
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		forget()
		g.cnt.status(resp.StatusCode)
		return false
	}
	measured := g.inWindow(sched)
	if g.inWindow(acked) {
		g.cnt.acked.Add(1)
	}
	if measured {
		g.ack.Add(acked.Sub(sched))
	}
	if wait == nil {
		c.next++
		return true
	}
	timer := time.NewTimer(g.replyTimeout)
	defer timer.Stop()
	select {
	case r := <-wait:
		if g.inWindow(r.at) {
			g.cnt.replied.Add(1)
		}
		if measured {
			g.e2e.Add(r.at.Sub(sched))
		}
		c.messageID = r.messageID
		c.next++
		return true
	case <-timer.C:
		forget()
		g.cnt.replyTimeout.Add(1)
		return false
	case <-ctx.Done():
		forget()
		return false
	}
}

// closedLoop runs conc workers, each taking one customer at a time through
// the whole journey, until stopAt or the budget of customers or updates
// runs out.
func (g *generator) closedLoop(ctx context.Context, conc int, stopAt time.Time) {
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(stopAt) {
				c := g.newCustomer()
				if c == nil {
					return
				}
				for c.next < journeyLen && ctx.Err() == nil && time.Now().Before(stopAt) {
					if !g.takeUpdate() {
						return
					}
					if !g.send(ctx, c, time.Now()) {
						break // a failed step: this customer gives up
					}
				}
			}
		})
	}
	wg.Wait()
}

// openLoop starts updates at rate per second whatever the answers, the way
// independent customers arrive, until stopAt or the budget runs out. A
// customer whose reply came is ready for its next step; when none is ready
// a new customer starts. At most maxInFlight updates wait at once; a due
// update beyond that is counted as overload and skipped.
func (g *generator) openLoop(ctx context.Context, rate float64, maxInFlight int, stopAt time.Time) {
	ready := make(chan *customer, maxInFlight)
	var inFlight atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	issued := 0
	for now := start; now.Before(stopAt) && ctx.Err() == nil; now = time.Now() {
		due := int(now.Sub(start).Seconds()*rate) + 1
		for ; issued < due; issued++ {
			sched := start.Add(time.Duration(float64(issued) / rate * float64(time.Second)))
			if inFlight.Load() >= int64(maxInFlight) {
				g.cnt.overload.Add(1)
				continue
			}
			var c *customer
			select {
			case c = <-ready:
			default:
				c = g.newCustomer()
			}
			if c == nil || !g.takeUpdate() {
				stopAt = now
				break
			}
			inFlight.Add(1)
			wg.Go(func() {
				defer inFlight.Add(-1)
				if g.send(ctx, c, sched) && c.next < journeyLen {
					select {
					case ready <- c:
					default:
					}
				}
			})
		}
		time.Sleep(200 * time.Microsecond)
	}
	wg.Wait()
}
