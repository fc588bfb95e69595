package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/metrics"
	"github.com/switchboardhq/switchboard/phone"
	"github.com/switchboardhq/switchboard/storage"
)

// Twilio asks what to do at each step of a call and switchboard answers
// TwiML. Every step is an inline dialog event whose id is the call and the
// step, so a step Twilio sends twice is handled once and answered alike:
//
//	/voice           the call arrives: greeting with the ticket, the menu
//	/voice/menu      a key pressed at a menu, or the silence after it
//	/voice/wait      hold music of a caller in the queue, with their place
//	/voice/queue-result  the call left the queue (queue_result.go): put
//	                 through to a person or not, and after how long
//	/voice/callback  the caller pressed 1 to be called back: their number
//	                 is read back to confirm (callback_number.go)

// Paths of the steps of a call.
const (
	VoiceMenuPath     = VoicePath + "/menu"
	VoiceWaitPath     = VoicePath + "/wait"
	VoiceCallbackPath = VoicePath + "/callback"
	// VoiceQueueResultPath is the action of the call queue's Enqueue.
	VoiceQueueResultPath = VoicePath + "/queue-result"
)

// CallQueue is the Twilio queue in which callers hold for a person.
const CallQueue = "support"

// maxSilences is how many times a menu is read to a caller who presses
// nothing before a person takes the call.
const maxSilences = 2

// noKey is what the conversation shows for a menu that got no key.
const noKey = "(no key pressed)"

// Calls is what the voice webhooks need of the engine besides events.
type Calls interface {
	// Texts word the prompts in the caller's language.
	Texts() *dialog.Texts
	// RecordCallStatus notes how a call ended in its conversation.
	RecordCallStatus(ctx context.Context, s dialog.CallStatus) (bool, error)
	// RecordQueueResult settles the waits told to a held caller by how
	// their call left the queue.
	RecordQueueResult(ctx context.Context, r dialog.QueueResult) (bool, error)
	// NormalizePhone reads a number keyed in for a callback as the
	// settings' default region does, into E.164.
	NormalizePhone(raw string) (string, error)
}

// AnswerCallsWith enables the voice webhooks: prompts are worded and call
// outcomes recorded through c. Until then they answer 503.
func (a *Adapter) AnswerCallsWith(c Calls) { a.calls = c }

func (a *Adapter) registerVoice(g *echo.Group) {
	g.POST("/voice", a.incomingCall)
	g.POST("/voice/menu", a.menuKey)
	g.POST("/voice/wait", a.holdMusic)
	g.POST("/voice/callback", a.callbackKey)
	g.POST("/voice/queue-result", a.queueResult)
	a.registerCallbackNumber(g)
}

// errVoiceDisabled answers voice webhooks of an adapter without Calls.
var errVoiceDisabled = errors.New("voice is not enabled")

// call is one call's step as Twilio posts it.
type call struct {
	sid    string
	caller storage.Contact
}

// parseCall reads the call a voice webhook is about. The caller is their
// number in E.164; a withheld number ("anonymous") is nobody to call back
// nor to join with an earlier history, so that call alone is the caller.
func (a *Adapter) parseCall(c echo.Context) (call, error) {
	if a.calls == nil {
		return call{}, errVoiceDisabled
	}
	form := c.Request().PostForm
	sid := strings.TrimSpace(form.Get("CallSid"))
	if sid == "" {
		return call{}, errors.New("CallSid is missing")
	}
	caller := storage.Contact{Channel: dialog.ChannelVoice, ExternalID: "call:" + sid}
	if e164, err := phone.Normalize(form.Get("From"), a.cfg.DefaultRegion); err == nil {
		caller = storage.Contact{Channel: dialog.ChannelVoice, ExternalID: e164, Address: e164, Phone: e164}
	}
	return call{sid: sid, caller: caller}, nil
}

// event is the dialog event of one step of the call.
func (cl call) event(step string, kind dialog.Kind) dialog.Event {
	return dialog.Event{ExternalID: dialog.CallEventID(cl.sid, step), From: cl.caller, Kind: kind,
		Inline: true, At: time.Now().UTC()}
}

// rejectCall answers a webhook that is not a call's step.
func rejectCall(c echo.Context, err error) error {
	if errors.Is(err, errVoiceDisabled) {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
	}
	metrics.WebhookUpdates.WithLabelValues("twilio", "rejected").Inc()
	return c.JSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
}

// incomingCall answers POST /webhooks/twilio/voice: the call starts (or
// continues) the caller's conversation, greets them with its ticket and
// reads the menu.
func (a *Adapter) incomingCall(c echo.Context) error {
	cl, err := a.parseCall(c)
	if err != nil {
		return rejectCall(c, err)
	}
	ev := cl.event(dialog.CallStart, dialog.KindCommand)
	ev.Command = "start"
	return a.answerStep(c, ev, callStep{attempt: 1})
}

// menuKey answers POST /webhooks/twilio/voice/menu?attempt=N, the action of
// the call's Nth menu: the key pressed (Digits) answers the menu as a
// typed digit would. With no Digits (the Redirect after a silent menu,
// &silence=S counting silences in a row), the menu is read once more, then
// a person takes the call.
func (a *Adapter) menuKey(c echo.Context) error {
	cl, err := a.parseCall(c)
	if err != nil {
		return rejectCall(c, err)
	}
	attempt, err := strconv.Atoi(c.QueryParam("attempt"))
	if err != nil || attempt < 1 {
		return rejectCall(c, fmt.Errorf("attempt %q is not a positive number", c.QueryParam("attempt")))
	}
	silence, _ := strconv.Atoi(c.QueryParam("silence"))
	digits := strings.TrimSpace(c.Request().PostForm.Get("Digits"))
	step := fmt.Sprintf("menu:%d:%s", attempt, digits)
	next := callStep{attempt: attempt + 1}
	var ev dialog.Event
	switch silence = max(silence, 1); {
	case digits != "":
		ev = cl.event(step, dialog.KindText)
		ev.Text = digits
	case silence < maxSilences:
		ev = cl.event(step, dialog.KindCommand)
		ev.Command, ev.Payload = "menu", noKey
		next.silence = silence
	default:
		ev = cl.event(step, dialog.KindCommand)
		ev.Command, ev.Payload = "operator", noKey
	}
	return a.answerStep(c, ev, next)
}

// holdMusic answers POST /webhooks/twilio/voice/wait?lang=L, the waitUrl of
// the call queue, which Twilio requests again each time it has played: it
// tells the caller their place (QueuePosition) and offers a callback,
// then plays music. It stores nothing.
func (a *Adapter) holdMusic(c echo.Context) error {
	if a.calls == nil {
		return rejectCall(c, errVoiceDisabled)
	}
	pos, _ := strconv.Atoi(c.Request().PostForm.Get("QueuePosition"))
	return a.writeTwiML(c, a.waitTwiML(a.calls.Texts().Language(c.QueryParam("lang")), pos))
}

// callbackKey answers POST /webhooks/twilio/voice/callback?lang=L&from=F,
// the action of a callback offer (F is "wait" while holding, "offer" when
// nobody could take the call). The callback digit asks for a callback,
// and the caller's number is read back to confirm; another key declines it: a holding caller holds on, the others are told
// goodbye.
func (a *Adapter) callbackKey(c echo.Context) error {
	cl, err := a.parseCall(c)
	if err != nil {
		return rejectCall(c, err)
	}
	if strings.TrimSpace(c.Request().PostForm.Get("Digits")) != callbackDigit {
		lang := a.calls.Texts().Language(c.QueryParam("lang"))
		if c.QueryParam("from") == fromWait {
			return a.writeTwiML(c, a.holdOnTwiML(lang))
		}
		return a.writeTwiML(c, a.goodbyeTwiML(lang))
	}
	lang, from := a.calls.Texts().Language(c.QueryParam("lang")), c.QueryParam("from")
	if cl.caller.Address == "" {
		return a.writeTwiML(c, a.keyInTwiML(lang, from, 1))
	}
	return a.writeTwiML(c, a.readBackTwiML(lang, from, cl.caller.Address))
}

// answerStep submits a call's step and answers with what the engine said,
// as TwiML; next says where the call's next menu posts.
func (a *Adapter) answerStep(c echo.Context, ev dialog.Event, next callStep) error {
	res, err := a.submit(c.Request().Context(), ev, "call step")
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"error": "call step not stored, try again"})
	}
	return a.writeTwiML(c, a.callTwiML(res.Replies, next))
}
