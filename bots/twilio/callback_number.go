package twilio

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/twiml"

	"github.com/switchboardhq/switchboard/dialog"
)

// A caller who presses 1 for a callback hears the number they will be
// called on — the one they call from — and confirms it with 1, or presses
// 2 and keys in another, which is read back in turn. Only the confirmed
// number reaches the engine, as the callback step's payload; the steps in
// between store nothing. The number travels in the action URLs, which
// Twilio signs with the rest of the request, so it cannot be forged.
//
//	/voice/callback/confirm?number=N  1 books N, 2 asks for another
//	/voice/callback/number            the digits keyed in, ended by #

// Paths of confirming the number to call back.
const (
	VoiceCallbackConfirmPath = VoiceCallbackPath + "/confirm"
	VoiceCallbackNumberPath  = VoiceCallbackPath + "/number"
)

// Keys of the confirmation.
const (
	confirmDigit     = "1"
	otherNumberDigit = "2"
)

// maxNumberTries is how many numbers a caller may key in that are no
// phone number before the offer is dropped.
const maxNumberTries = 3

func (a *Adapter) registerCallbackNumber(g *echo.Group) {
	g.POST("/voice/callback/confirm", a.confirmNumber)
	g.POST("/voice/callback/number", a.keyedNumber)
}

// readBackTwiML says the number a callback would dial, digit by digit, and
// asks to confirm it or give another; silence declines.
func (a *Adapter) readBackTwiML(lang, from, number string) []twiml.Element {
	texts := a.calls.Texts()
	gather := twiml.VoiceGather{Input: "dtmf", NumDigits: "1", Timeout: gatherTimeout,
		Action: a.voiceURL(VoiceCallbackConfirmPath, url.Values{"lang": {lang}, "from": {from}, "number": {number}}),
		InnerElements: []twiml.Element{say(lang, texts.Get(lang, dialog.TextVoiceCallbackConfirm,
			"phone", dialog.SpokenDigits(number), "digit", confirmDigit, "other", otherNumberDigit))}}
	return append([]twiml.Element{gather}, a.declineTwiML(lang, from)...)
}

// keyInTwiML asks for the number to call, ended by the hash key.
func (a *Adapter) keyInTwiML(lang, from string, try int, prefix ...twiml.Element) []twiml.Element {
	gather := twiml.VoiceGather{Input: "dtmf", FinishOnKey: "#", Timeout: "10",
		Action:        a.voiceURL(VoiceCallbackNumberPath, url.Values{"lang": {lang}, "from": {from}, "try": {strconv.Itoa(try)}}),
		InnerElements: []twiml.Element{say(lang, a.calls.Texts().Get(lang, dialog.TextVoiceCallbackKeyIn))}}
	return append(append(prefix, gather), a.declineTwiML(lang, from)...)
}

// declineTwiML goes on as if no callback had been asked for: a holding
// caller holds on, the others are told goodbye.
func (a *Adapter) declineTwiML(lang, from string) []twiml.Element {
	if from == fromWait {
		return a.holdOnTwiML(lang)
	}
	return a.goodbyeTwiML(lang)
}

// confirmNumber answers POST /webhooks/twilio/voice/callback/confirm: 1
// books the callback to the number read back, 2 asks for another, any
// other key declines.
func (a *Adapter) confirmNumber(c echo.Context) error {
	cl, err := a.parseCall(c)
	if err != nil {
		return rejectCall(c, err)
	}
	lang, from := a.calls.Texts().Language(c.QueryParam("lang")), c.QueryParam("from")
	switch strings.TrimSpace(c.Request().PostForm.Get("Digits")) {
	case confirmDigit:
		ev := cl.event("callback", dialog.KindButton)
		ev.Button, ev.Payload = dialog.ButtonCallback, c.QueryParam("number")
		return a.answerStep(c, ev, callStep{})
	case otherNumberDigit:
		return a.writeTwiML(c, a.keyInTwiML(lang, from, 1))
	}
	return a.writeTwiML(c, a.declineTwiML(lang, from))
}

// keyedNumber answers POST /webhooks/twilio/voice/callback/number: the
// digits keyed in are read back when they are a phone number, else asked
// for again, up to maxNumberTries.
func (a *Adapter) keyedNumber(c echo.Context) error {
	if _, err := a.parseCall(c); err != nil {
		return rejectCall(c, err)
	}
	lang, from := a.calls.Texts().Language(c.QueryParam("lang")), c.QueryParam("from")
	try, _ := strconv.Atoi(c.QueryParam("try"))
	digits := strings.TrimSpace(c.Request().PostForm.Get("Digits"))
	if number, ok := a.keyedPhone(digits); ok {
		return a.writeTwiML(c, a.readBackTwiML(lang, from, number))
	}
	if try >= maxNumberTries || digits == "" {
		return a.writeTwiML(c, a.declineTwiML(lang, from))
	}
	return a.writeTwiML(c, a.keyInTwiML(lang, from, try+1, say(lang, a.calls.Texts().Get(lang, dialog.TextVoiceCallbackBadNumber))))
}

// keyedPhone reads digits keyed on a phone, which has no plus key: 00
// starts an international number, else the default region's reading,
// else the digits as international ones.
func (a *Adapter) keyedPhone(digits string) (string, bool) {
	if len(digits) < 5 || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	candidates := []string{digits, "+" + digits}
	if rest, ok := strings.CutPrefix(digits, "00"); ok {
		candidates = []string{"+" + rest}
	}
	for _, raw := range candidates {
		if n, err := a.calls.NormalizePhone(raw); err == nil {
			return n, true
		}
	}
	return "", false
}
