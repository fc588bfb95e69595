package media_test

import (
	"errors"
	"testing"

	"github.com/switchboardhq/switchboard/media"
)

func TestCheckUploadTrustsTheBytesNotTheName(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	ole := []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00")
	zip := []byte("PK\x03\x04\x14\x00\x00\x00")
	tests := []struct {
		name, file string
		data       []byte
		kind, ct   string
		refused    bool
	}{
		{"PNG", "a.png", png, "photo", "image/png", false},
		{"PNG called a PDF is still a photo", "a.pdf", png, "photo", "image/png", false},
		{"large PNG goes as a document", "a.png", append(png, make([]byte, media.MaxPhotoBytes)...), "document", "image/png", false},
		{"PDF", "Invoice.PDF", []byte("%PDF-1.7\n"), "document", "application/pdf", false},
		{"CSV", "r.csv", []byte("a,b\n1,2\n"), "document", "text/csv; charset=utf-8", false},
		{"Word", "old.doc", ole, "document", "application/msword", false},
		{"XLSX", "t.xlsx", zip, "document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", false},
		{"PDF without a name", "", []byte("%PDF-1.7\n"), "document", "application/pdf", false},
		{"HTML", "a.html", []byte("<html><script>x</script>"), "", "", true},
		{"HTML called text", "a.txt", []byte("<html><script>x</script>"), "", "", true},
		{"SVG", "a.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "", "", true},
		{"ZIP called a doc", "a.doc", zip, "", "", true},
		{"empty", "a.txt", nil, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind, ct, err := media.CheckUpload(tt.file, tt.data)
			if tt.refused {
				if !media.IsUploadError(err) {
					t.Fatalf("CheckUpload = %q %q %v, want an UploadError", kind, ct, err)
				}
				return
			}
			if err != nil || kind != tt.kind || ct != tt.ct {
				t.Fatalf("CheckUpload = %q %q %v, want %q %q", kind, ct, err, tt.kind, tt.ct)
			}
		})
	}
	if _, _, err := media.CheckUpload("big.pdf", make([]byte, media.MaxUploadBytes+1)); !errors.Is(err, media.ErrUploadTooLarge) {
		t.Fatalf("an upload over the cap: %v, want ErrUploadTooLarge", err)
	}
}
