package phone_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/phone"
)

// FuzzNormalize: whatever a channel or a customer sends, Normalize does
// not panic, refuses with ErrInvalid, or gives E.164 ("+" and digits) that
// normalises to itself with and without a default region, and whose
// region and time zone can be read.
func FuzzNormalize(f *testing.F) {
	for _, c := range []struct{ raw, region string }{
		{"+44 7700 900123", ""}, {"07700 900123", "GB"}, {"tel:+1-415-555-2671", ""}, {"447700900123", ""},
		{"(415) 555-2671", "US"}, {"8 (912) 345-67-89", "ru"}, {"+7 912 345 67 89", "RU"}, {"00447700900123", "DE"},
		{"+1 800 FLOWERS", ""}, {"anonymous", "US"}, {"", ""}, {"+", "GB"}, {"tel:", ""}, {"+4477009001231234567890", ""},
		{"+44 7700 900123 ext. 12", "GB"}, {"72345", "US"}, {"+١٢٣٤٥٦٧٨٩٠", ""},
	} {
		f.Add(c.raw, c.region)
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		e164, err := phone.Normalize(raw, region)
		if err != nil {
			if e164 != "" || !errors.Is(err, phone.ErrInvalid) {
				t.Fatalf("refused %q with %q, %v", raw, e164, err)
			}
			return
		}
		if len(e164) < 3 || e164[0] != '+' || strings.Trim(e164[1:], "0123456789") != "" {
			t.Fatalf("%q (%q) normalised to %q, not E.164", raw, region, e164)
		}
		for _, r := range []string{"", region} {
			if again, err := phone.Normalize(e164, r); err != nil || again != e164 {
				t.Errorf("%q normalised to %q, which with region %q normalises to %q, %v", raw, e164, r, again, err)
			}
		}
		_ = phone.Region(e164)
		_ = phone.TimeZone(e164)
	})
}
