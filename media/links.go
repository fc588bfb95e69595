package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// PublicPath is where a signed link serves an operator's file without a
// session: PublicPath/{message id}?exp=UNIX&sig=HMAC.
const PublicPath = "/media/public"

// DefaultLinkTTL is how long a signed link works: Twilio fetches an MMS's
// media within seconds, but retries a failed send for hours, and a
// customer may open a link sent by SMS days later.
const DefaultLinkTTL = 7 * 24 * time.Hour

// ErrBadLink is a public media link whose signature is wrong or whose time
// has passed.
var ErrBadLink = errors.New("this media link is invalid or has expired")

// Links makes and checks signed, expiring public links to operators'
// files, for channels that fetch a file by URL (Twilio MMS) or can only
// send a link (SMS).
type Links struct {
	key  []byte
	base string
	ttl  time.Duration
}

// NewLinks signs links with secret (SWITCHBOARD_MEDIA_SECRET) under
// publicURL; ttl 0 means DefaultLinkTTL.
func NewLinks(secret, publicURL string, ttl time.Duration) *Links {
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	// A key of its own, so the secret signs nothing else the same way.
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("switchboard media links v1"))
	return &Links{key: mac.Sum(nil), base: publicURL, ttl: ttl}
}

// URL is the absolute public link to message id's file, valid for the
// links' TTL from now.
func (l *Links) URL(id uint64, now time.Time) string {
	exp := now.Add(l.ttl).Unix()
	return fmt.Sprintf("%s%s/%d?exp=%d&sig=%s", l.base, PublicPath, id, exp, l.sign(id, exp))
}

// Verify checks a link's exp and sig for message id at now, in constant
// time: ErrBadLink when they do not match or exp has passed.
func (l *Links) Verify(id uint64, exp, sig string, now time.Time) error {
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return ErrBadLink
	}
	want := l.sign(id, e)
	if !hmac.Equal([]byte(sig), []byte(want)) || now.Unix() > e {
		return ErrBadLink
	}
	return nil
}

// sign is HMAC-SHA256 over "id:exp", base64url without padding.
func (l *Links) sign(id uint64, exp int64) string {
	mac := hmac.New(sha256.New, l.key)
	fmt.Fprintf(mac, "%d:%d", id, exp)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}
