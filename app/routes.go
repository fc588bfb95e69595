package app

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboardhq/switchboard/bots/telegram"
	"github.com/switchboardhq/switchboard/console"
	"github.com/switchboardhq/switchboard/metrics"
)

func (a *App) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.API.HTTPErrorHandler
	e.Use(a.recoverPanics)
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", a.ready)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{})))
	if a.Telegram != nil && a.cfg.Telegram.WebhookSecret != "" {
		e.POST(telegram.WebhookPath, a.Telegram.WebhookHandler(a.cfg.Telegram.WebhookSecret))
	} else {
		e.POST(telegram.WebhookPath, func(c echo.Context) error {
			// Without a secret nobody can prove to be Telegram.
			return c.JSON(http.StatusForbidden, map[string]string{"error": "telegram webhook is not enabled: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET"})
		})
	}
	if a.Twilio != nil {
		a.Twilio.Register(e)
	} else {
		twilioDisabled := func(c echo.Context) error {
			// Without an auth token nobody can prove to be Twilio.
			return c.JSON(http.StatusForbidden, map[string]string{"error": "twilio is not enabled: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER"})
		}
		e.Any("/webhooks/twilio", twilioDisabled)
		e.Any("/webhooks/twilio/*", twilioDisabled)
	}
	a.API.Register(e)
	console.Register(e)
	return e
}

func (a *App) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unavailable", "error": err.Error()})
	}
	if a.Bus != nil {
		if err := a.Bus.Ready(); err != nil {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "event listener unavailable", "error": err.Error()})
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
