package dialog_test

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestGreetingSpeaksCustomersLanguage(t *testing.T) {
	cases := []struct {
		name     string
		settings string
		lang     string
		want     string
	}{
		{"russian", "", "ru", "Спасибо, что написали нам!"},
		{"russian with a region", "", "ru-RU", "Спасибо, что написали нам!"},
		{"english", "", "en", "Thank you for writing to us!"},
		{"unknown language falls back to the default", "", "pt-br", "Thank you for writing to us!"},
		{"no language falls back to the default", "", "", "Thank you for writing to us!"},
		{"default language russian", "default_language: ru", "pt-br", "Спасибо, что написали нам!"},
		{"YAML override", "texts: {en: {greeting: 'Hi! Your ticket: {ticket}.'}}", "en", "Hi! Your ticket: SB-000001."},
		{"YAML override leaves other languages", "texts: {en: {greeting: 'Hi! {ticket}'}}", "ru", "Спасибо, что написали нам!"},
		{"YAML adds a language", "texts: {de: {greeting: 'Hallo! Anfrage {ticket}.'}}", "de-AT", "Hallo! Anfrage SB-000001."},
		{"YAML language key in canonical case", "texts: {pt-BR: {greeting: 'Olá! Pedido {ticket}.'}}", "pt-br", "Olá! Pedido SB-000001."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, parseSettings(t, c.settings))
			res := w.command(customer(1, c.lang), "start")
			wantContains(t, "greeting", w.lastReply(res.ConversationID).Text, c.want)
		})
	}
}

func TestLanguageFollowsTheCustomerAcrossTurns(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	ivan := customer(1, "ru")
	w.command(ivan, "start")
	// A channel that stops reporting the language still gets Russian.
	ivan.Language = ""
	res := w.press(ivan, "m:hours")
	wantContains(t, "answer", w.lastReply(res.ConversationID).Text, "Мы отвечаем каждый день", "Это помогло?")

	op := w.operator("Olga")
	if _, err := w.engine.Claim(t.Context(), res.ConversationID, op); err != nil {
		t.Fatal(err)
	}
	wantContains(t, "operator joined", w.lastReply(res.ConversationID).Text, "Olga подключился")
}

func TestNewRejectsBadTextOverrides(t *testing.T) {
	cases := []struct {
		name    string
		texts   map[string]map[string]string
		wantKey string
		want    string
	}{
		{"unknown key", map[string]map[string]string{"en": {"greetings": "Hi {ticket}"}}, "texts.en.greetings", "unknown text key"},
		{"missing placeholder", map[string]map[string]string{"en": {"handover": "Please wait, {ticket}."}}, "texts.en.handover", "{position}"},
		{"missing placeholder in Russian", map[string]map[string]string{"ru": {"operator_joined": "Оператор подключился."}}, "texts.ru.operator_joined", "{operator}"},
		{"empty text", map[string]map[string]string{"en": {"greeting": "  "}}, "texts.en.greeting", "empty"},
		{"named as written in YAML", map[string]map[string]string{"pt-BR": {"greetings": "Olá {ticket}"}}, "texts.pt-BR.greetings", "unknown text key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := config.DefaultSettings()
			s.Texts = c.texts
			_, err := dialog.New(storagetest.Open(t), dialog.Options{Settings: s})
			if err == nil {
				t.Fatal("dialog.New accepted the texts")
			}
			if !strings.Contains(err.Error(), c.wantKey+":") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %q, want it to name %s and say %q", err, c.wantKey, c.want)
			}
		})
	}
}

func TestNewRejectsDefaultLanguageWithoutTexts(t *testing.T) {
	s := config.DefaultSettings()
	s.DefaultLanguage = "fr"
	_, err := dialog.New(storagetest.Open(t), dialog.Options{Settings: s})
	if err == nil || !strings.Contains(err.Error(), "default_language") {
		t.Fatalf("err = %v, want one naming default_language", err)
	}
}
