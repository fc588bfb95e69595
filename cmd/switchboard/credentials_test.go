package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBadCredentialsStopTheServerAtStart: a provider credential pasted
// wrong stops `switchboard serve` at once with exit 2, naming the variable,
// instead of starting and failing every send.
func TestBadCredentialsStopTheServerAtStart(t *testing.T) {
	good := map[string]string{
		"TWILIO_ACCOUNT_SID":  "AC0123456789abcdef0123456789abcdef",
		"TWILIO_AUTH_TOKEN":   "0123456789abcdef0123456789abcdef",
		"TWILIO_PHONE_NUMBER": "+14155550100",
		"TELEGRAM_BOT_TOKEN":  "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
	}
	for _, tc := range []struct{ key, value string }{
		{"TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcde"},
		{"TWILIO_ACCOUNT_SID", "0123456789abcdef0123456789abcdef"},
		{"TWILIO_AUTH_TOKEN", "0123456789abcdef0123456789abcdef'"},
		{"TWILIO_AUTH_TOKEN", "0123456789abcdef-0123456789abcdef"},
		{"TELEGRAM_BOT_TOKEN", "ABC-DEF1234ghIkl-zyx57W2v1u123ew11"},
		{"TELEGRAM_BOT_TOKEN", "123456:ABC DEF"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			t.Setenv("SWITCHBOARD_DATABASE_URL", "sqlite://"+t.TempDir()+"/sb.db")
			t.Setenv("SWITCHBOARD_ADDR", "127.0.0.1:0")
			for k, v := range good {
				t.Setenv(k, v)
			}
			t.Setenv(tc.key, tc.value)
			var out, errOut bytes.Buffer
			code := run([]string{"serve"}, &out, &errOut)
			if code != 2 || !strings.Contains(errOut.String(), tc.key+": ") {
				t.Fatalf("exit %d, stderr %q; want 2 naming %s", code, errOut.String(), tc.key)
			}
			if strings.Contains(out.String(), "listening") {
				t.Errorf("the server started: %q", out.String())
			}
		})
	}
}
