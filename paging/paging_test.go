package paging_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/paging"
)

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want int
		bad  bool
	}{
		{"", paging.DefaultLimit, false},
		{"1", 1, false},
		{"500", 500, false},
		{"0", 0, true},
		{"-3", 0, true},
		{"501", 0, true},
		{"ten", 0, true},
		{"2.5", 0, true},
	} {
		got, err := paging.ParseLimit(tc.raw)
		if tc.bad {
			if !errors.Is(err, paging.ErrBadLimit) || !strings.Contains(err.Error(), "limit") {
				t.Errorf("ParseLimit(%q) = %d, %v; want ErrBadLimit naming limit", tc.raw, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", tc.raw, got, err, tc.want)
		}
	}
}

type key struct {
	At time.Time `json:"t"`
	ID uint64    `json:"i"`
}

func TestCursorReadsBackTheKeyOfItsOwnListOnly(t *testing.T) {
	in := key{At: time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC), ID: 42}
	c, err := paging.Encode("queue", in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(c, "+/=&?") {
		t.Fatalf("cursor %q is not safe in a query string", c)
	}
	var out key
	if err := paging.Decode("queue", c, &out); err != nil || !out.At.Equal(in.At) || out.ID != in.ID {
		t.Fatalf("decoded %+v, %v; want %+v", out, err, in)
	}
	for name, bad := range map[string]string{"another list": "", "garbage": "!!", "json, not a cursor": "e30"} {
		cur, list := c, "history"
		if bad != "" {
			cur, list = bad, "queue"
		}
		if err := paging.Decode(list, cur, &out); !errors.Is(err, paging.ErrBadCursor) {
			t.Errorf("%s: %v, want ErrBadCursor", name, err)
		}
	}
}
