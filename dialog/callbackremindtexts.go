package dialog

// Texts that keep a customer informed while their callback waits. They
// join the built-in texts, so YAML overrides them as any other under
// texts.<language>.<key>.
const (
	TextCallbackReminder = "callback_reminder" // {ticket} {phone} {when}
	TextCallbackLate     = "callback_late"     // {ticket} {phone}
)

var callbackRemindTexts = map[string]map[string]string{
	"en": {
		TextCallbackReminder: "A reminder: we will call you at {phone} {when} about your request {ticket}.",
		TextCallbackLate:     "Sorry, we are running late with your callback for request {ticket}. You keep your place: we will call you at {phone} as soon as a colleague is free.",
	},
	"ru": {
		TextCallbackReminder: "Напоминаем: мы позвоним вам по номеру {phone} {when} по обращению {ticket}.",
		TextCallbackLate:     "Извините, мы задерживаемся с обратным звонком по обращению {ticket}. Ваше место в очереди сохраняется: мы позвоним вам по номеру {phone}, как только освободится сотрудник.",
	},
}

func init() { addBuiltinTexts(callbackRemindTexts) }
