// Package day replays a day at a support desk through the real dialog
// engine on a controlled clock, to see how well the wait customers are told
// keeps its promise.
//
// Customers arrive as a Poisson process whose rate peaks at midday; each
// sends /start, presses "Talk to a person" and waits, and some ask /status
// after ten minutes. Operators work in shifts (three to eight at once),
// take one customer at a time, oldest first, a short while after they are
// free and someone waits, reply at once and handle the customer for a
// log-normal time. Every step is an engine call at its simulated moment,
// so the waits told and their outcomes are the engine's own records.
package day

import (
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/promises"
	"github.com/switchboardhq/switchboard/storage"
)

// Shift is Operators working from Start to End, in hours of the day.
type Shift struct {
	Start, End float64
	Operators  int
}

// Options describe the day.
type Options struct {
	// Seed fixes every random draw: the same seed is the same day.
	Seed uint64
	// Open and Close bound the day, in hours (8 and 20).
	Open, Close float64
	// Shifts say who works when.
	Shifts []Shift
	// BaseRate is arrivals per hour all day; PeakRate more at PeakHour,
	// falling off as a bell curve of width PeakWidth hours.
	BaseRate, PeakRate, PeakHour, PeakWidth float64
	// HandleMedian and HandleSigma make the log-normal handle time.
	HandleMedian time.Duration
	HandleSigma  float64
	// NoticeMedian and NoticeSigma make the log-normal time a free
	// operator takes to notice a waiting customer and answer.
	NoticeMedian time.Duration
	NoticeSigma  float64
	// StatusShare of customers still waiting after StatusAfter ask /status.
	StatusShare float64
	StatusAfter time.Duration
	// Estimate is queue.estimate: learned or fixed.
	Estimate string
	// MinutesPerCustomer is queue.minutes_per_customer.
	MinutesPerCustomer int
}

// Default is a desk of eight in three shifts taking about 370 customers
// from 8:00 to 20:00, busiest at 13:30 (about 85% of its operators' time),
// handle times with a median of 6 minutes (mean 6.8), counted generously
// as 8 minutes per customer.
func Default(seed uint64, estimate string) Options {
	return Options{
		Seed: seed, Open: 8, Close: 20,
		Shifts:   []Shift{{8, 16, 3}, {10, 18, 2}, {12, 20, 3}},
		BaseRate: 14, PeakRate: 42, PeakHour: 13.5, PeakWidth: 2.2,
		HandleMedian: 6 * time.Minute, HandleSigma: 0.5,
		NoticeMedian: 40 * time.Second, NoticeSigma: 0.5,
		StatusShare: 0.3, StatusAfter: 10 * time.Minute,
		Estimate: estimate, MinutesPerCustomer: 8,
	}
}

// Result is what the day's promises came to, judged as the promises
// report judges them (promises.Kept, promises.ToldToReal).
type Result struct {
	Customers int
	// Estimates told with a number, Judged those answered or left, Kept
	// those answered within the minutes told.
	Estimates, Judged, Kept int
	// ToldToRealMedian is the median of minutes told ÷ real minutes, the
	// Ratios it is taken over.
	ToldToRealMedian float64
	Ratios           []float64
	// RealWaitMedian and RealWaitP95 are the real waits of the first
	// estimate each customer was told.
	RealWaitMedian, RealWaitP95 time.Duration
	// ToldMedian is the median of the minutes told.
	ToldMedian float64
}

// KeptShare is Kept ÷ Judged.
func (r Result) KeptShare() float64 {
	if r.Judged == 0 {
		return 0
	}
	return float64(r.Kept) / float64(r.Judged)
}

// event is something that happens at a moment of the day.
type event struct {
	at  time.Time
	seq int
	do  func() error
}

type queue []*event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	return q[i].at.Before(q[j].at) || (q[i].at.Equal(q[j].at) && q[i].seq < q[j].seq)
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// operator is one member of the desk.
type operator struct {
	op         storage.Operator
	start, end time.Time
	// busy: handling a customer or about to answer one.
	busy bool
}

func (o *operator) onShift(now time.Time) bool { return !now.Before(o.start) && now.Before(o.end) }

// sim is a day in progress.
type sim struct {
	ctx     context.Context
	opts    Options
	store   *storage.Storage
	engine  *dialog.Engine
	rng     *rand.Rand
	now     time.Time
	events  queue
	seq     int
	ops     []*operator
	waiting []uint64 // conversations waiting, oldest first
	convs   []uint64 // every conversation handed over
	// noticing counts operators about to take a waiting customer.
	noticing  int
	customers map[uint64]*customer
	nextID    int
}

// Run replays the day on store, which should be empty, and judges it.
func Run(ctx context.Context, store *storage.Storage, opts Options) (Result, error) {
	settings := config.DefaultSettings()
	settings.Queue.Estimate, settings.Queue.MinutesPerCustomer = opts.Estimate, opts.MinutesPerCustomer
	if err := settings.Validate(); err != nil {
		return Result{}, err
	}
	// A Monday in the spring, in UTC: the default hours are always open.
	day := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	s := &sim{ctx: ctx, opts: opts, store: store, rng: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		now: day.Add(hours(opts.Open)), customers: map[uint64]*customer{}}
	engine, err := dialog.New(store, dialog.Options{Settings: settings, Clock: func() time.Time { return s.now },
		OnlineOperators: s.online, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return Result{}, err
	}
	s.engine = engine
	if err := s.hire(day); err != nil {
		return Result{}, err
	}
	s.arrivals(day)
	for s.events.Len() > 0 {
		ev := heap.Pop(&s.events).(*event)
		s.now = ev.at
		if err := ev.do(); err != nil {
			return Result{}, fmt.Errorf("at %s: %w", s.now.Format("15:04:05"), err)
		}
	}
	return s.judge()
}

func hours(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// at schedules do at moment t.
func (s *sim) at(t time.Time, do func() error) {
	s.seq++
	heap.Push(&s.events, &event{at: t, seq: s.seq, do: do})
}

// online counts operators on shift now: the engine's OnlineOperators.
func (s *sim) online() int {
	n := 0
	for _, o := range s.ops {
		if o.onShift(s.now) {
			n++
		}
	}
	return n
}

// hire creates the operators, each taking one customer at a time, and
// schedules their shifts: online at the start, away at the end (they
// finish the customer they have).
func (s *sim) hire(day time.Time) error {
	one := 1
	for i, sh := range s.opts.Shifts {
		for j := range sh.Operators {
			name := fmt.Sprintf("op%d-%d", i, j)
			op := storage.Operator{Email: name + "@example.org", Name: name, PasswordHash: "x", Role: storage.RoleOperator, Active: true}
			if err := s.store.CreateOperator(s.ctx, &op); err != nil {
				return err
			}
			op, err := s.store.UpdateOperator(s.ctx, op.ID, storage.OperatorChanges{Capacity: &one})
			if err != nil {
				return err
			}
			o := &operator{op: op, start: day.Add(hours(sh.Start)), end: day.Add(hours(sh.End))}
			s.ops = append(s.ops, o)
			s.at(o.start, func() error {
				if _, err := s.engine.SetPresence(s.ctx, o.op.ID, storage.PresenceOnline); err != nil {
					return err
				}
				s.dispatch()
				return nil
			})
			s.at(o.end, func() error {
				_, err := s.engine.SetPresence(s.ctx, o.op.ID, storage.PresenceAway)
				return err
			})
		}
	}
	return nil
}

// rate is arrivals per hour at hour h.
func (s *sim) rate(h float64) float64 {
	z := (h - s.opts.PeakHour) / s.opts.PeakWidth
	return s.opts.BaseRate + s.opts.PeakRate*math.Exp(-z*z/2)
}

// arrivals schedules the day's customers: a Poisson process of rate(h),
// drawn by thinning one of the highest rate.
func (s *sim) arrivals(day time.Time) {
	top := s.opts.BaseRate + s.opts.PeakRate
	for h := s.opts.Open; ; {
		h += s.rng.ExpFloat64() / top
		if h >= s.opts.Close {
			return
		}
		if s.rng.Float64()*top > s.rate(h) {
			continue
		}
		s.nextID++
		id := s.nextID
		arrive := day.Add(hours(h))
		press := arrive.Add(time.Duration(10+s.rng.IntN(20)) * time.Second)
		asks := s.rng.Float64() < s.opts.StatusShare
		handle := s.logNormal(s.opts.HandleMedian, s.opts.HandleSigma)
		c := &customer{id: id, asks: asks, handle: handle}
		s.at(arrive, func() error { return s.send(c, dialog.Event{Kind: dialog.KindCommand, Command: "start"}) })
		s.at(press, func() error { return s.handOver(c) })
	}
}

// customer is one customer of the day.
type customer struct {
	id     int
	asks   bool
	handle time.Duration
	conv   uint64
	served bool
	seq    int
}

func (c *customer) contact() storage.Contact {
	id := fmt.Sprint(c.id)
	return storage.Contact{Channel: dialog.ChannelTelegram, ExternalID: id, Address: id, Name: "Customer " + id, Language: "en"}
}

func (s *sim) send(c *customer, ev dialog.Event) error {
	c.seq++
	ev.From, ev.ExternalID = c.contact(), fmt.Sprintf("%d-%d", c.id, c.seq)
	res, err := s.engine.Handle(s.ctx, ev)
	if err != nil {
		return fmt.Errorf("customer %d %s: %w", c.id, ev.Kind, err)
	}
	c.conv = res.ConversationID
	return nil
}

// handOver has c ask for a person: they are told a wait, join the queue,
// and may ask how they stand later.
func (s *sim) handOver(c *customer) error {
	if err := s.send(c, dialog.Event{Kind: dialog.KindButton, Button: dialog.ButtonPerson}); err != nil {
		return err
	}
	s.waiting = append(s.waiting, c.conv)
	s.convs = append(s.convs, c.conv)
	s.customers[c.conv] = c
	if c.asks {
		s.at(s.now.Add(s.opts.StatusAfter), func() error {
			if c.served {
				return nil
			}
			return s.send(c, dialog.Event{Kind: dialog.KindCommand, Command: "status"})
		})
	}
	s.dispatch()
	return nil
}

// dispatch has each free operator on shift notice a waiting customer, one
// operator per customer, after a moment.
func (s *sim) dispatch() {
	for _, o := range s.ops {
		if o.busy || !o.onShift(s.now) || s.noticing >= len(s.waiting) {
			continue
		}
		o.busy = true
		s.noticing++
		s.at(s.now.Add(s.logNormal(s.opts.NoticeMedian, s.opts.NoticeSigma)), func() error { return s.take(o) })
	}
}

// take has o answer the oldest waiting customer and handle them.
func (s *sim) take(o *operator) error {
	s.noticing--
	if len(s.waiting) == 0 {
		o.busy = false
		return nil
	}
	conv := s.waiting[0]
	s.waiting = s.waiting[1:]
	c := s.customers[conv]
	c.served = true
	if _, err := s.engine.Claim(s.ctx, conv, o.op); err != nil {
		return fmt.Errorf("claim %d: %w", conv, err)
	}
	if _, err := s.engine.Reply(s.ctx, conv, o.op, "Hello, I am here to help."); err != nil {
		return fmt.Errorf("reply in %d: %w", conv, err)
	}
	s.at(s.now.Add(c.handle), func() error {
		if _, err := s.engine.Resolve(s.ctx, conv, o.op); err != nil {
			return fmt.Errorf("resolve %d: %w", conv, err)
		}
		o.busy = false
		s.dispatch()
		return nil
	})
	return nil
}

// logNormal draws a log-normal duration with the given median.
func (s *sim) logNormal(median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*s.rng.NormFloat64()))
}

// judge reads back every wait told and judges it.
func (s *sim) judge() (Result, error) {
	r := Result{Customers: len(s.convs)}
	var ratios, told []float64
	var firsts []time.Duration
	for _, conv := range s.convs {
		ws, err := s.store.WaitEstimates(s.ctx, conv)
		if err != nil {
			return r, err
		}
		for i, w := range ws {
			if w.Minutes == nil {
				continue
			}
			r.Estimates++
			told = append(told, float64(*w.Minutes))
			if kept, counts := promises.Kept(w); counts {
				r.Judged++
				if kept {
					r.Kept++
				}
			}
			if ratio, ok := promises.ToldToReal(w); ok {
				ratios = append(ratios, ratio)
			}
			if real, ok := promises.RealWait(w); ok && i == 0 {
				firsts = append(firsts, real)
			}
		}
	}
	r.ToldToRealMedian, r.ToldMedian, r.Ratios = Median(ratios), Median(told), ratios
	slices.Sort(firsts)
	if n := len(firsts); n > 0 {
		r.RealWaitMedian = firsts[n/2]
		r.RealWaitP95 = firsts[min(int(math.Ceil(0.95*float64(n)))-1, n-1)]
	}
	return r, nil
}

// Median is the median of xs (sorted in place); 0 when empty.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
