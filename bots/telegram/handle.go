package telegram

import (
	"context"
	"errors"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/metrics"
)

// ErrNotStored is returned when an update could not be stored; the sender
// should deliver it again.
var ErrNotStored = errors.New("update not stored, deliver it again")

// handle stores one update through the submitter and answers its button.
// It returns the HTTP status Telegram should get.
func (b *Bot) handle(ctx context.Context, u tgbotapi.Update) (int, error) {
	p := Parse(u)
	if !p.OK {
		metrics.WebhookUpdates.WithLabelValues("telegram", "ignored").Inc()
		return http.StatusOK, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	res, err := b.submitter.Submit(ctx, p.Event)
	if err != nil {
		metrics.WebhookUpdates.WithLabelValues("telegram", "error").Inc()
		b.log.Error("store telegram update", "update_id", u.UpdateID, "err", err)
		return http.StatusServiceUnavailable, ErrNotStored
	}
	if res.Duplicate {
		metrics.WebhookUpdates.WithLabelValues("telegram", "duplicate").Inc()
	} else {
		metrics.WebhookUpdates.WithLabelValues("telegram", "handled").Inc()
	}
	b.answerCallback(p.CallbackQueryID)
	return http.StatusOK, nil
}
