package faketwilio

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Message is an SMS the fake accepted from Messages.json.
type Message struct {
	Sid  string
	To   string
	From string
	Body string
	// MediaURLs are the MediaUrl parameters of an MMS.
	MediaURLs      []string
	StatusCallback string
	// Status is what the fake answered: queued.
	Status string
	At     time.Time
}

// Call is a call the fake accepted from Calls.json.
type Call struct {
	Sid  string
	To   string
	From string
	// URL and Twiml: one of them says what the call does when answered.
	URL                 string
	Twiml               string
	StatusCallback      string
	StatusCallbackEvent []string
	MachineDetection    string
	// Status is queued until a test sets another (SetCallStatus) or an
	// update asks for completed or canceled.
	Status string
	// Updates are the forms of later POSTs to Calls/{Sid}.json.
	Updates []map[string]string
	At      time.Time
}

// messageResource is Twilio's Message resource as JSON.
type messageResource struct {
	AccountSid          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                string            `json:"from"`
	MessagingServiceSid *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	Sid                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

// callResource is Twilio's Call resource as JSON.
type callResource struct {
	AccountSid      string            `json:"account_sid"`
	AnsweredBy      *string           `json:"answered_by"`
	APIVersion      string            `json:"api_version"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	Direction       string            `json:"direction"`
	Duration        *string           `json:"duration"`
	From            string            `json:"from"`
	FromFormatted   string            `json:"from_formatted"`
	ParentCallSid   *string           `json:"parent_call_sid"`
	PhoneNumberSid  string            `json:"phone_number_sid"`
	Sid             string            `json:"sid"`
	Status          string            `json:"status"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
	To              string            `json:"to"`
	ToFormatted     string            `json:"to_formatted"`
	URI             string            `json:"uri"`
}

func (s *Server) createMessage(req *Request) (int, any) {
	f := req.Form
	switch {
	case f.Get("To") == "":
		e := newAPIError(http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return e.Status, e
	case f.Get("From") == "" && f.Get("MessagingServiceSid") == "":
		e := newAPIError(http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return e.Status, e
	case f.Get("Body") == "" && f.Get("MediaUrl") == "" && f.Get("ContentSid") == "":
		e := newAPIError(http.StatusBadRequest, 21602, "Message body is required.")
		return e.Status, e
	}
	m := Message{Sid: newSid("SM"), To: f.Get("To"), From: f.Get("From"), Body: f.Get("Body"), MediaURLs: f["MediaUrl"],
		StatusCallback: f.Get("StatusCallback"), Status: "queued", At: time.Now()}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	uri := "/" + APIVersion + "/Accounts/" + s.cfg.AccountSID + "/Messages/" + m.Sid
	now := rfc2822(m.At)
	return http.StatusCreated, messageResource{
		AccountSid: s.cfg.AccountSID, APIVersion: APIVersion, Body: m.Body, DateCreated: now, DateUpdated: now,
		Direction: "outbound-api", From: m.From, NumMedia: strconv.Itoa(len(m.MediaURLs)), NumSegments: "1", PriceUnit: "USD",
		Sid: m.Sid, Status: m.Status, To: m.To, URI: uri + ".json",
		SubresourceURIs: map[string]string{"media": uri + "/Media.json"},
	}
}

func (s *Server) createCall(req *Request) (int, any) {
	f := req.Form
	switch {
	case f.Get("To") == "":
		e := newAPIError(http.StatusBadRequest, 21201, "No 'To' number is specified")
		return e.Status, e
	case f.Get("From") == "":
		e := newAPIError(http.StatusBadRequest, 21213, "No 'From' number is specified")
		return e.Status, e
	case f.Get("Url") == "" && f.Get("Twiml") == "" && f.Get("ApplicationSid") == "":
		e := newAPIError(http.StatusBadRequest, 21205, "Url parameter is required.")
		return e.Status, e
	}
	c := Call{Sid: newSid("CA"), To: f.Get("To"), From: f.Get("From"), URL: f.Get("Url"), Twiml: f.Get("Twiml"),
		StatusCallback: f.Get("StatusCallback"), StatusCallbackEvent: f["StatusCallbackEvent"],
		MachineDetection: f.Get("MachineDetection"), Status: "queued", At: time.Now()}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
	return http.StatusCreated, s.callResource(c)
}

func (s *Server) fetchCall(sid, path string) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calls {
		if c.Sid == sid {
			return http.StatusOK, s.callResource(c)
		}
	}
	return notFound(path)
}

// updateCall applies a POST to Calls/{Sid}.json: Status completed or
// canceled ends the call; Url or Twiml is recorded as a redirect.
func (s *Server) updateCall(sid string, req *Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.calls {
		c := &s.calls[i]
		if c.Sid != sid {
			continue
		}
		update := map[string]string{}
		for k := range req.Form {
			update[k] = req.Form.Get(k)
		}
		c.Updates = append(c.Updates, update)
		if st := req.Form.Get("Status"); st == "completed" || st == "canceled" {
			c.Status = st
		}
		return http.StatusOK, s.callResource(*c)
	}
	return notFound(req.Path)
}

func (s *Server) callResource(c Call) callResource {
	uri := "/" + APIVersion + "/Accounts/" + s.cfg.AccountSID + "/Calls/" + c.Sid
	now := rfc2822(c.At)
	return callResource{
		AccountSid: s.cfg.AccountSID, APIVersion: APIVersion, DateCreated: now, DateUpdated: now,
		Direction: "outbound-api", From: c.From, FromFormatted: c.From, PhoneNumberSid: "PN" + strings.Repeat("0", 32),
		Sid: c.Sid, Status: c.Status, To: c.To, ToFormatted: c.To, URI: uri + ".json",
		SubresourceURIs: map[string]string{"recordings": uri + "/Recordings.json"},
	}
}

// SetCallStatus sets what GET Calls/{sid}.json answers as the call's
// status (ringing, in-progress, completed, busy, no-answer, …). It reports
// whether the call exists.
func (s *Server) SetCallStatus(sid, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.calls {
		if s.calls[i].Sid == sid {
			s.calls[i].Status = status
			s.changes.Notify()
			return true
		}
	}
	return false
}
