package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/storage"
)

// TestCustomerTimeZoneIsSetAndFollowedByTheirCallbacks: an operator sets
// where a customer lives; their scheduled callback then reports that zone
// instead of their number's country's; "" goes back to it; bad input is
// 400 saying what was wrong, an unknown customer 404.
func TestCustomerTimeZoneIsSetAndFollowedByTheirCallbacks(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	cust := s.aCustomer(t)
	cb := s.bookForNotes(t, token, cust.ID, "")
	if cb.TimeZone != "Europe/London" {
		t.Fatalf("before: callback zone %q, want the number's", cb.TimeZone)
	}
	path := fmt.Sprintf("/api/v1/customers/%d", cust.ID)
	cases := []struct {
		name, body, custZone, want string
	}{
		{"an IANA zone", `{"time_zone":"Asia/Tokyo"}`, "Asia/Tokyo", "Asia/Tokyo"},
		{"spaces trimmed", `{"time_zone":" America/New_York "}`, "America/New_York", "America/New_York"},
		{"empty goes back to the number's", `{"time_zone":""}`, "", "Europe/London"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got struct {
				ID       uint64 `json:"id"`
				TimeZone string `json:"time_zone"`
			}
			s.mustDo(t, http.MethodPatch, path, token, c.body, http.StatusOK, &got)
			if got.ID != cust.ID || got.TimeZone != c.custZone {
				t.Fatalf("answer %+v, want customer %d in %q", got, cust.ID, c.custZone)
			}
			var list struct {
				Callbacks []notedCallbackJSON `json:"callbacks"`
			}
			s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/callbacks?customer_id=%d", cust.ID), token, "", http.StatusOK, &list)
			if len(list.Callbacks) != 1 || list.Callbacks[0].TimeZone != c.want {
				t.Fatalf("callbacks %+v, want one in %s", list.Callbacks, c.want)
			}
		})
	}
	bad := []struct {
		name, path, body string
		status           int
		want             string
	}{
		{"not a zone", path, `{"time_zone":"Mars/Olympus"}`, http.StatusBadRequest, "time_zone"},
		{"the server's zone", path, `{"time_zone":"Local"}`, http.StatusBadRequest, "IANA"},
		{"missing", path, `{}`, http.StatusBadRequest, `nothing to change`},
		{"opt-out not a bool", path, `{"proactive_opt_out":"yes"}`, http.StatusBadRequest, "proactive_opt_out"},
		{"opt-out of an unknown customer", "/api/v1/customers/999999", `{"proactive_opt_out":true}`, http.StatusNotFound, "customer"},
		{"unknown field", path, `{"zone":"Asia/Tokyo"}`, http.StatusBadRequest, "zone"},
		{"not a string", path, `{"time_zone":9}`, http.StatusBadRequest, "time_zone"},
		{"unknown customer", "/api/v1/customers/999999", `{"time_zone":"Asia/Tokyo"}`, http.StatusNotFound, "customer"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			var got struct {
				Error string `json:"error"`
			}
			s.mustDo(t, http.MethodPatch, c.path, token, c.body, c.status, &got)
			if !strings.Contains(got.Error, c.want) {
				t.Errorf("error %q, want it to name %q", got.Error, c.want)
			}
		})
	}
}

func TestOperatorRecordsACustomersSurveyOptOut(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Please stop the surveys")
	s.mustDo(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/resolve", id), token, "", http.StatusOK, nil)
	conv, err := s.store.GetConversation(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/customers/%d", conv.CustomerID)
	// A refused zone changes nothing, the opt-out included.
	status, raw := s.do(t, http.MethodPatch, path, token, `{"time_zone":"Nowhere/X","proactive_opt_out":true}`)
	wantError(t, status, raw, http.StatusBadRequest, "time_zone")
	if cust, _ := s.store.GetCustomer(t.Context(), conv.CustomerID); cust.ProactiveOptOut {
		t.Fatal("a refused request opted the customer out")
	}
	for _, out := range []bool{true, false} {
		var got struct {
			ProactiveOptOut bool `json:"proactive_opt_out"`
		}
		s.mustDo(t, http.MethodPatch, path, token, fmt.Sprintf(`{"proactive_opt_out":%t}`, out), http.StatusOK, &got)
		cust, err := s.store.GetCustomer(t.Context(), conv.CustomerID)
		if err != nil || got.ProactiveOptOut != out || cust.ProactiveOptOut != out {
			t.Fatalf("after setting %t: answer %+v, stored %+v, %v", out, got, cust, err)
		}
		if out {
			// The survey already planned shows the opt-out at once.
			var view surveyConversationJSON
			s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, "", http.StatusOK, &view)
			if view.SurveyDueAt != nil || view.SurveySkipped != storage.SkipOptedOut {
				t.Fatalf("after opting out: survey_due_at %v, survey_skipped %q", view.SurveyDueAt, view.SurveySkipped)
			}
		}
	}
}

// An operator corrects a customer's name and number from the profile: the
// number is kept in E.164 whatever way it was typed, and search finds the
// customer by the new name; a bad number or an empty name changes
// nothing.
func TestOperatorEditsACustomersNameAndPhone(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Hello")
	conv, err := s.store.GetConversation(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/customers/%d", conv.CustomerID)
	for _, tc := range []struct{ body, field string }{
		{`{"name":"  "}`, "name"},
		{`{"name":"Олег","phone":"12"}`, "phone"},
		{`{"nickname":"x"}`, "nickname"},
	} {
		status, raw := s.do(t, http.MethodPatch, path, token, tc.body)
		wantError(t, status, raw, http.StatusBadRequest, tc.field)
	}
	if cust, _ := s.store.GetCustomer(t.Context(), conv.CustomerID); cust.Name == "Олег" {
		t.Fatal("a refused request changed the name")
	}
	for _, typed := range []string{"+44 7911 123456", "+447911123456", "+44 (7911) 123-456"} {
		var got struct {
			Name  string `json:"name"`
			Phone string `json:"phone"`
		}
		s.mustDo(t, http.MethodPatch, path, token, fmt.Sprintf(`{"name":" Олег Петров ","phone":%q}`, typed), http.StatusOK, &got)
		cust, err := s.store.GetCustomer(t.Context(), conv.CustomerID)
		if err != nil || got.Name != "Олег Петров" || got.Phone != "+447911123456" || cust.Name != got.Name || cust.Phone != got.Phone {
			t.Fatalf("after %q: answer %+v, stored %+v, %v", typed, got, cust, err)
		}
	}
	var found struct {
		Results []struct {
			ConversationID uint64 `json:"conversation_id"`
		} `json:"results"`
	}
	s.mustDo(t, http.MethodGet, "/api/v1/search?q="+url.QueryEscape("олег"), token, "", http.StatusOK, &found)
	if len(found.Results) != 1 || found.Results[0].ConversationID != id {
		t.Fatalf("search for the new name found %+v, want conversation %d", found.Results, id)
	}
	var cleared struct {
		Phone string `json:"phone"`
	}
	s.mustDo(t, http.MethodPatch, path, token, `{"phone":""}`, http.StatusOK, &cleared)
	if cust, _ := s.store.GetCustomer(t.Context(), conv.CustomerID); cleared.Phone != "" || cust.Phone != "" {
		t.Fatalf("after clearing the phone: answer %q, stored %q", cleared.Phone, cust.Phone)
	}
}
