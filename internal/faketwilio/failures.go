package faketwilio

import "net/http"

// Kinds of REST requests, for Failure and Request.
const (
	KindMessages = "messages"
	KindCalls    = "calls"
)

// Twilio error codes the tests script.
const (
	// ErrOptedOut: the recipient replied STOP; nothing may be sent to them.
	ErrOptedOut = 21610
	// ErrInvalidTo: the To number is not a valid phone number.
	ErrInvalidTo = 21211
	// ErrNotMobile: the To number cannot receive SMS.
	ErrNotMobile = 21614
	// ErrTooManyRequests: the account's concurrency limit was reached.
	ErrTooManyRequests = 20429
	// ErrInternal: Twilio's own failure.
	ErrInternal = 20500
)

// Failure scripts an error answer for requests the fake receives later.
type Failure struct {
	// Kind is KindMessages or KindCalls; empty matches every request.
	Kind string
	// To limits the failure to requests for this number; empty matches
	// any.
	To string
	// Status is the HTTP status; 0 means 400 when Code is set, else 500.
	Status int
	// Code is Twilio's error code; 0 takes a usual one for Status.
	Code int
	// Message is the error text; empty takes a usual one for Code.
	Message string
	// Times is how many matching requests fail: 0 means once, a negative
	// number every one until Reset.
	Times int
	// Drop closes the connection without an answer, as a network failure
	// would.
	Drop bool
}

// Fail queues f; the next matching requests answer with it. Failures match
// in the order they were queued.
func (s *Server) Fail(f Failure) {
	s.failures.Add(f, f.Times)
}

// FailOptedOut makes every later message to number fail with 21610, as
// Twilio answers after the recipient texted STOP.
func (s *Server) FailOptedOut(number string) {
	s.Fail(Failure{Kind: KindMessages, To: number, Code: ErrOptedOut, Times: -1})
}

// FailServerError makes the next times requests of kind answer 500.
func (s *Server) FailServerError(kind string, times int) {
	s.Fail(Failure{Kind: kind, Status: http.StatusInternalServerError, Times: times})
}

// FailTooManyRequests makes the next times requests of kind answer 429.
func (s *Server) FailTooManyRequests(kind string, times int) {
	s.Fail(Failure{Kind: kind, Status: http.StatusTooManyRequests, Times: times})
}

// takeFailure consumes the first queued failure matching a request.
func (s *Server) takeFailure(kind, to string) (Failure, bool) {
	return s.failures.Take(func(f Failure) bool {
		return (f.Kind == "" || f.Kind == kind) && (f.To == "" || f.To == to)
	})
}

// apiError is the error body f answers with.
func (f Failure) apiError() apiError {
	status := f.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
		if f.Code != 0 {
			status = http.StatusBadRequest
		}
	}
	code := f.Code
	if code == 0 {
		switch {
		case status == http.StatusTooManyRequests:
			code = ErrTooManyRequests
		case status >= 500:
			code = ErrInternal
		default:
			code = 20001
		}
	}
	msg := f.Message
	if msg == "" {
		msg = usualMessage(code, status)
	}
	return newAPIError(status, code, msg)
}

// usualMessage is Twilio's text for code.
func usualMessage(code, status int) string {
	switch code {
	case ErrOptedOut:
		return "Attempt to send to unsubscribed recipient"
	case ErrInvalidTo:
		return "Invalid 'To' Phone Number"
	case ErrNotMobile:
		return "'To' number is not a valid mobile number"
	case ErrTooManyRequests:
		return "Too Many Requests"
	}
	return http.StatusText(status)
}
