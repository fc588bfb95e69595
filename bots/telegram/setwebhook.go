package telegram

import (
	"encoding/json"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// WebhookPath is where Telegram posts updates.
const WebhookPath = "/webhooks/telegram"

// SetWebhook registers publicURL+WebhookPath with secret at Telegram. The
// library's WebhookConfig has no secret_token, so the call is made by hand.
func (b *Bot) SetWebhook(publicURL, secret string) (string, error) {
	url := publicURL + WebhookPath
	allowed, _ := json.Marshal(AllowedUpdates)
	params := tgbotapi.Params{"url": url, "allowed_updates": string(allowed), "drop_pending_updates": "false"}
	if secret != "" {
		params["secret_token"] = secret
	}
	if _, err := b.api.MakeRequest("setWebhook", params); err != nil {
		return url, fmt.Errorf("setWebhook %s: %w", url, err)
	}
	return url, nil
}
