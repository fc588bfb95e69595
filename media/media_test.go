package media

import "testing"

func TestInlineOnlyForMediaThatCannotRunScript(t *testing.T) {
	cases := []struct {
		kind, contentType string
		inline            bool
	}{
		{"photo", "image/jpeg", true},
		{"voice", "audio/ogg; codecs=opus", true},
		{"video_note", "video/mp4", true},
		{"sticker", "image/webp", true},
		{"document", "image/png", false},
		{"document", "application/pdf", false},
		{"photo", "image/svg+xml", false},
		{"photo", "text/html", false},
		{"audio", "", false},
		{"photo", "not a type", false},
	}
	for _, c := range cases {
		if got := Inline(c.kind, c.contentType); got != c.inline {
			t.Errorf("Inline(%q, %q) = %v, want %v", c.kind, c.contentType, got, c.inline)
		}
	}
}

func TestContentTypeOfPrefersWhatTheChannelAnnounced(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n0000")
	cases := []struct {
		announced, downloaded string
		data                  []byte
		want                  string
	}{
		{"image/jpeg", "application/octet-stream", png, "image/jpeg"},
		{"", "image/gif", png, "image/gif"},
		{"", "application/octet-stream", png, "image/png"},
		{"text/html\r\nX-Evil: 1", "", png, "image/png"},
		{"", "", []byte("<html><script>"), "text/html; charset=utf-8"},
	}
	for _, c := range cases {
		if got := contentTypeOf(c.announced, c.downloaded, c.data); got != c.want {
			t.Errorf("contentTypeOf(%q, %q) = %q, want %q", c.announced, c.downloaded, got, c.want)
		}
	}
}

func TestMapURLOnlyForCoordinates(t *testing.T) {
	cases := map[string]string{
		"51.500700,-0.124600":            "https://www.openstreetmap.org/?mlat=51.500700&mlon=-0.124600#map=16/51.500700/-0.124600",
		"91,0":                           "",
		"NaN,0":                          "",
		`1,2"><script>alert(1)</script>`: "",
		"hello":                          "",
	}
	for text, want := range cases {
		if got := MapURL(text); got != want {
			t.Errorf("MapURL(%q) = %q, want %q", text, got, want)
		}
	}
}
