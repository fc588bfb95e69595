package app_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

// lockedBuffer collects a log written from many goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// withLog sends the app's log, debug included, to buf.
func withLog(buf *lockedBuffer) func(*setup) {
	return withOptions(func(o *app.Options) {
		o.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mediaMessage is a message as the API shows it, media fields included.
type mediaMessage struct {
	ID            uint64 `json:"id"`
	Kind          string `json:"kind"`
	Text          string `json:"text"`
	FileName      string `json:"file_name"`
	MediaURL      string `json:"media_url"`
	MediaType     string `json:"media_type"`
	MediaTooLarge bool   `json:"media_too_large"`
	MapURL        string `json:"map_url"`
}

// customerMessage finds the customer's latest message of kind in any
// conversation, waiting for one newer than after (a message id).
func (h *harness) customerMessage(token, kind string, after ...uint64) mediaMessage {
	h.t.Helper()
	var found mediaMessage
	h.waitFor("a "+kind+" message", func() bool {
		for _, status := range []string{"bot", "waiting", "open"} {
			var list struct {
				Conversations []struct {
					ID uint64 `json:"id"`
				} `json:"conversations"`
			}
			h.call(http.MethodGet, "/api/v1/conversations?status="+status, token, nil, &list)
			for _, c := range list.Conversations {
				var conv struct {
					Messages []mediaMessage `json:"messages"`
				}
				h.call(http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", c.ID), token, nil, &conv)
				for _, m := range conv.Messages {
					if m.Kind == kind && m.ID > found.ID && (len(after) == 0 || m.ID > after[0]) {
						found = m
					}
				}
			}
		}
		return found.ID != 0
	})
	return found
}

type fetched struct {
	status int
	header http.Header
	body   []byte
}

// get fetches path with the bearer token (none when empty).
func (h *harness) get(path, token string) fetched {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fetched{status: resp.StatusCode, header: resp.Header, body: body}
}

func TestTelegramPhotoIsServedToOperatorsAndFetchedOnce(t *testing.T) {
	var log lockedBuffer
	h := start(t, withLog(&log))
	ann := faketelegram.User{ID: 501, FirstName: "Ann"}
	pic := tinyPNG(t)
	h.tg.PutFile("photo-7001-x", pic)
	h.send(faketelegram.PhotoUpdate(7001, ann, "my order <script>alert(1)</script>"))
	token := h.login(adminEmail, adminPassword)
	m := h.customerMessage(token, "photo")
	if m.MediaURL != fmt.Sprintf("/api/v1/media/%d", m.ID) || m.MediaType != "image/jpeg" {
		t.Fatalf("photo message %+v: want media_url /api/v1/media/%d", m, m.ID)
	}

	if got := h.get(m.MediaURL, ""); got.status != http.StatusUnauthorized {
		t.Fatalf("GET without a session: %d, want 401", got.status)
	}
	if h.tg.Downloads("photo-7001-x") != 0 {
		t.Fatal("a refused request fetched the file")
	}
	first := h.get(m.MediaURL, token)
	if first.status != http.StatusOK || !bytes.Equal(first.body, pic) {
		t.Fatalf("GET media: %d, %d bytes; want 200 and the photo's %d", first.status, len(first.body), len(pic))
	}
	// Telegram announced a JPEG: the type served is the announced one,
	// and nosniff keeps the browser to it.
	if ct := first.header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("Content-Type %q, want image/jpeg", ct)
	}
	if first.header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(first.header.Get("Content-Disposition"), "inline") {
		t.Errorf("headers %v: want nosniff, inline", first.header)
	}
	second := h.get(m.MediaURL, token)
	if second.status != http.StatusOK || !bytes.Equal(second.body, pic) {
		t.Fatalf("second GET: %d", second.status)
	}
	if n := h.tg.Downloads("photo-7001-x"); n != 1 {
		t.Errorf("Telegram was asked for the file %d times, want once", n)
	}
	if n := h.tg.Downloads("photo-7001-s"); n != 0 {
		t.Errorf("a smaller size was fetched: want the largest")
	}
	for what, text := range map[string]string{"log": log.String(), "first body": string(first.body)} {
		if strings.Contains(text, faketelegram.Token) {
			t.Errorf("the %s holds the bot token", what)
		}
	}
}

func TestMediaDownloadsAndTelegramFailuresNeverShowTheToken(t *testing.T) {
	var log lockedBuffer
	h := start(t, withLog(&log))
	ann := faketelegram.User{ID: 502, FirstName: "Ann"}
	token := h.login(adminEmail, adminPassword)

	h.tg.PutFile("document-7101", []byte("<html><script>alert(1)</script></html>"))
	h.send(faketelegram.DocumentUpdate(7101, ann, `"><script>x</script>.html`, "text/html", ""))
	doc := h.customerMessage(token, "document")
	got := h.get(doc.MediaURL, token)
	if got.status != http.StatusOK || !strings.HasPrefix(got.header.Get("Content-Disposition"), "attachment") ||
		got.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("HTML document: %d %v, want 200 as an attachment with nosniff", got.status, got.header)
	}

	// A file over 20 MB is said to be too large, and never fetched.
	h.send(faketelegram.VideoUpdate(7102, ann, 25<<20))
	video := h.customerMessage(token, "video")
	if !video.MediaTooLarge || video.MediaURL != "" {
		t.Fatalf("25 MB video %+v: want media_too_large and no media_url", video)
	}
	if got := h.get(fmt.Sprintf("/api/v1/media/%d", video.ID), token); got.status != http.StatusRequestEntityTooLarge ||
		!strings.Contains(string(got.body), "20 MB") {
		t.Fatalf("GET the 25 MB video: %d %s, want 413 saying 20 MB", got.status, got.body)
	}

	// Telegram failing: 502, and the error names no token.
	h.send(faketelegram.VoiceUpdate(7103, ann, 3))
	voice := h.customerMessage(token, "voice")
	h.tg.Close()
	failed := h.get(voice.MediaURL, token)
	if failed.status != http.StatusBadGateway {
		t.Fatalf("GET with Telegram down: %d %s, want 502", failed.status, failed.body)
	}
	for what, text := range map[string]string{"log": log.String(), "error body": string(failed.body), "document": string(got.body)} {
		if strings.Contains(text, faketelegram.Token) {
			t.Errorf("the %s holds the bot token: %s", what, text)
		}
	}

	// Locations and contacts are no files: a map link, a name and number.
	h.send(faketelegram.LocationUpdate(7104, ann, 51.5007, -0.1246))
	loc := h.customerMessage(token, "location")
	if loc.MediaURL != "" || loc.MapURL != "https://www.openstreetmap.org/?mlat=51.500700&mlon=-0.124600#map=16/51.500700/-0.124600" {
		t.Errorf("location %+v: want a map link", loc)
	}
}

func TestMMSPictureIsFetchedWithTheAccountsCredentialsOnce(t *testing.T) {
	w := startSMS(t)
	pic := tinyPNG(t)
	media := w.twilio.PutMedia("image/png", pic)
	svg := w.twilio.PutMedia("image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
	w.deliverSMS(faketwilio.InboundSMS(w.twilio.AccountSID(), smsAnn, smsNumber, "the box", media))
	token := w.login(adminEmail, adminPassword)
	m := w.customerMessage(token, "photo")
	first := w.get(m.MediaURL, token)
	if first.status != http.StatusOK || !bytes.Equal(first.body, pic) || first.header.Get("Content-Type") != "image/png" {
		t.Fatalf("GET MMS picture: %d %q", first.status, first.header.Get("Content-Type"))
	}
	w.get(m.MediaURL, token)
	if n := w.twilio.MediaFetches(media.URL); n != 1 {
		t.Errorf("Twilio was asked %d times, want once", n)
	}

	w.deliverSMS(faketwilio.InboundSMS(w.twilio.AccountSID(), "+14155552672", smsNumber, "", svg))
	svgMsg := w.customerMessage(token, "photo", m.ID)
	got := w.get(svgMsg.MediaURL, token)
	if got.status != http.StatusOK || !strings.HasPrefix(got.header.Get("Content-Disposition"), "attachment") ||
		got.header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("SVG: %d %v, want an attachment", got.status, got.header)
	}
}
