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
	"sync"
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
	answers chan struct{}
	polls   *pollCancelClient
	// files loads operators' files for sending (SendFilesFrom).
	files FileSource
}

// RequestTimeout bounds every Bot API call except long polls.
const RequestTimeout = 30 * time.Second

// Connect checks the token with getMe at endpoint (a format with two %s:
// token, method) and returns a Bot that submits events to sub.
func Connect(token, endpoint string, sub Submitter, log *slog.Logger) (*Bot, error) {
	// The dispatcher sends many messages at once: keep as many
	// connections alive, not http.DefaultTransport's two.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns, transport.MaxIdleConnsPerHost = 128, 64
	client := &pollCancelClient{c: &http.Client{Timeout: PollTimeout + RequestTimeout, Transport: transport}, token: token}
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
		return nil, fmt.Errorf("connect to Telegram (getMe): %w", err)
	default:
		// Telegram is out of reach (or failing) right now: the console and
		// the other channels must not wait for it. Replies wait in the
		// outbox, and polling retries.
		log.Warn("telegram not reachable at start; starting anyway, its messages wait in the outbox", "err", err)
	}
	return &Bot{api: api, submitter: sub, log: log, answers: make(chan struct{}, 64), polls: client}, nil
}

// pollCancelClient lets the end of a Poll (a shutdown, or another process
// taking over) cut its long poll short at once: the library takes no
// context, so getUpdates requests get the running Poll's here. Other calls
// (sends in flight) are left to finish. Its errors never show the token.
type pollCancelClient struct {
	c     *http.Client
	token string

	mu      sync.Mutex
	pollCtx context.Context // the running Poll's; nil between Polls
}

func (p *pollCancelClient) Do(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/getUpdates") {
		p.mu.Lock()
		ctx := p.pollCtx
		p.mu.Unlock()
		if ctx != nil {
			req = req.WithContext(ctx)
		}
	}
	resp, err := p.c.Do(req)
	if err != nil {
		return nil, redactToken(err, p.token)
	}
	return resp, nil
}

// pollWith gives getUpdates requests ctx until the returned func is called.
func (p *pollCancelClient) pollWith(ctx context.Context) (done func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pollCtx = ctx
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.pollCtx == ctx {
			p.pollCtx = nil
		}
	}
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
