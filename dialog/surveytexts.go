package dialog

// Texts of the feedback survey. They join the built-in texts, so YAML
// overrides them as any other under texts.<language>.<key>.
const (
	TextSurveyQuestion    = "survey_question"     // {ticket}
	TextSurveyQuestionSMS = "survey_question_sms" // {ticket}
	TextSurveyStopButton  = "survey_stop_button"  //
	TextSurveyAskBetter   = "survey_ask_better"   // {ticket} {score}
	TextSurveyAskLiked    = "survey_ask_liked"    // {ticket} {score}
	TextSurveyThanks      = "survey_thanks"       // {ticket}
	TextSurveyStopped     = "survey_stopped"      //
	TextSurveyClosed      = "survey_closed"       //
	// TextStatusCallback follows /status when a callback is booked.
	TextStatusCallback = "status_callback" // {ticket} {phone} {when}
	// TextThanksResolved answers thanks written to a resolved ticket,
	// which stays resolved.
	TextThanksResolved = "thanks_resolved" // {ticket}
)

var surveyTexts = map[string]map[string]string{
	"en": {
		TextSurveyQuestion:    "Your request {ticket} was resolved recently. How likely are you to recommend us to a friend, from 0 (not at all) to 10 (certainly)?",
		TextSurveyQuestionSMS: "Your request {ticket} was resolved recently. How likely are you to recommend us to a friend? Reply with a number from 0 (not at all) to 10 (certainly).",
		TextSurveyStopButton:  "Don't ask me again",
		TextSurveyAskBetter:   "Thank you for your {score}. What could we do better? Just write a few words.",
		TextSurveyAskLiked:    "Thank you for your {score}! What did you like most? Just write a few words.",
		TextSurveyThanks:      "Thank you for your feedback on request {ticket}. It goes straight to the team.",
		TextSurveyStopped:     "Understood: we will not ask you for feedback again.",
		TextSurveyClosed:      "Thank you! That survey is closed; if there is anything we can do, just write to us.",
		TextStatusCallback:    "Your callback for request {ticket} is booked: we will call you at {phone} {when}.",
		TextThanksResolved:    "Thank you for your kind words, it was a pleasure to help! Request {ticket} stays resolved; write any time you need us.",
	},
	"ru": {
		TextSurveyQuestion:    "Ваше обращение {ticket} недавно решено. Насколько вероятно, что вы порекомендуете нас друзьям, от 0 (точно нет) до 10 (обязательно)?",
		TextSurveyQuestionSMS: "Ваше обращение {ticket} недавно решено. Насколько вероятно, что вы порекомендуете нас друзьям? Ответьте числом от 0 (точно нет) до 10 (обязательно).",
		TextSurveyStopButton:  "Больше не спрашивать",
		TextSurveyAskBetter:   "Спасибо за оценку {score}. Что нам сделать лучше? Напишите пару слов.",
		TextSurveyAskLiked:    "Спасибо за оценку {score}! Что вам понравилось больше всего? Напишите пару слов.",
		TextSurveyThanks:      "Спасибо за отзыв об обращении {ticket}. Он сразу попадёт к команде.",
		TextSurveyStopped:     "Поняли: больше не будем просить отзыв.",
		TextSurveyClosed:      "Спасибо! Этот опрос закрыт; если мы можем чем-то помочь, просто напишите нам.",
		TextStatusCallback:    "Обратный звонок по обращению {ticket} заказан: мы позвоним вам по номеру {phone} {when}.",
		TextThanksResolved:    "Спасибо за добрые слова, нам было приятно помочь! Обращение {ticket} остаётся решённым; пишите, когда понадобимся.",
	},
}

func init() { addBuiltinTexts(surveyTexts) }
