package main

import (
	"fmt"
	"net/http"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

// With -twilio: the public address Twilio signs webhooks for (http, so
// the console's cookies are not Secure), and the number customers text.
const (
	twilioPublicURL = "http://switchboard.test"
	twilioNumber    = "+15005550006"
)

// customerMedia answers POST /customer/media: the customer sends a file
// (kind photo, voice or document) whose bytes the fake Telegram then
// serves through getFile.
func (h *harness) customerMedia(w http.ResponseWriter, r *http.Request) {
	var req struct {
		User     user   `json:"user"`
		Kind     string `json:"kind"`
		Data     []byte `json:"data"` // base64 in JSON
		FileName string `json:"file_name"`
		MimeType string `json:"mime_type"`
		Caption  string `json:"caption"`
		Seconds  int    `json:"seconds"`
	}
	if !decode(w, r, &req) {
		return
	}
	id := h.nextUpdateID()
	var raw []byte
	switch req.Kind {
	case "photo":
		h.tg.PutFile(fmt.Sprintf("photo-%d-x", id), req.Data)
		raw = faketelegram.PhotoUpdate(id, req.User.fake(), req.Caption)
	case "voice":
		h.tg.PutFile(fmt.Sprintf("voice-%d", id), req.Data)
		raw = faketelegram.VoiceUpdate(id, req.User.fake(), max(req.Seconds, 1))
	case "document":
		h.tg.PutFile(fmt.Sprintf("document-%d", id), req.Data)
		raw = faketelegram.DocumentUpdate(id, req.User.fake(), req.FileName, req.MimeType, req.Caption)
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "kind must be photo, voice or document"})
		return
	}
	h.forward(r.Context(), w, raw)
}

// customerMMS answers POST /customer/mms (with -twilio): from texts body
// with one attachment (content_type and data) or several (media, a list
// of them), each served by the fake Twilio to the account only.
func (h *harness) customerMMS(w http.ResponseWriter, r *http.Request) {
	if h.twilio == nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "start the harness with -twilio"})
		return
	}
	type attachment struct {
		ContentType string `json:"content_type"`
		Data        []byte `json:"data"` // base64 in JSON
	}
	var req struct {
		From string `json:"from"`
		Body string `json:"body"`
		attachment
		Media []attachment `json:"media"`
	}
	if !decode(w, r, &req) {
		return
	}
	if len(req.Media) == 0 {
		req.Media = []attachment{req.attachment}
	}
	media := make([]faketwilio.Media, len(req.Media))
	for i, a := range req.Media {
		media[i] = h.twilio.PutMedia(a.ContentType, a.Data)
	}
	params := faketwilio.InboundSMS(h.twilio.AccountSID(), req.From, twilioNumber, req.Body, media...)
	hook := faketwilio.Webhook{AuthToken: h.twilio.AuthToken(), Via: h.base}
	resp, err := hook.Post(r.Context(), twilioPublicURL+"/webhooks/twilio/sms", params)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhook_status": resp.Status, "webhook_body": resp.Body})
}
