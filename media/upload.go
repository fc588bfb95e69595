package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/switchboardhq/switchboard/storage"
)

// MaxUploadBytes is the largest file an operator may send: Telegram takes
// documents up to 50 MB from a bot and photos up to MaxPhotoBytes; 20 MB
// keeps uploads, which sit in the database, at what a bot may download.
const MaxUploadBytes = 20 << 20

// MaxPhotoBytes is the largest image sent as a photo; a larger one goes as
// a document (Telegram's sendPhoto takes 10 MB).
const MaxPhotoBytes = 10 << 20

// ErrUploadTooLarge is an upload over MaxUploadBytes.
var ErrUploadTooLarge = fmt.Errorf("the file is larger than %d MB, the most an operator may send", MaxUploadBytes>>20)

// UploadError is a file refused for its type; Reason is safe to show.
type UploadError struct{ Reason string }

func (e *UploadError) Error() string { return e.Reason }

// Upload kinds, as dialog names them.
const (
	kindPhoto    = "photo"
	kindDocument = "document"
)

// photoTypes are the images sent as photos, by their sniffed type.
var photoTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// documentType is a document type operators may send: its type as served
// and sent, and the types http.DetectContentType finds in such a file.
type documentType struct {
	contentType string
	sniffs      []string
}

const ole = "application/x-ole-storage" // doc and xls: see sniffType

// documentTypes are the documents operators may send, by file extension.
var documentTypes = map[string]documentType{
	".pdf":  {"application/pdf", []string{"application/pdf"}},
	".txt":  {"text/plain; charset=utf-8", []string{"text/plain"}},
	".csv":  {"text/csv; charset=utf-8", []string{"text/plain"}},
	".doc":  {"application/msword", []string{ole}},
	".xls":  {"application/vnd.ms-excel", []string{ole}},
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{"application/zip"}},
	".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{"application/zip"}},
	".zip":  {"application/zip", []string{"application/zip"}},
	".ogg":  {"audio/ogg", []string{"application/ogg"}},
	".oga":  {"audio/ogg", []string{"application/ogg"}},
	".opus": {"audio/ogg", []string{"application/ogg"}},
	".mp3":  {"audio/mpeg", []string{"audio/mpeg"}},
	".wav":  {"audio/wav", []string{"audio/wave"}},
	".m4a":  {"audio/mp4", []string{"video/mp4", "audio/mp4"}},
	".mp4":  {"video/mp4", []string{"video/mp4"}},
}

// bySniff are the documents recognised from their bytes alone, when the
// file name has no known extension.
var bySniff = map[string]string{
	"application/pdf": ".pdf", "text/plain": ".txt", "application/zip": ".zip", "application/ogg": ".ogg",
	"audio/mpeg": ".mp3", "video/mp4": ".mp4", "audio/wave": ".wav",
}

// CheckUpload decides how an operator's file is sent, from its bytes and
// its name, never from the type the browser claimed: PNG, JPEG, GIF and
// WebP images (up to MaxPhotoBytes) are photos; PDF, text, CSV, Word,
// Excel, ZIP, Ogg, MP3, WAV, M4A and MP4 files are documents; anything
// else (HTML, SVG, executables, a file whose bytes do not match its
// extension) is an *UploadError. The type returned is what the file is
// served and sent with.
func CheckUpload(name string, data []byte) (kind, contentType string, err error) {
	switch {
	case len(data) == 0:
		return "", "", &UploadError{Reason: "the file is empty"}
	case len(data) > MaxUploadBytes:
		return "", "", ErrUploadTooLarge
	}
	sniffed := sniffType(data)
	if photoTypes[sniffed] {
		if len(data) > MaxPhotoBytes {
			return kindDocument, sniffed, nil
		}
		return kindPhoto, sniffed, nil
	}
	ext := strings.ToLower(path.Ext(name))
	if dt, ok := documentTypes[ext]; ok {
		for _, s := range dt.sniffs {
			if s == sniffed {
				return kindDocument, dt.contentType, nil
			}
		}
		return "", "", &UploadError{Reason: fmt.Sprintf("the file's content (%s) does not match its name's extension %s", sniffed, ext)}
	}
	if e, ok := bySniff[sniffed]; ok {
		return kindDocument, documentTypes[e].contentType, nil
	}
	return "", "", &UploadError{Reason: fmt.Sprintf("files of type %s cannot be sent: send an image (PNG, JPEG, GIF, WebP) or a document (PDF, TXT, CSV, DOC, DOCX, XLS, XLSX, ZIP, OGG, MP3, WAV, M4A, MP4)", sniffed)}
}

// oleMagic starts a Compound File (the old Word and Excel formats), which
// http.DetectContentType does not know.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// sniffType is the base type of data's content.
func sniffType(data []byte) string {
	if bytes.HasPrefix(data, oleMagic) {
		return ole
	}
	return baseType(http.DetectContentType(data))
}

// IsUploadError reports whether err refuses an upload for its content.
func IsUploadError(err error) bool {
	var ue *UploadError
	return errors.As(err, &ue)
}

// SentFile returns the bytes of the file an operator sent with message
// id, for a channel to send: storage.ErrNotFound when it is gone (its
// customer was erased).
func (s *Service) SentFile(ctx context.Context, messageID uint64) ([]byte, error) {
	f, err := s.store.MediaFile(ctx, messageID)
	if err != nil {
		return nil, err
	}
	if f.State != storage.MediaReady {
		return nil, fmt.Errorf("file of message %d is %s: %w", messageID, f.State, storage.ErrNotFound)
	}
	return f.Data, nil
}
