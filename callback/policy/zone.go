package policy

import (
	"time"

	"github.com/switchboardhq/switchboard/phone"
)

// CustomerLocation is the time zone a customer is called in: zone when they
// set one (an IANA name), else the first zone of their number's country
// (phone.TimeZone), else fallback (usually the business hours' zone). An
// unknown zone name falls through to the next choice.
func CustomerLocation(zone, e164 string, fallback *time.Location) *time.Location {
	for _, name := range []string{zone, phone.TimeZone(e164)} {
		if name == "" || name == "Local" { // the server's zone says nothing of the customer
			continue
		}
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return orUTC(fallback)
}
