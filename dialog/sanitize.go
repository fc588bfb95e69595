package dialog

import "strings"

// Column limits of what an event stores (see storage's models).
const (
	maxNameLen     = 256
	maxFileLen     = 256
	maxLanguageLen = 16
	maxExternalLen = 128
)

// sanitize makes channel input safe to store on every database: valid UTF-8,
// no NUL bytes (PostgreSQL refuses them in text), and fields clipped to their
// columns, so no customer's message can fail to store again and again.
func sanitize(ev Event) Event {
	ev.Text = cleanText(ev.Text, 0)
	ev.Payload = cleanText(ev.Payload, 512)
	ev.Command = cleanText(ev.Command, 64)
	ev.Button = cleanText(ev.Button, 64)
	ev.ExternalID = cleanText(ev.ExternalID, maxExternalLen)
	ev.Media = cleanMedia(ev.Media)
	if len(ev.MoreMedia) > 0 {
		more := make([]Media, len(ev.MoreMedia))
		for i, m := range ev.MoreMedia {
			more[i] = cleanMedia(m)
		}
		ev.MoreMedia = more
	}
	ev.From.Name = cleanText(ev.From.Name, maxNameLen)
	ev.From.Username = cleanText(ev.From.Username, 128)
	ev.From.Language = cleanText(ev.From.Language, maxLanguageLen)
	ev.From.ExternalID = cleanText(ev.From.ExternalID, maxExternalLen)
	ev.From.Address = cleanText(ev.From.Address, maxExternalLen)
	return ev
}

// cleanMedia clips an attachment's fields to their columns.
func cleanMedia(m Media) Media {
	m.Kind = cleanText(m.Kind, 16)
	m.FileID = cleanText(m.FileID, maxFileLen)
	m.FileName = cleanText(m.FileName, maxFileLen)
	m.Phone = cleanText(m.Phone, 32)
	m.ContentType = cleanText(m.ContentType, 128)
	return m
}

// cleanText drops NUL bytes and invalid UTF-8 and, when limit > 0, keeps at
// most limit characters.
func cleanText(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if limit > 0 {
		s = clip(s, limit)
	}
	return s
}
