// Package media serves the files customers send — photos, documents,
// voice notes, MMS pictures — to operators: it fetches each from its
// channel once, on first view, keeps the copy in the database where every
// process reads it, and says how a browser may show it (inline or as a
// download). The channel's file URLs, which for Telegram carry the bot
// token, never leave this package.
package media

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// MaxBytes is the largest file fetched: the Bot API lets bots download up
// to 20 MB, and an MMS is far smaller.
const MaxBytes = 20 << 20

// Kinds of message that carry a file; contacts and locations do not.
var fileKinds = map[string]bool{
	"photo": true, "document": true, "voice": true, "audio": true, "video": true,
	"video_note": true, "animation": true, "sticker": true,
}

// HasFile reports whether a message of kind with fileID has a file to
// fetch.
func HasFile(kind, fileID string) bool { return fileKinds[kind] && fileID != "" }

// TooLarge reports whether a file announced at size bytes cannot be
// fetched.
func TooLarge(size int64) bool { return size > MaxBytes }

// inlineTypes are the types a browser may show in the page: images,
// sounds and videos that cannot run script. SVG, HTML, XML, PDF and
// anything unknown go out as downloads.
var inlineTypes = map[string]bool{
	"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true,
	"audio/ogg": true, "audio/opus": true, "audio/mpeg": true, "audio/mp4": true, "audio/aac": true,
	"audio/wav": true, "audio/x-wav": true, "audio/webm": true, "audio/amr": true,
	"video/mp4": true, "video/webm": true, "video/ogg": true, "video/quicktime": true, "video/3gpp": true,
}

// Inline reports whether a file of kind and contentType may be shown in
// the page; documents are always downloads, whatever their type.
func Inline(kind, contentType string) bool {
	return kind != "document" && inlineTypes[baseType(contentType)]
}

// baseType is contentType's media type, lower case, without parameters;
// empty when it does not parse.
func baseType(contentType string) string {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.ToLower(t)
}

// cleanType is contentType as a header may carry it: re-formatted from
// its parsed parts, or application/octet-stream when it does not parse.
func cleanType(contentType string) string {
	t, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.Contains(t, "/") {
		return "application/octet-stream"
	}
	if out := mime.FormatMediaType(t, params); out != "" {
		return out
	}
	return "application/octet-stream"
}

// contentTypeOf picks the type to serve a file with: the one the channel
// announced with the message, else the one its download said, else what
// the bytes look like.
func contentTypeOf(announced, downloaded string, data []byte) string {
	for _, ct := range []string{announced, downloaded} {
		if b := baseType(ct); b != "" && b != "application/octet-stream" {
			return cleanType(ct)
		}
	}
	return cleanType(http.DetectContentType(data))
}

// extensions name a download whose message gave no file name.
var extensions = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
	"audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "video/mp4": ".mp4",
	"video/webm": ".webm", "application/pdf": ".pdf",
}

// fileName is the name a file is served under: the customer's, or the
// kind with an extension for its type.
func fileName(name, kind, contentType string) string {
	if name = strings.TrimSpace(name); name != "" {
		return name
	}
	return kind + extensions[baseType(contentType)]
}

// MapURL is an OpenStreetMap link to a location stored as "lat,lon" text;
// empty when the text is no pair of coordinates.
func MapURL(text string) string {
	latText, lonText, ok := strings.Cut(text, ",")
	if !ok {
		return ""
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(latText), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(lonText), 64)
	if err1 != nil || err2 != nil || !(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180) {
		return ""
	}
	ll := strconv.FormatFloat(lat, 'f', 6, 64) + "&mlon=" + strconv.FormatFloat(lon, 'f', 6, 64)
	return "https://www.openstreetmap.org/?mlat=" + ll + "#map=16/" +
		strconv.FormatFloat(lat, 'f', 6, 64) + "/" + strconv.FormatFloat(lon, 'f', 6, 64)
}
