package events

import (
	"context"
	"errors"
)

// ErrExpired says that events a listener asks for are no longer kept: it
// should reload rather than replay.
var ErrExpired = errors.New("the events asked for are no longer kept")

// Transport carries events between processes that share one database.
type Transport interface {
	// Send queues ev for every process, this one included; it must not
	// block. The transport numbers it and hands it to each process's
	// broker with Deliver.
	Send(ev Event)
	// Since returns up to limit events after id, oldest first, or
	// ErrExpired when some of them are no longer kept.
	Since(ctx context.Context, id uint64, limit int) ([]Event, error)
}

// RecentEvents is how many events a Broker without a transport keeps for
// replay to a stream that reconnects.
const RecentEvents = 10000

// ring keeps the latest events, oldest first once it wraps.
type ring struct {
	buf   []Event
	start int
	n     int
}

func newRing(size int) ring { return ring{buf: make([]Event, size)} }

func (r *ring) add(ev Event) {
	if r.n < len(r.buf) {
		r.buf[(r.start+r.n)%len(r.buf)] = ev
		r.n++
		return
	}
	r.buf[r.start] = ev
	r.start = (r.start + 1) % len(r.buf)
}

func (r *ring) at(i int) Event { return r.buf[(r.start+i)%len(r.buf)] }

// since returns up to limit kept events after id; last is the newest id
// given out. Events are numbered without gaps, so id is covered when the
// oldest kept event is id+1 or older. An id above last was never given
// out here (another process's, or one from before the clock went back).
func (r *ring) since(id, last uint64, limit int) ([]Event, error) {
	switch {
	case id > last:
		return nil, ErrExpired
	case id == last:
		return nil, nil
	}
	if r.n == 0 || r.at(0).ID > id+1 {
		return nil, ErrExpired
	}
	// Ids are consecutive: the event after id sits at a known place.
	i := int(id + 1 - r.at(0).ID)
	var out []Event
	for ; i < r.n && len(out) < limit; i++ {
		out = append(out, r.at(i))
	}
	return out, nil
}
