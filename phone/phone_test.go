package phone_test

import (
	"errors"
	"testing"

	"github.com/switchboardhq/switchboard/phone"
)

func TestNormalize(t *testing.T) {
	cases := []struct {
		raw, region, want string
		invalid           bool
	}{
		{"+44 7911 123456", "", "+447911123456", false},
		{"07911 123456", "GB", "+447911123456", false},
		{"447911123456", "", "+447911123456", false}, // Telegram's shared contact
		{"tel:+1 (415) 555-2671", "", "+14155552671", false},
		{"8 (912) 345-67-89", "RU", "+79123456789", false},
		{"12", "GB", "", true},
		{"hello", "GB", "", true},
		{"", "GB", "", true},
	}
	for _, c := range cases {
		t.Run(c.raw, func(t *testing.T) {
			got, err := phone.Normalize(c.raw, c.region)
			if c.invalid {
				if !errors.Is(err, phone.ErrInvalid) {
					t.Fatalf("got %q, %v; want ErrInvalid", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestRegionAndTimeZone(t *testing.T) {
	if r := phone.Region("+14155552671"); r != "US" {
		t.Fatalf("region %q", r)
	}
	if tz := phone.TimeZone("+447911123456"); tz != "Europe/London" {
		t.Errorf("British mobile: zone %q, want Europe/London rather than a dependency's", tz)
	}
	if tz := phone.TimeZone("+14155552671"); tz != "America/Los_Angeles" {
		t.Fatalf("time zone %q", tz)
	}
	if tz := phone.TimeZone("+79123456789"); tz == "" {
		t.Fatal("no time zone for a Russian mobile")
	}
}
