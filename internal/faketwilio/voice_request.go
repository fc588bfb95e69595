package faketwilio

import (
	"encoding/xml"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// NewCallSid returns a fresh call id, "CA" and 32 hex digits.
func NewCallSid() string { return newSid("CA") }

// IncomingCall is the form Twilio posts to a number's voice webhook when
// from calls to, under a new CallSid.
func IncomingCall(accountSID, from, to string) url.Values {
	return url.Values{
		"AccountSid": {accountSID}, "ApiVersion": {APIVersion}, "CallSid": {NewCallSid()},
		"From": {from}, "Caller": {from}, "To": {to}, "Called": {to},
		"CallStatus": {"ringing"}, "Direction": {"inbound"}, "FromCountry": {"US"}, "ToCountry": {"US"},
	}
}

// CallDigits is the form a Gather posts to its action: the call's own
// parameters and the key pressed; "" is the form of a Redirect after a
// Gather that got no key.
func CallDigits(call url.Values, digits string) url.Values {
	v := inProgress(call)
	if digits != "" {
		v.Set("Digits", digits)
		v.Set("FinishedOnKey", "")
	}
	return v
}

// QueueWait is the form Twilio posts to an Enqueue's waitUrl while the
// caller holds at position (1 is next) for waited seconds.
func QueueWait(call url.Values, position, waited int) url.Values {
	v := inProgress(call)
	v.Set("QueueSid", "QU00000000000000000000000000000001")
	v.Set("QueuePosition", strconv.Itoa(position))
	v.Set("QueueTime", strconv.Itoa(waited))
	v.Set("AvgQueueTime", strconv.Itoa(waited))
	v.Set("CurrentQueueSize", strconv.Itoa(position))
	return v
}

// QueueLeft is the form Twilio posts to an Enqueue's action when the call
// leaves the queue: result (bridged, hangup, leave, queue-full, …) after
// waited seconds in it. A bridged call's comes when the bridged call ends.
func QueueLeft(call url.Values, result string, waited int) url.Values {
	v := inProgress(call)
	v.Set("QueueSid", "QU00000000000000000000000000000001")
	v.Set("QueueResult", result)
	v.Set("QueueTime", strconv.Itoa(waited))
	return v
}

// CallStatusCallback is the form of a call status callback: status, and
// for a completed call how many seconds it lasted.
func CallStatusCallback(call url.Values, status string, seconds int) url.Values {
	v := maps.Clone(call)
	v.Set("CallStatus", status)
	if status == "completed" {
		v.Set("CallDuration", strconv.Itoa(seconds))
		v.Set("Duration", strconv.Itoa((seconds+59)/60))
	}
	return v
}

func inProgress(call url.Values) url.Values {
	v := maps.Clone(call)
	v.Set("CallStatus", "in-progress")
	return v
}

// TwiML is one element of a TwiML document, parsed, so tests assert on
// what Twilio would read rather than on the text.
type TwiML struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []TwiML    `xml:",any"`
}

// ParseTwiML reads a TwiML document; its root must be <Response>.
func ParseTwiML(doc string) (TwiML, error) {
	var r TwiML
	if err := xml.Unmarshal([]byte(doc), &r); err != nil {
		return r, fmt.Errorf("parse TwiML: %w", err)
	}
	if r.XMLName.Local != "Response" {
		return r, fmt.Errorf("TwiML root is <%s>, want <Response>", r.XMLName.Local)
	}
	return r, nil
}

// Attr is the value of the element's attribute name ("" when absent).
func (n TwiML) Attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// Verbs are the names of the element's children, in order.
func (n TwiML) Verbs() []string {
	out := make([]string, len(n.Children))
	for i, c := range n.Children {
		out[i] = c.XMLName.Local
	}
	return out
}

// Find is the element's first child called name.
func (n TwiML) Find(name string) (TwiML, bool) {
	for _, c := range n.Children {
		if c.XMLName.Local == name {
			return c, true
		}
	}
	return TwiML{}, false
}

// Walk calls fn on the element and everything inside it, in document order.
func (n TwiML) Walk(fn func(TwiML)) {
	fn(n)
	for _, c := range n.Children {
		c.Walk(fn)
	}
}

// Said is everything the element says (its <Say>s, nested ones included),
// in order, separated by spaces.
func (n TwiML) Said() string {
	var parts []string
	n.Walk(func(e TwiML) {
		if e.XMLName.Local == "Say" {
			parts = append(parts, e.Text)
		}
	})
	return strings.Join(parts, " ")
}

// Same reports whether two documents say and do the same: twilio-go writes
// attributes in no fixed order, and their order means nothing.
func (n TwiML) Same(o TwiML) bool { return reflect.DeepEqual(n.sorted(), o.sorted()) }

func (n TwiML) sorted() TwiML {
	n.Attrs = slices.Clone(n.Attrs)
	slices.SortFunc(n.Attrs, func(a, b xml.Attr) int { return strings.Compare(a.Name.Local, b.Name.Local) })
	n.Children = slices.Clone(n.Children)
	for i := range n.Children {
		n.Children[i] = n.Children[i].sorted()
	}
	return n
}
