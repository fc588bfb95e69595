package fakeapi

import "sync"

// Failures is a queue of scripted failures of type F, each answering a
// number of the calls it matches, earliest queued first. The zero value is
// an empty queue; it is safe for concurrent use.
type Failures[F any] struct {
	mu    sync.Mutex
	queue []scripted[F]
}

// scripted is a queued failure and how many calls it still fails;
// remaining < 0 means without end.
type scripted[F any] struct {
	failure   F
	remaining int
}

// Add queues f to fail the next times matching calls: 0 means once, a
// negative number every matching call until Reset.
func (q *Failures[F]) Add(f F, times int) {
	if times == 0 {
		times = 1
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queue = append(q.queue, scripted[F]{failure: f, remaining: times})
}

// Take consumes one use of the first queued failure for which matches is
// true and returns it; false when none matches. A failure leaves the queue
// when its uses run out.
func (q *Failures[F]) Take(matches func(F) bool) (F, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range q.queue {
		s := &q.queue[i]
		if !matches(s.failure) {
			continue
		}
		taken := s.failure
		if s.remaining > 0 {
			s.remaining--
			if s.remaining == 0 {
				q.queue = append(q.queue[:i], q.queue[i+1:]...)
			}
		}
		return taken, true
	}
	var none F
	return none, false
}

// Reset forgets every queued failure.
func (q *Failures[F]) Reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queue = nil
}
