// Package faketwilio is a local stand-in for Twilio: a fake of the REST API
// (reached by twilio-go through TWILIO_API_BASE_URL) that records messages
// and calls and answers with scripted errors, and a signer that signs
// webhook requests exactly as Twilio does.
package faketwilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// Sign computes X-Twilio-Signature for a POST of params to fullURL:
// base64(HMAC-SHA1(authToken, fullURL + each parameter's name and value,
// sorted by name)).
func Sign(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		for _, v := range params[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
