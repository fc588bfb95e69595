package dialog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Text keys. Every one exists in English and Russian and can be overridden
// in YAML under texts.<language>.<key>. Placeholders in braces are filled in.
const (
	TextGreeting       = "greeting"        // {ticket}
	TextMenu           = "menu"            // {ticket}
	TextPersonButton   = "person_button"   //
	TextHelpedQuestion = "helped_question" //
	TextHelpedYes      = "helped_yes"      //
	TextHelpedDone     = "helped_done"     // {ticket}
	TextHandover       = "handover"        // {ticket} {position} {minutes}
	TextHandoverClosed = "handover_closed" // {ticket} {when}
	TextStillWaiting   = "still_waiting"   // {ticket} {position} {minutes}
	TextOperatorJoined = "operator_joined" // {ticket} {operator}
	TextResolved       = "resolved"        // {ticket}
	TextReopened       = "reopened"        // {ticket} {position} {minutes}
	TextStatusBot      = "status_bot"      // {ticket}
	TextStatusOpen     = "status_open"     // {ticket} {operator}
	TextStatusResolved = "status_resolved" // {ticket}
	TextStatusNone     = "status_none"     //
	TextUnknownCommand = "unknown_command" //
	TextSMSHelp        = "sms_help"        // {ticket}
	TextSMSOptIn       = "sms_opt_in"      //
)

var builtinTexts = map[string]map[string]string{
	"en": {
		TextGreeting:       "Thank you for writing to us! Your request number is {ticket}. Choose a topic below, or just type your question and a person will answer.",
		TextMenu:           "How can we help with request {ticket}? Choose a topic, or type your question.",
		TextPersonButton:   "Talk to a person",
		TextHelpedQuestion: "Did this help?",
		TextHelpedYes:      "Yes, thanks",
		TextHelpedDone:     "Glad we could help! Request {ticket} is closed; write any time if you need anything else.",
		TextHandover:       "Thank you, a person will answer you here. You are number {position} in the queue; expect a reply within {minutes} minutes. Your request number is {ticket}.",
		TextHandoverClosed: "Thank you. Our team is away right now and back {when}. Your request {ticket} keeps its place in the queue and will be answered then.",
		TextStillWaiting:   "Your request {ticket} is in the queue: you are number {position}; expect a reply within {minutes} minutes.",
		TextOperatorJoined: "{operator} has joined and will help you with request {ticket}.",
		TextResolved:       "Your request {ticket} is resolved. If anything else comes up, just write to us here.",
		TextReopened:       "We have reopened your request {ticket}. You are number {position} in the queue; expect a reply within {minutes} minutes.",
		TextStatusBot:      "Your request {ticket} is open. Choose a topic from the menu or type your question, and a person will answer.",
		TextStatusOpen:     "{operator} is handling your request {ticket} and will answer here.",
		TextStatusResolved: "Your request {ticket} is resolved. Write to us if you need anything else.",
		TextStatusNone:     "You have no open requests. Write to us and we will help.",
		TextUnknownCommand: "Sorry, I don't know that command. Try /menu, /status or /operator.",
		TextSMSHelp:        "Customer care. Reply with your question and a person will answer, or 0 for a person now. Your request is {ticket}. Reply STOP to stop messages.",
		TextSMSOptIn:       "You will get our messages again. Reply with your question any time.",
	},
	"ru": {
		TextGreeting:       "Спасибо, что написали нам! Номер вашего обращения — {ticket}. Выберите тему ниже или просто напишите вопрос, и вам ответит человек.",
		TextMenu:           "Чем помочь по обращению {ticket}? Выберите тему или напишите вопрос.",
		TextPersonButton:   "Поговорить с человеком",
		TextHelpedQuestion: "Это помогло?",
		TextHelpedYes:      "Да, спасибо",
		TextHelpedDone:     "Рады, что помогли! Обращение {ticket} закрыто; пишите в любое время, если понадобится что-то ещё.",
		TextHandover:       "Спасибо, вам ответит человек прямо здесь. Вы {position}-й в очереди; ответ придёт в течение {minutes} минут. Номер обращения — {ticket}.",
		TextHandoverClosed: "Спасибо. Сейчас мы не работаем и вернёмся {when}. Обращение {ticket} сохранит место в очереди, и мы ответим первым делом.",
		TextStillWaiting:   "Обращение {ticket} в очереди: вы {position}-й; ответ придёт в течение {minutes} минут.",
		TextOperatorJoined: "{operator} подключился к обращению {ticket} и поможет вам.",
		TextResolved:       "Обращение {ticket} решено. Если появится что-то ещё, просто напишите нам сюда.",
		TextReopened:       "Мы снова открыли обращение {ticket}. Вы {position}-й в очереди; ответ придёт в течение {minutes} минут.",
		TextStatusBot:      "Обращение {ticket} открыто. Выберите тему в меню или напишите вопрос, и вам ответит человек.",
		TextStatusOpen:     "Обращением {ticket} занимается {operator}, ответ придёт сюда.",
		TextStatusResolved: "Обращение {ticket} решено. Напишите нам, если нужно что-то ещё.",
		TextStatusNone:     "У вас нет открытых обращений. Напишите нам, и мы поможем.",
		TextUnknownCommand: "Такой команды нет. Попробуйте /menu, /status или /operator.",
		TextSMSHelp:        "Служба поддержки. Напишите вопрос, и вам ответит человек, или 0 — сразу человек. Номер обращения — {ticket}. STOP — не присылать сообщения.",
		TextSMSOptIn:       "Вы снова будете получать наши сообщения. Пишите вопрос в любое время.",
	},
}

var weekdays = map[string][7]string{
	"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	"ru": {"в воскресенье", "в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу"},
}

// addBuiltinTexts adds a family of texts (language → key → text), kept
// in a file of its own, to the built-in ones.
func addBuiltinTexts(family map[string]map[string]string) {
	for lang, texts := range family {
		for k, v := range texts {
			builtinTexts[lang][k] = v
		}
	}
}

// Texts picks and fills customer-facing texts in the customer's language.
type Texts struct {
	byLang   map[string]map[string]string
	fallback string
}

// NewTexts merges YAML overrides over the built-in texts. An override of an
// unknown key, or one that drops a placeholder, is an error naming the key.
func NewTexts(overrides map[string]map[string]string, fallback string) (*Texts, error) {
	t := &Texts{byLang: map[string]map[string]string{}, fallback: fallback}
	for lang, m := range builtinTexts {
		t.byLang[lang] = map[string]string{}
		for k, v := range m {
			t.byLang[lang][k] = v
		}
	}
	var errs []error
	langs := make([]string, 0, len(overrides))
	for l := range overrides {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, name := range langs {
		lang := strings.ToLower(name)
		if t.byLang[lang] == nil {
			t.byLang[lang] = map[string]string{}
		}
		for k, v := range overrides[name] {
			key := fmt.Sprintf("texts.%s.%s", name, k)
			ref, known := builtinTexts["en"][k]
			if !known {
				errs = append(errs, fmt.Errorf("%s: unknown text key", key))
				continue
			}
			if strings.TrimSpace(v) == "" {
				errs = append(errs, fmt.Errorf("%s: is empty", key))
				continue
			}
			for _, ph := range []string{"{ticket}", "{position}", "{minutes}", "{operator}", "{when}", "{digit}", "{label}"} {
				if strings.Contains(ref, ph) && !strings.Contains(v, ph) && ph != "{ticket}" {
					errs = append(errs, fmt.Errorf("%s: must keep the placeholder %s", key, ph))
				}
			}
			t.byLang[lang][k] = v
		}
	}
	if t.byLang[fallback] == nil {
		errs = append(errs, fmt.Errorf("default_language: no texts for %q (built in: en, ru; add texts.%s)", fallback, fallback))
	}
	return t, errors.Join(errs...)
}

// Language picks the texts' language for an IETF tag such as "ru" or
// "pt-br": the tag, then its base, then the default.
func (t *Texts) Language(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if _, ok := t.byLang[tag]; ok {
		return tag
	}
	if base, _, _ := strings.Cut(tag, "-"); base != "" {
		if _, ok := t.byLang[base]; ok {
			return base
		}
	}
	return t.fallback
}

// Get returns the text for key in lang with placeholders filled from vars
// (name, value pairs).
func (t *Texts) Get(lang, key string, vars ...string) string {
	s, ok := t.byLang[lang][key]
	if !ok {
		s, ok = t.byLang[t.fallback][key]
	}
	if !ok {
		s = builtinTexts["en"][key]
	}
	if len(vars) == 0 {
		return s
	}
	pairs := make([]string, 0, len(vars))
	for i := 0; i+1 < len(vars); i += 2 {
		pairs = append(pairs, "{"+vars[i]+"}", vars[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// When renders a moment for the customer: "Monday at 09:00 (Europe/Berlin)".
func (t *Texts) When(lang string, at time.Time) string {
	days, ok := weekdays[lang]
	if !ok {
		days = weekdays["en"]
	}
	at2 := at
	zone := at2.Location().String()
	if lang == "ru" {
		return fmt.Sprintf("%s, %s, в %s (%s)", days[at2.Weekday()], at2.Format("02.01"), at2.Format("15:04"), zone)
	}
	return fmt.Sprintf("on %s %s at %s (%s)", days[at2.Weekday()], at2.Format("2 Jan"), at2.Format("15:04"), zone)
}
