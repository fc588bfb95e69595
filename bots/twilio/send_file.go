package twilio

import (
	"context"
	"fmt"
	"strings"
	"time"

	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/outbox"
	"github.com/switchboardhq/switchboard/storage"
)

// MaxMMSBytes is the largest file sent as an MMS: Twilio accepts 5 MB of
// media per message; a larger file goes as a link.
const MaxMMSBytes = 5 << 20

// FileLinks makes the signed, expiring public link to an operator's file
// (media.Links), which Twilio fetches for an MMS.
type FileLinks interface {
	URL(messageID uint64, now time.Time) string
}

// SendFilesWith lets the SMS sender send operators' files through links;
// without it, such files fail (permanently) with the reason.
func (a *Adapter) SendFilesWith(links FileLinks) { a.files = links }

// sendFile sends an operator's file: as an MMS (MediaUrl, the caption as
// its body) to a US or Canadian number, the only ones MMS reaches; to any
// other number, or when the file is over MaxMMSBytes, as a text with the
// caption and the link.
func (s *SMSSender) sendFile(ctx context.Context, it storage.OutboxItem, r dialog.Reply) (string, error) {
	a := r.Attachment
	if s.a.files == nil {
		return "", &outbox.PermanentError{Err: fmt.Errorf("send file of message %d by SMS: no SWITCHBOARD_MEDIA_SECRET to sign its link", a.MessageID)}
	}
	link := s.a.files.URL(a.MessageID, time.Now())
	from, callback := s.a.cfg.PhoneNumber, s.a.cfg.PublicURL+StatusPath
	caption := strings.TrimSpace(r.Text)
	var bodies []string
	var media *[]string
	if strings.HasPrefix(it.Address, "+1") && a.Size <= MaxMMSBytes {
		media = &[]string{link}
		bodies = splitSMS(caption)
		if len(bodies) == 0 {
			bodies = []string{""}
		}
	} else {
		name := a.FileName
		if name == "" {
			name = a.Kind
		}
		bodies = splitSMS(strings.TrimSpace(caption + "\n\n" + name + ": " + link))
	}
	sid := ""
	for i, body := range bodies {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		p := &openapi.CreateMessageParams{To: &it.Address, From: &from, StatusCallback: &callback}
		if body != "" {
			p.Body = &body
		}
		if i == 0 && media != nil {
			p.MediaUrl = media
		}
		msg, err := s.a.rest.Api.CreateMessage(p)
		if err != nil {
			return "", classify(err)
		}
		if msg.Sid != nil {
			sid = *msg.Sid
		}
	}
	return sid, nil
}
