package promises

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// How the learned estimate learns.
const (
	// Window is how far back real waits are learned from: the last hours
	// tell how the desk runs today, not last week.
	Window = 3 * time.Hour
	// RefreshEvery is how often an Estimator reads the recent waits again.
	RefreshEvery = time.Minute
	// MaxSamples bounds the waits read at each refresh (newest first).
	MaxSamples = 2000
	// PickupPercentile of the pickups by a free operator is told: a
	// high one, so the estimate errs long for nineteen customers in
	// twenty.
	PickupPercentile = 0.95
	// PlacePercentile of the times per place is told to those further
	// back: higher, as their waits pile up the variation of several
	// conversations ending and the desk's load changes under them.
	PlacePercentile = 0.98
	// MinSamples is how many real waits a situation needs before they are
	// trusted over a wider pool or the prior.
	MinSamples = 10
	// FloorMinutes is the least wait ever told.
	FloorMinutes = 1
)

// Source is where an Estimator reads recent waits (storage.Storage):
// answered ones and those still open.
type Source interface {
	RecentWaits(ctx context.Context, since time.Time, limit int) ([]storage.WaitEstimate, error)
}

// Estimator tells the wait learned from the desk's recent real waits,
// read again at most every RefreshEvery. It is safe for concurrent use.
type Estimator struct {
	prior time.Duration

	mu      sync.Mutex
	model   Model
	loaded  time.Time
	loading bool
}

// NewEstimator starts an estimator with nothing learned: until real waits
// come in, it tells what the prior (minutes per customer) gives.
func NewEstimator(prior time.Duration) *Estimator {
	return &Estimator{prior: prior, model: Learn(nil, prior, time.Time{})}
}

// Refresh reads the waits answered within Window before now from src when
// the last read is older than RefreshEvery (or in the future: a clock set
// back). One caller reads at a time; the others keep telling what was
// learned before. On an error the old model stays and the next call tries
// again.
func (e *Estimator) Refresh(ctx context.Context, src Source, now time.Time) error {
	e.mu.Lock()
	fresh := !e.loaded.IsZero() && now.Sub(e.loaded) < RefreshEvery && !now.Before(e.loaded)
	if fresh || e.loading {
		e.mu.Unlock()
		return nil
	}
	e.loading = true
	e.mu.Unlock()

	samples, err := src.RecentWaits(ctx, now.Add(-Window), MaxSamples)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.loading = false
	if err != nil {
		return err
	}
	e.model, e.loaded = Learn(samples, e.prior, now), now
	return nil
}

// Minutes is the wait to tell a customer at place pos in the queue, with
// operators at work and free slots among them now. Until enough real
// waits were seen it is the fixed rule's, with the prior.
func (e *Estimator) Minutes(pos, operators, free int) int {
	e.mu.Lock()
	m := e.model
	e.mu.Unlock()
	if !m.Learned() {
		return FixedMinutes(pos, operators, int(math.Ceil(m.Prior.Minutes())))
	}
	return RoundUp(m.Wait(pos, operators, free))
}

// Model is what was learned from a set of real waits. Two situations
// differ: a customer whose place is within the operators' free slots is
// picked up as soon as someone notices (a pickup), while one beyond them
// waits for k = place − free slots conversations to end first, which
// takes longer the more there are and shorter the more operators share
// them (a per-operator time per place).
type Model struct {
	// Pickup is the high percentile of the waits of customers a free slot
	// awaited; zero when too few were seen.
	Pickup time.Duration
	// PerPlace holds, for each bucket of k, the high percentile of
	// wait × operators ÷ k; zero when too few were seen.
	PerPlace [len(placeBuckets)]time.Duration
	// Prior is minutes per customer: the time per place when nothing
	// was learned.
	Prior time.Duration
}

// placeBuckets are the upper ends of the buckets of k, the places a
// customer is beyond the free slots: waits for the first few places
// vary far more than those for many, so each is learned apart.
var placeBuckets = [...]int{1, 2, 4, 8, 16, math.MaxInt}

func bucketOf(k int) int {
	for i, hi := range placeBuckets {
		if k <= hi {
			return i
		}
	}
	return len(placeBuckets) - 1
}

// Learn builds a model, at now, from answered waits and from waits still
// open past the minutes told: a promise already broken is a wait at least
// that long, and leaving it out would learn only from the customers who
// were lucky. Others are skipped. Prior is the time per place where too
// few were seen. Each situation tells a high percentile of its waits, or
// of its last hour's when those run longer: a desk falling behind is
// caught up with within the hour.
func Learn(samples []storage.WaitEstimate, prior time.Duration, now time.Time) Model {
	m := Model{Prior: prior}
	recent := now.Add(-Recent)
	pickups, all := waits{p: PickupPercentile}, waits{p: PlacePercentile}
	var perPlace [len(placeBuckets)]waits
	for b := range perPlace {
		perPlace[b].p = PlacePercentile
	}
	for _, s := range samples {
		wait, ok := RealWait(s)
		if !ok && s.Outcome == storage.OutcomeOpen && s.Minutes != nil {
			wait = now.Sub(s.ToldAt)
			ok = wait > time.Duration(*s.Minutes)*time.Minute
		}
		if !ok || wait < 0 {
			continue
		}
		fresh := !s.ToldAt.Before(recent)
		pos := max(s.Position, 1)
		if pos <= s.FreeSlots {
			pickups.add(wait, fresh)
			continue
		}
		k := pos - max(s.FreeSlots, 0)
		v := wait * time.Duration(max(s.Operators, 1)) / time.Duration(k)
		perPlace[bucketOf(k)].add(v, fresh)
		all.add(v, fresh)
	}
	m.Pickup = pickups.high()
	pooled := all.high()
	for b := range perPlace {
		switch v := perPlace[b].high(); {
		case v > 0:
			m.PerPlace[b] = v
		case b > 0 && m.PerPlace[b-1] > 0:
			// Waits for fewer places vary more: the nearest bucket
			// below errs long where this one saw too few.
			m.PerPlace[b] = m.PerPlace[b-1]
		default:
			m.PerPlace[b] = pooled
		}
	}
	return m
}

// Recent is the last part of the Window whose waits are weighed apart.
const Recent = time.Hour

// waits are the real waits (or times per place) of one situation, and
// those of the last hour among them, told at percentile p.
type waits struct {
	p           float64
	all, recent []time.Duration
}

func (w *waits) add(d time.Duration, fresh bool) {
	w.all = append(w.all, d)
	if fresh {
		w.recent = append(w.recent, d)
	}
}

// high is the high percentile of all the waits, or of the recent ones when
// higher; zero when fewer than MinSamples were seen.
func (w *waits) high() time.Duration {
	if len(w.all) < MinSamples {
		return 0
	}
	v := highPercentile(w.all, w.p)
	if len(w.recent) >= MinSamples {
		v = max(v, highPercentile(w.recent, w.p))
	}
	return v
}

// Learned says whether any situation had enough real waits to learn from.
func (m Model) Learned() bool {
	if m.Pickup > 0 {
		return true
	}
	for _, v := range m.PerPlace {
		if v > 0 {
			return true
		}
	}
	return false
}

// Wait is the wait to tell at place pos with operators at work and free
// slots now, before rounding.
func (m Model) Wait(pos, operators, free int) time.Duration {
	pos, n := max(pos, 1), time.Duration(max(operators, 1))
	if pos <= free && m.Pickup > 0 {
		return m.Pickup
	}
	k := pos - max(free, 0)
	if pos <= free {
		// A free slot awaits, but no pickup was learned: count a full
		// place, erring long.
		k = 1
	}
	if m.PerPlace[bucketOf(k)] <= 0 {
		// Nothing learned about waits this far back: the fixed rule.
		return time.Duration(FixedMinutes(k, operators, int(math.Ceil(m.Prior.Minutes())))) * time.Minute
	}
	// Never tell a place less than the end of the bucket before it was
	// told: a later place does not get a shorter promise.
	var best time.Duration
	b := bucketOf(k)
	for i := 0; i <= b; i++ {
		per := m.PerPlace[i]
		if per <= 0 {
			per = m.Prior
		}
		places := k
		if i < b {
			places = placeBuckets[i]
		}
		best = max(best, per*time.Duration(places)/n)
	}
	return best
}

// RoundUp turns a wait into the minutes told, never rounding down: whole
// minutes up to ten, then up to a multiple of five, and never less than
// FloorMinutes.
func RoundUp(d time.Duration) int {
	m := int(math.Ceil(d.Minutes()))
	if m > 10 {
		m = (m + 4) / 5 * 5
	}
	return max(m, FloorMinutes)
}

// FixedMinutes is the fixed rule (queue.estimate: fixed): every customer
// ahead and this one take minutesPerCustomer, shared among the operators
// at work, rounded up to five minutes.
func FixedMinutes(pos, operators, minutesPerCustomer int) int {
	n := max(operators, 1)
	m := math.Ceil(float64(pos*minutesPerCustomer) / float64(n))
	return int(math.Ceil(m/5) * 5)
}

// highPercentile is percentile p of ds (sorted in place), taken as the
// smallest value at or above that share, so it errs long.
func highPercentile(ds []time.Duration, p float64) time.Duration {
	slices.Sort(ds)
	i := int(math.Ceil(p*float64(len(ds)))) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}
