// Package phone normalises phone numbers to E.164 with
// github.com/nyaruka/phonenumbers (Google's libphonenumber data), so one
// person's number matches whichever way a channel or a customer wrote it.
package phone

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalid is returned for text that is not a valid phone number.
var ErrInvalid = errors.New("not a valid phone number")

// Normalize parses raw — "+44 7700 900123", "07700 900123" with region
// "GB", "tel:+1…" — and returns it in E.164 form (+447700900123).
func Normalize(raw, defaultRegion string) (string, error) {
	s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(raw), "tel:"))
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalid)
	}
	// Telegram sends shared contacts without the leading plus.
	if !strings.HasPrefix(s, "+") && defaultRegion == "" {
		s = "+" + s
	}
	num, err := phonenumbers.Parse(s, strings.ToUpper(defaultRegion))
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrInvalid, raw, err)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", fmt.Errorf("%w: %q", ErrInvalid, raw)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// Region is the ISO country code of an E.164 number ("GB"), or "".
func Region(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(num)
}

// mainZones name a country's main zone where the library lists its
// dependencies' first (a British mobile: Guernsey, Isle of Man, Jersey,
// London), so customers are told the zone they know.
// Keyed by country calling code, as a mobile's region may read as the
// dependency's.
var mainZones = map[int32]string{44: "Europe/London", 47: "Europe/Oslo", 358: "Europe/Helsinki"}

// TimeZone is the time zone of the number's area, or of its country's
// main zone when the library lists several ("Europe/London"): a default
// for callbacks when the customer has not said otherwise.
func TimeZone(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	zones, err := phonenumbers.GetTimezonesForNumber(num)
	if err != nil || len(zones) == 0 || zones[0] == "Etc/Unknown" {
		return ""
	}
	if main, ok := mainZones[num.GetCountryCode()]; ok && len(zones) > 1 && slices.Contains(zones, main) {
		return main
	}
	return zones[0]
}

// ValidRegion reports whether region is an ISO country code with phone
// numbering known to the library.
func ValidRegion(region string) bool {
	_, ok := phonenumbers.GetSupportedRegions()[strings.ToUpper(region)]
	return ok
}
