package media_test

import (
	"errors"
	"testing"

	"github.com/switchboardhq/switchboard/media"
)

// sendableTypes are every type an operator's file may be served and sent
// with: never HTML, SVG or a script, whatever the name or the bytes.
var sendableTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain; charset=utf-8": true, "text/csv; charset=utf-8": true,
	"application/msword": true, "application/vnd.ms-excel": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       true,
	"application/zip": true, "audio/ogg": true, "audio/mpeg": true, "audio/wav": true, "audio/mp4": true, "video/mp4": true,
}

// FuzzCheckUpload: any file name and bytes are either refused with an
// *UploadError (or ErrUploadTooLarge), or sent as a photo or a document
// with one of the types an operator may send.
func FuzzCheckUpload(f *testing.F) {
	for _, c := range []struct{ name, data string }{
		{"photo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"},
		{"scan.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00"},
		{"anim.gif", "GIF89a\x01\x00\x01\x00"},
		{"img.webp", "RIFF\x24\x00\x00\x00WEBPVP8 "},
		{"invoice.pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"},
		{"notes.txt", "hello, world\n"},
		{"table.csv", "a,b\n1,2\n"},
		{"old.doc", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"},
		{"report.docx", "PK\x03\x04\x14\x00\x06\x00"},
		{"voice.ogg", "OggS\x00\x02\x00\x00"},
		{"song.mp3", "ID3\x04\x00\x00\x00\x00\x00\x00"},
		{"page.html", "<!DOCTYPE html><script>alert(1)</script>"},
		{"logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"},
		{"notes.txt", "<html><body>not text</body></html>"},
		{"empty.pdf", ""},
		{"noext", "%PDF-1.4"},
		{"app.exe", "MZ\x90\x00\x03\x00\x00\x00"},
	} {
		f.Add(c.name, []byte(c.data))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		kind, contentType, err := media.CheckUpload(name, data)
		if err != nil {
			if !media.IsUploadError(err) && !errors.Is(err, media.ErrUploadTooLarge) {
				t.Fatalf("%q refused with %v, neither an upload error nor too large", name, err)
			}
			if kind != "" || contentType != "" {
				t.Fatalf("%q refused yet %q %q", name, kind, contentType)
			}
			return
		}
		if len(data) == 0 {
			t.Fatalf("empty %q accepted", name)
		}
		if kind != "photo" && kind != "document" {
			t.Fatalf("%q sent as %q", name, kind)
		}
		if !sendableTypes[contentType] {
			t.Fatalf("%q (%q…) sent as %q", name, data[:min(len(data), 16)], contentType)
		}
		if kind == "photo" && len(data) > media.MaxPhotoBytes {
			t.Fatalf("%d bytes sent as a photo", len(data))
		}
	})
}
