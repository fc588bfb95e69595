package twilio

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/twilio/twilio-go/twiml"

	"github.com/switchboardhq/switchboard/dialog"
)

// How long a menu waits for a key, in seconds (Twilio's default is 5).
const gatherTimeout = "6"

// holdMusicURL is what callers hear between announcements in the queue:
// the classical music Twilio itself serves for its examples.
const holdMusicURL = "https://demo.twilio.com/docs/classic.mp3"

// Where a callback offer was made (the from parameter of its action).
const (
	fromWait  = "wait"
	fromOffer = "offer"
)

// callbackDigit is the key that asks for a callback: the one dialog.Choices
// gives the callback button when it is the only one offered.
var callbackDigit = dialog.Choices([][]dialog.Button{{{Data: dialog.ButtonCallback}}})[0].Digit

// callStep says where the call's next menu posts: the number of that
// Gather (its attempt), and how many menus in a row went unanswered.
type callStep struct {
	attempt int
	silence int
}

// callTwiML speaks what the engine said at a step of a call, then goes on
// as the last reply asks: into the call queue (Hold), to a menu of its
// buttons, or, with nothing more to offer, hangs up.
func (a *Adapter) callTwiML(replies []dialog.Reply, next callStep) []twiml.Element {
	lang := a.calls.Texts().Language("")
	var verbs []twiml.Element
	for _, r := range replies {
		if r.Language != "" {
			lang = r.Language
		}
		switch {
		case r.Hold:
			return append(verbs, say(lang, r.Text), twiml.VoiceEnqueue{Name: CallQueue,
				WaitUrl: a.voiceURL(VoiceWaitPath, url.Values{"lang": {lang}}),
				Action:  a.cfg.PublicURL + VoiceQueueResultPath})
		case len(r.Buttons) > 0:
			return append(verbs, a.menuTwiML(lang, r, next)...)
		}
		verbs = append(verbs, say(lang, r.Text))
	}
	return append(verbs, twiml.VoiceHangup{})
}

// menuTwiML says r's text and gathers one key for its buttons, numbered by
// dialog.Choices as the engine reads them. A menu of options is read once
// more when no key comes, then a person takes the call; after an answer or
// a callback offer, silence means goodbye.
func (a *Adapter) menuTwiML(lang string, r dialog.Reply, next callStep) []twiml.Element {
	choices := dialog.Choices(r.Buttons)
	prompts := make([]string, 0, len(choices))
	options, callback := false, false
	for _, ch := range choices {
		prompts = append(prompts, a.prompt(lang, ch))
		switch ch.Data {
		case dialog.ButtonCallback:
			callback = true
		case dialog.ButtonPerson, dialog.ButtonHelped:
		default:
			options = true
		}
	}
	gather := twiml.VoiceGather{Input: "dtmf", NumDigits: "1", Timeout: gatherTimeout,
		Action:        a.voiceURL(VoiceMenuPath, url.Values{"attempt": {strconv.Itoa(next.attempt)}}),
		InnerElements: []twiml.Element{say(lang, strings.Join(prompts, " "))}}
	if callback {
		gather.Action = a.voiceURL(VoiceCallbackPath, url.Values{"lang": {lang}, "from": {fromOffer}})
	}
	verbs := []twiml.Element{say(lang, r.Text), gather}
	if options && !callback {
		return append(verbs, twiml.VoiceRedirect{Url: a.voiceURL(VoiceMenuPath, url.Values{
			"attempt": {strconv.Itoa(next.attempt)}, "silence": {strconv.Itoa(next.silence + 1)}})})
	}
	return append(verbs, a.goodbyeTwiML(lang)...)
}

// prompt is the spoken line of one choice: "For opening hours, press 1."
func (a *Adapter) prompt(lang string, ch dialog.Choice) string {
	texts := a.calls.Texts()
	switch ch.Data {
	case dialog.ButtonPerson:
		return texts.Get(lang, dialog.TextVoicePerson, "digit", ch.Digit)
	case dialog.ButtonHelped:
		return texts.Get(lang, dialog.TextVoiceHelped, "digit", ch.Digit)
	case dialog.ButtonCallback:
		return texts.Get(lang, dialog.TextVoiceCallback, "digit", ch.Digit)
	}
	return texts.Get(lang, dialog.TextVoiceOption, "label", ch.Label, "digit", ch.Digit)
}

// waitTwiML is one round of the queue's hold music: the caller's place
// (when Twilio gave it), the callback offer, then music, all inside a
// Gather so the key may come at any moment.
func (a *Adapter) waitTwiML(lang string, position int) []twiml.Element {
	texts := a.calls.Texts()
	var inner []twiml.Element
	if position > 0 {
		inner = append(inner, say(lang, texts.Get(lang, dialog.TextVoiceWait, "position", strconv.Itoa(position))))
	}
	inner = append(inner, say(lang, texts.Get(lang, dialog.TextVoiceWaitCallback, "digit", callbackDigit)),
		twiml.VoicePlay{Url: holdMusicURL})
	return []twiml.Element{twiml.VoiceGather{Input: "dtmf", NumDigits: "1", Timeout: "1",
		Action:        a.voiceURL(VoiceCallbackPath, url.Values{"lang": {lang}, "from": {fromWait}}),
		InnerElements: inner}}
}

// holdOnTwiML returns a holding caller to the hold music.
func (a *Adapter) holdOnTwiML(lang string) []twiml.Element {
	return []twiml.Element{twiml.VoiceRedirect{Url: a.voiceURL(VoiceWaitPath, url.Values{"lang": {lang}})}}
}

// goodbyeTwiML thanks the caller and hangs up.
func (a *Adapter) goodbyeTwiML(lang string) []twiml.Element {
	return []twiml.Element{say(lang, a.calls.Texts().Get(lang, dialog.TextVoiceGoodbye)), twiml.VoiceHangup{}}
}

// writeTwiML answers with verbs as a TwiML document.
func (a *Adapter) writeTwiML(c echo.Context, verbs []twiml.Element) error {
	doc, err := twiml.Voice(verbs)
	if err != nil {
		return fmt.Errorf("render voice TwiML: %w", err)
	}
	return c.Blob(http.StatusOK, "text/xml; charset=utf-8", []byte(doc))
}

// voiceURL is the public URL of a step of a call, as Twilio must request
// it (and as its signature will cover it).
func (a *Adapter) voiceURL(path string, query url.Values) string {
	return a.cfg.PublicURL + path + "?" + query.Encode()
}

// say speaks text in lang.
func say(lang, text string) twiml.VoiceSay {
	return twiml.VoiceSay{Message: text, Language: sayLanguage(lang)}
}

// sayLanguages are the voices of <Say language="…"> for text languages.
var sayLanguages = map[string]string{
	"en": "en-US", "ru": "ru-RU", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "it": "it-IT",
	"pt": "pt-BR", "nl": "nl-NL", "pl": "pl-PL", "uk": "uk-UA", "tr": "tr-TR",
}

// sayLanguage is the voice for a text language: "ru" is said in ru-RU, a
// tag with a region keeps it ("pt-br" → pt-BR), an unknown one gets
// Twilio's default voice.
func sayLanguage(lang string) string {
	base, region, ok := strings.Cut(lang, "-")
	if ok && region != "" {
		return strings.ToLower(base) + "-" + strings.ToUpper(region)
	}
	return sayLanguages[strings.ToLower(lang)]
}
