package dialog

// Texts of calls and callbacks. They join the built-in texts, so YAML
// overrides them as any other under texts.<language>.<key>.
const (
	TextCallbackButton         = "callback_button"          //
	TextCallbackRequested      = "callback_requested"       // {ticket} {phone}
	TextVoiceGreeting          = "voice_greeting"           // {ticket}
	TextVoiceMenu              = "voice_menu"               //
	TextVoiceOption            = "voice_option"             // {label} {digit}
	TextVoicePerson            = "voice_person"             // {digit}
	TextVoiceHelped            = "voice_helped"             // {digit}
	TextVoiceCallback          = "voice_callback"           // {digit}
	TextVoiceHandover          = "voice_handover"           // {ticket}
	TextVoiceStillWaiting      = "voice_still_waiting"      // {ticket}
	TextVoiceReopened          = "voice_reopened"           // {ticket}
	TextVoiceBusy              = "voice_busy"               // {ticket}
	TextVoiceClosed            = "voice_closed"             // {ticket} {when}
	TextVoiceAway              = "voice_away"               // {ticket}
	TextVoiceWait              = "voice_wait"               // {position}
	TextVoiceWaitCallback      = "voice_wait_callback"      // {digit}
	TextVoiceGoodbye           = "voice_goodbye"            //
	TextVoiceHelpedDone        = "voice_helped_done"        // {ticket}
	TextVoiceStatusOpen        = "voice_status_open"        // {ticket} {operator}
	TextVoiceCallbackRequested = "voice_callback_requested" // {ticket} {phone}
	TextCallbackFailed         = "callback_failed"          // {ticket} {phone} {rebook}
	TextCallbackRebook         = "callback_rebook"          //
	TextCallbackRebookTelegram = "callback_rebook_telegram" //
	TextCallbackRebookSMS      = "callback_rebook_sms"      //
	TextCallbackBooked         = "callback_booked"          // {ticket} {phone} {when}
	TextCallbackWhenASAP       = "callback_when_asap"       //
	TextCallbackCancelled      = "callback_cancelled"       // {ticket} {phone} {when} {rebook}
)

var voiceTexts = map[string]map[string]string{
	"en": {
		TextCallbackButton:         "Call me back",
		TextCallbackRequested:      "Thank you. We will call you back at {phone} as soon as a colleague is free; your request {ticket} keeps its place in the queue.",
		TextVoiceGreeting:          "Thank you for calling. Your request number is {ticket}.",
		TextVoiceMenu:              "Here are the options again.",
		TextVoiceOption:            "For {label}, press {digit}.",
		TextVoicePerson:            "To talk to a person, press {digit}.",
		TextVoiceHelped:            "If that answered your question, press {digit}, or simply hang up.",
		TextVoiceCallback:          "To be called back, press {digit}.",
		TextVoiceHandover:          "Thank you. Please stay on the line: a colleague will answer as soon as they are free. Your request number is {ticket}.",
		TextVoiceStillWaiting:      "Your request {ticket} is still in the queue. Please stay on the line.",
		TextVoiceReopened:          "We have reopened your request {ticket}. Please stay on the line.",
		TextVoiceBusy:              "Thank you. All our colleagues are busy right now. Your request {ticket} keeps its place in the queue.",
		TextVoiceClosed:            "Thank you. Our team is away right now and back {when}. Your request {ticket} keeps its place in the queue.",
		TextVoiceAway:              "Thank you. Our team is away right now. Your request {ticket} keeps its place in the queue.",
		TextVoiceWait:              "You are number {position} in the queue.",
		TextVoiceWaitCallback:      "To be called back instead, press {digit}: you keep your place.",
		TextVoiceGoodbye:           "Thank you for calling. Goodbye.",
		TextVoiceHelpedDone:        "Glad we could help. Goodbye!",
		TextVoiceStatusOpen:        "{operator} is handling your request {ticket} and will get back to you. Goodbye.",
		TextVoiceCallbackRequested: "Thank you. We will call you back at {phone} as soon as a colleague is free, and you keep your place in the queue. Your request number is {ticket}. Goodbye.",
		TextCallbackFailed:         "We tried to call you back at {phone} about request {ticket} but could not reach you. {rebook}",
		TextCallbackRebook:         "Write to us to book another call.",
		TextCallbackRebookTelegram: "Send /callback to book another call.",
		TextCallbackRebookSMS:      "Reply CALL to book another call.",
		TextCallbackBooked:         "Your callback is booked: we will call you at {phone} {when}. Your request number is {ticket}.",
		TextCallbackWhenASAP:       "as soon as a colleague is free",
		TextCallbackCancelled:      "Your callback at {phone} for request {ticket} is cancelled. {rebook}",
	},
	"ru": {
		TextCallbackButton:         "Перезвоните мне",
		TextCallbackRequested:      "Спасибо. Мы перезвоним вам по номеру {phone}, как только освободится сотрудник; обращение {ticket} сохранит место в очереди.",
		TextVoiceGreeting:          "Спасибо за звонок. Номер вашего обращения: {ticket}.",
		TextVoiceMenu:              "Повторяю варианты.",
		TextVoiceOption:            "{label} — нажмите {digit}.",
		TextVoicePerson:            "Чтобы поговорить с человеком, нажмите {digit}.",
		TextVoiceHelped:            "Если это ответ на ваш вопрос, нажмите {digit} или просто положите трубку.",
		TextVoiceCallback:          "Чтобы мы вам перезвонили, нажмите {digit}.",
		TextVoiceHandover:          "Спасибо. Пожалуйста, оставайтесь на линии: вам ответит первый освободившийся сотрудник. Номер обращения: {ticket}.",
		TextVoiceStillWaiting:      "Обращение {ticket} всё ещё в очереди. Пожалуйста, оставайтесь на линии.",
		TextVoiceReopened:          "Мы снова открыли обращение {ticket}. Пожалуйста, оставайтесь на линии.",
		TextVoiceBusy:              "Спасибо. Сейчас все сотрудники заняты. Обращение {ticket} сохранит место в очереди.",
		TextVoiceClosed:            "Спасибо. Сейчас мы не работаем и вернёмся {when}. Обращение {ticket} сохранит место в очереди.",
		TextVoiceAway:              "Спасибо. Сейчас мы не работаем. Обращение {ticket} сохранит место в очереди.",
		TextVoiceWait:              "Вы {position}-й в очереди.",
		TextVoiceWaitCallback:      "Чтобы вместо ожидания мы вам перезвонили, нажмите {digit}: место в очереди сохранится.",
		TextVoiceGoodbye:           "Спасибо за звонок. До свидания.",
		TextVoiceHelpedDone:        "Рады, что смогли помочь. До свидания!",
		TextVoiceStatusOpen:        "Обращением {ticket} занимается {operator}, с вами свяжутся. До свидания.",
		TextVoiceCallbackRequested: "Спасибо. Мы перезвоним вам по номеру {phone}, как только освободится сотрудник, и место в очереди сохранится. Номер обращения: {ticket}. До свидания.",
		TextCallbackFailed:         "Мы пытались перезвонить вам по номеру {phone} по обращению {ticket}, но не дозвонились. {rebook}",
		TextCallbackRebook:         "Напишите нам, чтобы заказать звонок ещё раз.",
		TextCallbackRebookTelegram: "Отправьте /callback, чтобы заказать звонок ещё раз.",
		TextCallbackRebookSMS:      "Ответьте CALL, чтобы заказать звонок ещё раз.",
		TextCallbackBooked:         "Звонок заказан: мы позвоним вам по номеру {phone} {when}. Номер обращения: {ticket}.",
		TextCallbackWhenASAP:       "как только освободится сотрудник",
		TextCallbackCancelled:      "Звонок по номеру {phone} по обращению {ticket} отменён. {rebook}",
	},
}

func init() { addBuiltinTexts(voiceTexts) }
