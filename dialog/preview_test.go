package dialog_test

import (
	"slices"
	"testing"

	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
)

func TestMenuPreviewIsWhatANewCustomerGets(t *testing.T) {
	for _, lang := range []string{"en", "ru"} {
		t.Run(lang, func(t *testing.T) {
			w := newWorld(t, parseSettings(t, fourOptionMenu))
			greeting := w.lastReply(w.command(customer(1, lang), "start").ConversationID)
			preview, got := w.engine.MenuPreview(lang)
			if got != lang {
				t.Errorf("preview language = %q, want %q", got, lang)
			}
			wantData, wantLabels := buttons(greeting)
			gotData, gotLabels := buttons(preview)
			if !slices.Equal(gotData, wantData) || !slices.Equal(gotLabels, wantLabels) {
				t.Errorf("preview buttons %v %v, want the greeting's %v %v", gotData, gotLabels, wantData, wantLabels)
			}
			if gotData[len(gotData)-1] != dialog.ButtonPerson {
				t.Errorf("last button = %q, want the person button", gotData[len(gotData)-1])
			}
			wantContains(t, "preview greeting", preview.Text, dialog.ExampleTicket)
		})
	}
}

func TestMenuPreviewFallsBackToDefaultLanguage(t *testing.T) {
	w := newWorld(t, config.DefaultSettings())
	for _, tag := range []string{"", "xx", "de-AT"} {
		if _, lang := w.engine.MenuPreview(tag); lang != "en" {
			t.Errorf("MenuPreview(%q) language = %q, want en", tag, lang)
		}
	}
	if _, lang := w.engine.MenuPreview("ru-RU"); lang != "ru" {
		t.Errorf(`MenuPreview("ru-RU") language = %q, want ru`, lang)
	}
}
