package app_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

// colouredPNG is a 2×2 PNG of one colour: pictures that differ by bytes.
func colouredPNG(t *testing.T, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	for x := range 2 {
		for y := range 2 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// conversationMessages is what the console shows of conversation id.
func (h *harness) conversationMessages(token string, id uint64) []mediaMessage {
	h.t.Helper()
	var conv struct {
		Messages []mediaMessage `json:"messages"`
	}
	if st := h.call(http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, nil, &conv); st != http.StatusOK {
		h.t.Fatalf("GET conversation %d: %d", id, st)
	}
	return conv.Messages
}

// customerPhotos are the photos among msgs.
func customerPhotos(msgs []mediaMessage) []mediaMessage {
	var out []mediaMessage
	for _, m := range msgs {
		if m.Kind == "photo" {
			out = append(out, m)
		}
	}
	return out
}

func TestMMSWithThreePicturesShowsEachAndIsStoredOnce(t *testing.T) {
	w := startSMS(t)
	pics := [][]byte{
		colouredPNG(t, color.RGBA{R: 255, A: 255}),
		colouredPNG(t, color.RGBA{G: 255, A: 255}),
		colouredPNG(t, color.RGBA{B: 255, A: 255}),
	}
	var media []faketwilio.Media
	for _, p := range pics {
		media = append(media, w.twilio.PutMedia("image/png", p))
	}
	params := faketwilio.InboundSMS(w.twilio.AccountSID(), smsAnn, smsNumber, "three angles of the dent", media...)
	w.deliverSMS(params)

	conv, err := w.app.Store.ConversationOfExternal(t.Context(), "sms", params.Get("MessageSid"))
	if err != nil {
		t.Fatal(err)
	}
	token := w.login(adminEmail, adminPassword)
	before := w.conversationMessages(token, conv)
	photos := customerPhotos(before)
	if len(photos) != 3 {
		t.Fatalf("%d photo messages %+v, want 3", len(photos), before)
	}
	if photos[0].Text != "three angles of the dent" || photos[1].Text != "" || photos[2].Text != "" {
		t.Errorf("texts %q %q %q: want the body on the first picture only", photos[0].Text, photos[1].Text, photos[2].Text)
	}
	for i, p := range photos {
		if p.MediaURL != fmt.Sprintf("/api/v1/media/%d", p.ID) || p.MediaType != "image/png" {
			t.Fatalf("picture %d: %+v", i, p)
		}
		got := w.get(p.MediaURL, token)
		if got.status != http.StatusOK || !bytes.Equal(got.body, pics[i]) {
			t.Fatalf("GET picture %d: %d, %d bytes; want 200 and its own %d bytes", i, got.status, len(got.body), len(pics[i]))
		}
		if n := w.twilio.MediaFetches(media[i].URL); n != 1 {
			t.Errorf("picture %d fetched from Twilio %d times with the account's credentials, want once", i, n)
		}
	}

	// Twilio delivers the webhook again, even several times at once:
	// nothing more is stored.
	w.deliverSMS(params)
	statuses := make([]int, 4)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			resp, err := w.hook.Post(t.Context(), smsPublicURL+"/webhooks/twilio/sms", params)
			if err == nil {
				statuses[i] = resp.Status
			}
		})
	}
	wg.Wait()
	if fmt.Sprint(statuses) != "[200 200 200 200]" {
		t.Fatalf("concurrent redeliveries answered %v, want 200 each", statuses)
	}
	after := w.conversationMessages(token, conv)
	if len(after) != len(before) {
		t.Fatalf("after redelivery %d messages, before %d", len(after), len(before))
	}
	stored, err := w.app.Store.ListMessages(t.Context(), conv)
	if err != nil {
		t.Fatal(err)
	}
	var inbound []string
	for _, m := range stored {
		if m.Direction == storage.Inbound {
			inbound = append(inbound, m.ExternalID)
		}
	}
	sid := params.Get("MessageSid")
	if want := []string{sid, sid + "/2", sid + "/3"}; fmt.Sprint(inbound) != fmt.Sprint(want) {
		t.Errorf("inbound external ids %q, want %q", inbound, want)
	}
}

// TestMMSWithBrokenMediaFieldsStoresWhatIsThere: Twilio's fields are read
// forgivingly. NumMedia above the attachments present, or no number at
// all, keeps those present; a MediaUrl that is no http(s) URL is skipped;
// the text is stored either way and the webhook answered 200.
func TestMMSWithBrokenMediaFieldsStoresWhatIsThere(t *testing.T) {
	w := startSMS(t)
	token := w.login(adminEmail, adminPassword)
	pic := colouredPNG(t, color.RGBA{R: 9, G: 9, B: 9, A: 255})
	m := w.twilio.PutMedia("image/png", pic)
	cases := []struct {
		name   string
		from   string
		fields url.Values
		photos int
	}{
		{"NumMedia above what is present", "+14155550101", url.Values{"NumMedia": {"7"}, "MediaUrl0": {m.URL}, "MediaContentType0": {"image/png"}}, 1},
		{"NumMedia garbage", "+14155550102", url.Values{"NumMedia": {"many"}, "MediaUrl0": {m.URL}, "MediaContentType0": {"image/png"}}, 1},
		{"NumMedia negative", "+14155550103", url.Values{"NumMedia": {"-4"}, "MediaUrl3": {m.URL}, "MediaContentType3": {"image/png"}}, 1},
		{"MediaUrl garbage", "+14155550104", url.Values{"NumMedia": {"2"}, "MediaUrl0": {"javascript:alert(1)"}, "MediaUrl1": {"%%%"},
			"MediaContentType0": {"image/png"}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			params := faketwilio.InboundSMS(w.twilio.AccountSID(), c.from, smsNumber, "body of "+c.name)
			for k, vs := range c.fields {
				params[k] = vs
			}
			w.deliverSMS(params)
			conv, err := w.app.Store.ConversationOfExternal(t.Context(), "sms", params.Get("MessageSid"))
			if err != nil {
				t.Fatal(err)
			}
			msgs := w.conversationMessages(token, conv)
			photos := customerPhotos(msgs)
			if len(photos) != c.photos {
				t.Fatalf("%d photos %+v, want %d", len(photos), msgs, c.photos)
			}
			found := false
			for _, msg := range msgs {
				found = found || msg.Text == "body of "+c.name
			}
			if !found {
				t.Fatalf("the text is not stored: %+v", msgs)
			}
			for _, p := range photos {
				if got := w.get(p.MediaURL, token); got.status != http.StatusOK || !bytes.Equal(got.body, pic) {
					t.Fatalf("GET %s: %d", p.MediaURL, got.status)
				}
			}
		})
	}
}
