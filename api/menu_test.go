package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/storage"
)

func TestMenuShowsWhatCustomersSee(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	tests := []struct {
		query        string
		wantLanguage string
		wantGreeting string
		wantLabels   []string
	}{
		{"", "en", "Thank you for writing to us", []string{"Opening hours", "A question about my order", "Call me back", "Talk to a person"}},
		{"?lang=en", "en", "Thank you for writing to us", []string{"Opening hours", "A question about my order", "Call me back", "Talk to a person"}},
		{"?lang=ru", "ru", "Спасибо, что написали нам", []string{"Часы работы", "Вопрос о заказе", "Перезвоните мне", "Поговорить с человеком"}},
		{"?lang=ru-RU", "ru", "Спасибо, что написали нам", []string{"Часы работы", "Вопрос о заказе", "Перезвоните мне", "Поговорить с человеком"}},
		{"?lang=xx", "en", "Thank you for writing to us", []string{"Opening hours", "A question about my order", "Call me back", "Talk to a person"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var menu struct {
				Language string `json:"language"`
				Greeting string `json:"greeting"`
				Buttons  []struct {
					Data  string `json:"data"`
					Label string `json:"label"`
				} `json:"buttons"`
			}
			s.mustDo(t, http.MethodGet, "/api/v1/menu"+tt.query, token, "", http.StatusOK, &menu)
			if menu.Language != tt.wantLanguage || !strings.Contains(menu.Greeting, tt.wantGreeting) || !strings.Contains(menu.Greeting, dialog.ExampleTicket) {
				t.Errorf("language %q, greeting %q; want %q and a greeting with %q and the example ticket", menu.Language, menu.Greeting, tt.wantLanguage, tt.wantGreeting)
			}
			var labels, data []string
			for _, b := range menu.Buttons {
				labels, data = append(labels, b.Label), append(data, b.Data)
			}
			if fmt.Sprint(labels) != fmt.Sprint(tt.wantLabels) {
				t.Errorf("labels = %q, want %q", labels, tt.wantLabels)
			}
			if len(data) == 0 || data[len(data)-1] != dialog.ButtonPerson {
				t.Errorf("button data = %q, want the person button last", data)
			}
		})
	}
}
