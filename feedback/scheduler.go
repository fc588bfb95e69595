// Package feedback closes the loop after every request: its Scheduler
// sends each resolved ticket's survey when it falls due. Deciding what a
// survey says, whether it may go now (quiet hours, the proactive cap,
// opt-out) and what answers mean is the dialog engine's; labels holds the
// rules that sort feedback into thanks, complaints and questions.
package feedback

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// DefaultInterval is how often a Scheduler looks for surveys due: surveys
// are timed in hours, so half a minute late is on time.
const DefaultInterval = 30 * time.Second

// Sender sends one scheduled survey if it may go now and reports whether
// it went (dialog.Engine.SendSurvey).
type Sender interface {
	SendSurvey(ctx context.Context, id uint64) (bool, error)
}

// Config tunes a Scheduler.
type Config struct {
	// Interval spaces rounds (DefaultInterval when not above 0).
	Interval time.Duration
	// Clock is time.Now unless a test sets it.
	Clock  func() time.Time
	Logger *slog.Logger
}

// Scheduler sends surveys as they fall due. Each goes out in the
// transaction that marks it sent, so several switchboard processes on one
// database send each once.
type Scheduler struct {
	store  *storage.Storage
	sender Sender
	cfg    Config
}

// NewScheduler builds a scheduler over store sending through sender.
// Nothing happens until Run or RunOnce.
func NewScheduler(store *storage.Storage, sender Sender, cfg Config) *Scheduler {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Scheduler{store: store, sender: sender, cfg: cfg}
}

// Run sends due surveys once per interval until ctx is done.
func (s *Scheduler) Run(ctx context.Context) error {
	s.cfg.Logger.Info("survey scheduler started", "interval", s.cfg.Interval.String())
	tick := time.NewTicker(s.cfg.Interval)
	defer tick.Stop()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("survey round failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// RunOnce is one round: every survey due now is sent, moved out of the
// customer's quiet hours, or skipped with its reason. It reports how many
// went out.
func (s *Scheduler) RunOnce(ctx context.Context) (int, error) {
	due, err := s.store.SurveysDue(ctx, s.cfg.Clock())
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, sv := range due {
		if ctx.Err() != nil {
			break
		}
		ok, err := s.sender.SendSurvey(ctx, sv.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			sent++
			s.cfg.Logger.Info("survey sent", "survey_id", sv.ID, "ticket", storage.FormatTicket(sv.ConversationID))
		}
	}
	return sent, errors.Join(errs...)
}
