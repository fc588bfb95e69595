// Package telegram is switchboard's Telegram adapter: it verifies and parses
// updates (webhook or long polling) into dialog events, renders the engine's
// replies as messages with inline keyboards, and delivers the outbox through
// the Bot API with go-telegram-bot-api.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/switchboardhq/switchboard/dialog"
)

// Submitter commits one event durably and reports what it led to.
type Submitter interface {
	Submit(ctx context.Context, ev dialog.Event) (dialog.Result, error)
}

// Bot is a connected Telegram bot.
type Bot struct {
	api       *tgbotapi.BotAPI
	submitter Submitter
	log       *slog.Logger
	// answers bounds concurrent answerCallbackQuery calls.
	answers   chan struct{}
	stopPolls context.CancelFunc
}

// RequestTimeout bounds every Bot API call except long polls.
const RequestTimeout = 30 * time.Second

// Connect checks the token with getMe at endpoint (a format with two %s:
// token, method) and returns a Bot that submits events to sub.
func Connect(token, endpoint string, sub Submitter, log *slog.Logger) (*Bot, error) {
	pollCtx, stopPolls := context.WithCancel(context.Background())
	// The dispatcher sends many messages at once: keep as many
	// connections alive, not http.DefaultTransport's two.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = 128, 64
	client := &pollCancelClient{c: &http.Client{Timeout: PollTimeout + RequestTimeout, Transport: transport}, pollCtx: pollCtx}
	if log == nil {
		log = slog.Default()
	}
	api := &tgbotapi.BotAPI{Token: token, Client: client, Buffer: 100}
	api.SetAPIEndpoint(endpoint)
	self, err := api.GetMe()
	var refused *tgbotapi.Error
	switch {
	case err == nil:
		api.Self = self
	case errors.As(err, &refused) && refused.Code != http.StatusTooManyRequests && refused.Code < 500:
		// Telegram answered and refused the token: that will not mend.
		stopPolls()
		return nil, fmt.Errorf("connect to Telegram (getMe): %w", err)
	default:
		// Telegram is out of reach (or failing) right now: the console and
		// the other channels must not wait for it. Replies wait in the
		// outbox, and polling retries.
		log.Warn("telegram not reachable at start; starting anyway, its messages wait in the outbox", "err", err)
	}
	return &Bot{api: api, submitter: sub, log: log, answers: make(chan struct{}, 64), stopPolls: stopPolls}, nil
}

// pollCancelClient lets a shutdown cut a long poll short: the library takes
// no context, so getUpdates requests get one here. Other calls (sends in
// flight) are left to finish.
type pollCancelClient struct {
	c       *http.Client
	pollCtx context.Context
}

func (p *pollCancelClient) Do(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/getUpdates") {
		req = req.WithContext(p.pollCtx)
	}
	return p.c.Do(req)
}

// Username is the bot's @username as Telegram reported it.
func (b *Bot) Username() string { return b.api.Self.UserName }

// answerCallback stops the button's spinner; best effort and off the
// request path.
func (b *Bot) answerCallback(id string) {
	if id == "" {
		return
	}
	select {
	case b.answers <- struct{}{}:
	default:
		return // too many at once; Telegram clears the spinner itself
	}
	go func() {
		defer func() { <-b.answers }()
		if _, err := b.api.Request(tgbotapi.NewCallback(id, "")); err != nil {
			b.log.Debug("answer callback query", "err", err)
		}
	}()
}
