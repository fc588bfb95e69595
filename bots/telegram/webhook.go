package telegram

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/metrics"
)

// SecretHeader carries the webhook secret Telegram was given.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxUpdateBytes bounds one update body; Telegram's are a few KB.
const maxUpdateBytes = 1 << 20

// WebhookHandler answers POST /webhooks/telegram: 403 for a wrong or missing
// secret, 400 for a body that is not an update, 503 while the update cannot
// be stored (Telegram retries), 200 once it is stored or was seen before.
func (b *Bot) WebhookHandler(secret string) echo.HandlerFunc {
	return func(c echo.Context) error {
		got := c.Request().Header.Get(SecretHeader)
		if secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(secret)) != 1 {
			metrics.WebhookUpdates.WithLabelValues("telegram", "forbidden").Inc()
			return c.JSON(http.StatusForbidden, map[string]string{"error": "missing or wrong " + SecretHeader})
		}
		body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxUpdateBytes+1))
		if err != nil {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "cannot read body: " + err.Error()})
		}
		u, err := decodeUpdate(body)
		if err != nil {
			metrics.WebhookUpdates.WithLabelValues("telegram", "rejected").Inc()
			return c.JSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
		}
		status, err := b.handle(c.Request().Context(), u)
		if err != nil {
			return c.JSON(status, map[string]string{"error": err.Error()})
		}
		return c.NoContent(status)
	}
}

func decodeUpdate(body []byte) (tgbotapi.Update, error) {
	var u tgbotapi.Update
	if len(body) > maxUpdateBytes {
		return u, fmt.Errorf("update is larger than %d bytes", maxUpdateBytes)
	}
	if len(body) == 0 {
		return u, errors.New("empty body: want one Telegram Update as JSON")
	}
	if err := json.Unmarshal(body, &u); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return u, fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, err)
		case errors.As(err, &te):
			return u, fmt.Errorf("field %q has the wrong type: want %s, got %s", te.Field, te.Type, te.Value)
		}
		return u, fmt.Errorf("malformed update: %v", err)
	}
	if u.UpdateID <= 0 {
		return u, errors.New("update_id is missing or not a positive number")
	}
	return u, nil
}
