package dialog

// Texts of booking, moving and cancelling a callback in a chat.
const (
	TextCallbackAskPhone      = "callback_ask_phone"       // {ticket}
	TextCallbackSharePhone    = "callback_share_phone"     //
	TextCallbackBadPhone      = "callback_bad_phone"       // {ticket} {input}
	TextCallbackNumberOK      = "callback_number_ok"       // {ticket} {phone}
	TextCallbackWhen          = "callback_when"            // {ticket} {phone} {zone}
	TextCallbackWhenNone      = "callback_when_none"       // {ticket} {phone} {zone}
	TextCallbackMoveWhen      = "callback_move_when"       // {ticket} {phone} {zone}
	TextCallbackMoveWhenNone  = "callback_move_when_none"  // {ticket} {phone} {zone}
	TextCallbackSlotTaken     = "callback_slot_taken"      // {ticket} {phone} {zone}
	TextCallbackSlotTakenNone = "callback_slot_taken_none" // {ticket} {phone} {zone}
	TextCallbackASAPButton    = "callback_asap_button"     //
	TextCallbackOtherNumber   = "callback_other_number"    //
	TextCallbackActive        = "callback_active"          // {ticket} {phone} {when}
	TextCallbackMoved         = "callback_moved"           // {ticket} {phone} {when}
	TextCallbackDialing       = "callback_dialing"         // {ticket} {phone}
	TextCallbackNone          = "callback_none"            // {ticket} {rebook}
	TextCallbackMoveButton    = "callback_move_button"     //
	TextCallbackCancelButton  = "callback_cancel_button"   //
	TextCallbackManageSMS     = "callback_manage_sms"      //
)

var callbackFlowTexts = map[string]map[string]string{
	"en": {
		TextCallbackAskPhone:       "Which number shall we call you on about request {ticket}? Tap \"Share my phone number\" below, or type the number with its country code, e.g. +44 7911 123456.",
		TextCallbackSharePhone:     "Share my phone number",
		TextCallbackBadPhone:       "Sorry, \"{input}\" is not a phone number we can call. Type it with its country code, e.g. +44 7911 123456, or tap \"Share my phone number\".",
		TextCallbackNumberOK:       "Thank you, we will call {phone}.",
		TextCallbackWhen:           "When shall we call you at {phone}? Times are your local time ({zone}).",
		TextCallbackWhenNone:       "We can call you at {phone} as soon as a colleague is free; there are no free times to book in the next days.",
		TextCallbackMoveWhen:       "When shall we call you at {phone} instead? Times are your local time ({zone}).",
		TextCallbackMoveWhenNone:   "There are no other free times in the next days; we can call you at {phone} as soon as a colleague is free instead.",
		TextCallbackSlotTaken:      "Sorry, that time has just been taken. When else shall we call you at {phone}? Times are your local time ({zone}).",
		TextCallbackSlotTakenNone:  "Sorry, that time has just been taken and no other is free in the next days; we can call you at {phone} as soon as a colleague is free.",
		TextCallbackASAPButton:     "As soon as possible",
		TextCallbackOtherNumber:    "Another number",
		TextCallbackActive:         "You already have a callback booked: we will call you at {phone} {when}. Your request number is {ticket}.",
		TextCallbackMoved:          "Your callback is moved: we will call you at {phone} {when}. Your request number is {ticket}.",
		TextCallbackDialing:        "We are calling you at {phone} right now about request {ticket}.",
		TextCallbackNone:           "You have no callback booked. {rebook}",
		TextCallbackMoveButton:     "Change the time",
		TextCallbackCancelButton:   "Cancel the call",
		TextCallbackManageSMS:      "Reply CALL to change the time or NOCALL to cancel.",
		TextVoiceCallbackConfirm:   "We will call you back at {phone}. To confirm, press {digit}. To give another number, press {other}.",
		TextVoiceCallbackKeyIn:     "Please key in the number to call, starting with the country code, then press the hash key.",
		TextVoiceCallbackBadNumber: "Sorry, that is not a number we can call.",
		TextVoiceCallbackOffer:     "We can call you back, so you need not wait on the line.",
	},
	"ru": {
		TextCallbackAskPhone:       "По какому номеру вам позвонить по обращению {ticket}? Нажмите «Отправить мой номер» внизу или напишите номер с кодом страны, например +7 495 123-45-67.",
		TextCallbackSharePhone:     "Отправить мой номер",
		TextCallbackBadPhone:       "Не получается позвонить на «{input}». Напишите номер с кодом страны, например +7 495 123-45-67, или нажмите «Отправить мой номер».",
		TextCallbackNumberOK:       "Спасибо, позвоним на {phone}.",
		TextCallbackWhen:           "Когда вам позвонить на {phone}? Время указано ваше местное ({zone}).",
		TextCallbackWhenNone:       "Мы позвоним вам на {phone}, как только освободится сотрудник: свободного времени для записи в ближайшие дни нет.",
		TextCallbackMoveWhen:       "На какое время перенести звонок на {phone}? Время указано ваше местное ({zone}).",
		TextCallbackMoveWhenNone:   "Другого свободного времени в ближайшие дни нет; можем позвонить на {phone}, как только освободится сотрудник.",
		TextCallbackSlotTaken:      "Это время только что заняли. Когда ещё вам позвонить на {phone}? Время указано ваше местное ({zone}).",
		TextCallbackSlotTakenNone:  "Это время только что заняли, а другого свободного в ближайшие дни нет; можем позвонить на {phone}, как только освободится сотрудник.",
		TextCallbackASAPButton:     "Как можно скорее",
		TextCallbackOtherNumber:    "Другой номер",
		TextCallbackActive:         "Звонок уже заказан: мы позвоним вам по номеру {phone} {when}. Номер обращения: {ticket}.",
		TextCallbackMoved:          "Звонок перенесён: мы позвоним вам по номеру {phone} {when}. Номер обращения: {ticket}.",
		TextCallbackDialing:        "Мы звоним вам на {phone} прямо сейчас по обращению {ticket}.",
		TextCallbackNone:           "У вас нет заказанного звонка. {rebook}",
		TextCallbackMoveButton:     "Перенести",
		TextCallbackCancelButton:   "Отменить звонок",
		TextCallbackManageSMS:      "Ответьте CALL, чтобы перенести звонок, или NOCALL, чтобы отменить.",
		TextVoiceCallbackConfirm:   "Мы перезвоним вам по номеру {phone}. Чтобы подтвердить, нажмите {digit}. Чтобы назвать другой номер, нажмите {other}.",
		TextVoiceCallbackKeyIn:     "Наберите номер, по которому позвонить, начиная с кода страны, и нажмите решётку.",
		TextVoiceCallbackBadNumber: "Извините, на этот номер позвонить нельзя.",
		TextVoiceCallbackOffer:     "Мы можем перезвонить вам, чтобы вы не ждали на линии.",
	},
}

func init() { addBuiltinTexts(callbackFlowTexts) }

// Texts a caller hears confirming the number to call back.
const (
	TextVoiceCallbackConfirm   = "voice_callback_confirm"    // {phone} {digit} {other}
	TextVoiceCallbackKeyIn     = "voice_callback_key_in"     //
	TextVoiceCallbackBadNumber = "voice_callback_bad_number" //
	TextVoiceCallbackOffer     = "voice_callback_offer"      //
)
