// Package desk reads the supervisor's picture of the desk as it is now:
// who waits and for how long, which operators are on and how loaded they
// are, which callbacks fall due or run late, and today's feedback. It reads
// only the database — operators' presence there is kept right by every
// process (live.Presence on PostgreSQL) — so any of several processes
// answers alike. GET /api/v1/live and the Prometheus gauges read it.
package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/storage"
)

// DefaultLateAfter is how long past its dialling time a callback not yet
// dialled runs late when Options.LateAfter is zero (callbacks.late_after's
// default).
const DefaultLateAfter = 10 * time.Minute

// DueWindow is how far ahead CallbacksDue looks.
const DueWindow = time.Hour

// MaxWaitingListed is how many of the longest-waiting customers a Snapshot
// names.
const MaxWaitingListed = 20

// Options tune Read.
type Options struct {
	// LateAfter is callbacks.late_after; DefaultLateAfter when zero.
	LateAfter time.Duration
}

// Waiting is one customer in the queue.
type Waiting struct {
	ConversationID uint64
	CustomerID     uint64
	// CustomerName is what the customer calls themselves: their text,
	// never markup.
	CustomerName string
	Channel      string
	Queue        string
	// Since is when they were handed over to a person.
	Since time.Time
}

// Operator is one active operator's state now.
type Operator struct {
	ID        uint64
	Name      string
	Role      string
	Presence  string
	OpenCount int64
	Capacity  int
}

// Snapshot is the desk at one moment.
type Snapshot struct {
	At time.Time
	// Waiting counts the conversations waiting for a person, split by
	// queue ("" is the default queue) and by channel.
	Waiting          int
	WaitingByQueue   map[string]int
	WaitingByChannel map[string]int
	// LongestWait is how long the first in the queue has waited; zero
	// when nobody waits.
	LongestWait time.Duration
	// Longest lists up to MaxWaitingListed waiting customers, the longest
	// waiting first.
	Longest []Waiting
	// Operators are the active operators by name; OperatorsByPresence
	// counts them by presence (online, away, offline).
	Operators           []Operator
	OperatorsByPresence map[string]int
	// CallbacksDue are the scheduled callbacks to be dialled within
	// DueWindow that are not late yet (those due a moment ago included);
	// CallbacksLate those still undialled LateAfter past their dialling
	// time.
	CallbacksDue, CallbacksLate int
}

// waitingRow is one waiting conversation as the queries read it.
type waitingRow struct {
	ID           uint64
	CustomerID   uint64
	Name         string
	Channel      string
	Queue        string
	HandedOverAt *time.Time
	CreatedAt    time.Time
}

// Read takes the desk's snapshot at now.
func Read(ctx context.Context, store *storage.Storage, now time.Time, o Options) (Snapshot, error) {
	now = now.UTC()
	if o.LateAfter <= 0 {
		o.LateAfter = DefaultLateAfter
	}
	s := Snapshot{At: now, WaitingByQueue: map[string]int{}, WaitingByChannel: map[string]int{},
		OperatorsByPresence: map[string]int{storage.PresenceOnline: 0, storage.PresenceAway: 0, storage.PresenceOffline: 0}}
	if err := readWaiting(ctx, store, now, &s); err != nil {
		return s, err
	}
	if err := readOperators(ctx, store, &s); err != nil {
		return s, err
	}
	if err := readCallbacks(ctx, store, now, o.LateAfter, &s); err != nil {
		return s, err
	}
	return s, nil
}

func readWaiting(ctx context.Context, store *storage.Storage, now time.Time, s *Snapshot) error {
	var counts []struct {
		Queue   string
		Channel string
		N       int
	}
	if err := store.Select(ctx, &counts, `SELECT COALESCE(queue, '') AS queue, channel, COUNT(*) AS n
		FROM conversations WHERE state = ? GROUP BY queue, channel`, storage.StateWaiting); err != nil {
		return fmt.Errorf("count waiting conversations: %w", err)
	}
	for _, c := range counts {
		s.Waiting += c.N
		s.WaitingByQueue[c.Queue] += c.N
		s.WaitingByChannel[c.Channel] += c.N
	}
	if s.Waiting == 0 {
		return nil
	}
	// (state, handed_over_at) is indexed; a waiting conversation has
	// always been handed over, created_at stands in should one not be.
	var rows []waitingRow
	if err := store.Select(ctx, &rows, `SELECT c.id, c.customer_id, COALESCE(cu.name, '') AS name, c.channel,
		COALESCE(c.queue, '') AS queue, c.handed_over_at, c.created_at
		FROM conversations c LEFT JOIN customers cu ON cu.id = c.customer_id
		WHERE c.state = ? ORDER BY COALESCE(c.handed_over_at, c.created_at), c.id LIMIT ?`,
		storage.StateWaiting, MaxWaitingListed); err != nil {
		return fmt.Errorf("list the longest waiting conversations: %w", err)
	}
	for _, r := range rows {
		since := r.CreatedAt
		if r.HandedOverAt != nil {
			since = *r.HandedOverAt
		}
		s.Longest = append(s.Longest, Waiting{ConversationID: r.ID, CustomerID: r.CustomerID, CustomerName: r.Name,
			Channel: r.Channel, Queue: r.Queue, Since: since.UTC()})
	}
	if len(s.Longest) > 0 {
		s.LongestWait = max(now.Sub(s.Longest[0].Since), 0)
	}
	return nil
}

func readOperators(ctx context.Context, store *storage.Storage, s *Snapshot) error {
	ops, err := store.ListOperators(ctx)
	if err != nil {
		return err
	}
	open, err := store.OpenCounts(ctx)
	if err != nil {
		return err
	}
	for _, op := range ops {
		if !op.Active {
			continue
		}
		s.Operators = append(s.Operators, Operator{ID: op.ID, Name: op.Name, Role: op.Role, Presence: op.Presence,
			OpenCount: open[op.ID], Capacity: op.Capacity})
		s.OperatorsByPresence[op.Presence]++
	}
	return nil
}

func readCallbacks(ctx context.Context, store *storage.Storage, now time.Time, lateAfter time.Duration, s *Snapshot) error {
	var counts []struct {
		Late int
		N    int
	}
	// next_attempt_at is when a scheduled callback is to be dialled: its
	// slot, or a retry's time. Dialling ones are being kept.
	lateBefore := now.Add(-lateAfter)
	if err := store.Select(ctx, &counts, `SELECT COALESCE(SUM(CASE WHEN next_attempt_at <= ? THEN 1 ELSE 0 END), 0) AS late, COUNT(*) AS n
		FROM callbacks WHERE state = ? AND next_attempt_at < ?`, lateBefore, policy.Scheduled, now.Add(DueWindow)); err != nil {
		return fmt.Errorf("count callbacks due and late: %w", err)
	}
	for _, c := range counts {
		s.CallbacksLate += c.Late
		s.CallbacksDue += c.N - c.Late
	}
	return nil
}
