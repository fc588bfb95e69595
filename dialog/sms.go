package dialog

import (
	"context"
	"strings"

	"github.com/switchboardhq/switchboard/storage"
)

// Carrier keywords. STOP and the like opt a number out at the carrier,
// which answers it itself; switchboard records it and sends nothing more.
var (
	optOutWords = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true}
	optInWords  = map[string]bool{"START": true, "UNSTOP": true, "YES": true}
	helpWords   = map[string]bool{"HELP": true, "INFO": true}
)

// carrierKeyword handles STOP, START and HELP on SMS. It reports whether
// the text was one.
func (t *turn) carrierKeyword(ctx context.Context, ev Event) (bool, error) {
	if t.ident.Channel != ChannelSMS || ev.Kind != KindText {
		return false, nil
	}
	word := strings.ToUpper(strings.TrimSpace(ev.Text))
	switch {
	case optOutWords[word]:
		t.ident.OptedOut = true
		if err := t.tx.SetOptedOut(ctx, t.ident.ID, true); err != nil {
			return true, err
		}
		_, err := t.tx.SkipCustomerSurveys(ctx, t.cust.ID, ChannelSMS, storage.SkipOptedOut)
		return true, err
	case optInWords[word]:
		t.ident.OptedOut = false
		if err := t.tx.SetOptedOut(ctx, t.ident.ID, false); err != nil {
			return true, err
		}
		return true, t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextSMSOptIn)})
	case helpWords[word]:
		return true, t.reply(ctx, storage.AuthorBot, nil, Reply{Text: t.text(TextSMSHelp)})
	}
	return false, nil
}
