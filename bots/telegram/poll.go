package telegram

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// PollTimeout is how long one getUpdates long poll waits for updates.
const PollTimeout = 25 * time.Second

// Poll receives updates by long polling until ctx is done; a long poll in
// flight is cut short then, so Poll may run again, here or in another
// process, without Telegram seeing two polls at once. An update is
// acknowledged (by asking for the next offset) only after it is stored, so
// a crash redelivers it and the duplicate is recognised.
func (b *Bot) Poll(ctx context.Context) error {
	if _, err := b.api.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: false}); err != nil {
		b.log.Warn("delete webhook before long polling", "err", err)
	}
	b.log.Info("telegram long polling started", "bot", b.Username())
	defer b.polls.pollWith(ctx)()
	offset := 0
	failures := 0
	for ctx.Err() == nil {
		updates, err := b.api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: int(PollTimeout / time.Second),
			AllowedUpdates: AllowedUpdates})
		if err != nil {
			if ctx.Err() != nil {
				return nil // the poll was cut short on purpose
			}
			failures++
			b.log.Warn("telegram getUpdates", "err", err, "failures", failures)
			sleep(ctx, backoff(failures))
			continue
		}
		failures = 0
		for _, u := range updates {
			for {
				status := b.handleSafely(ctx, u)
				if status != http.StatusServiceUnavailable || ctx.Err() != nil {
					break
				}
				sleep(ctx, 2*time.Second) // the database is down: keep the update
			}
			if ctx.Err() != nil {
				return nil
			}
			offset = u.UpdateID + 1
		}
	}
	return nil
}

// handleSafely handles one polled update; a panic while doing so is
// logged and the update skipped (answered 500), so one malformed update
// cannot stop the poller, nor come back for ever.
func (b *Bot) handleSafely(ctx context.Context, u tgbotapi.Update) (status int) {
	defer func() {
		if r := recover(); r != nil {
			b.log.Error("telegram update panicked; skipped", "update_id", u.UpdateID, "panic", fmt.Sprint(r),
				"stack", string(debug.Stack()))
			status = http.StatusInternalServerError
		}
	}()
	status, _ = b.handle(ctx, u)
	return status
}

// AllowedUpdates are the update kinds switchboard asks Telegram for.
var AllowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

func backoff(failures int) time.Duration {
	d := time.Second << min(failures, 6)
	return min(d, time.Minute)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
