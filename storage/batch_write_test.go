package storage

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestBatchJSONReadsBackAsWritten(t *testing.T) {
	at := time.Date(2026, 12, 1, 19, 51, 0, 123456789, time.FixedZone("X", 3600))
	id := uint64(42)
	cases := []struct {
		name string
		in   any
		want any
	}{
		{"quotes and backslashes", `say "hi" \ bye`, `say "hi" \ bye`},
		{"control characters", "a\nb\tc\rd\x01e", "a\nb\tc\rd\x01e"},
		{"markup and non-Latin text", "<script>alert(1)</script> Привет 👋", "<script>alert(1)</script> Привет 👋"},
		{"invalid UTF-8", "ok\xffok", "ok\uFFFDok"},
		{"time to the microsecond in UTC", at, "2026-12-01T18:51:00.123456Z"},
		{"nil pointer", (*uint64)(nil), nil},
		{"pointer", &id, float64(42)},
		{"bool", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeJSONValue(&b, c.in); err != nil {
				t.Fatal(err)
			}
			var got any
			if err := json.Unmarshal(b.Bytes(), &got); err != nil {
				t.Fatalf("%s is not JSON: %v", b.String(), err)
			}
			if got != c.want {
				t.Fatalf("read back %#v from %s, want %#v", got, b.String(), c.want)
			}
		})
	}
}
