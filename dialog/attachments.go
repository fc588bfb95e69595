package dialog

import (
	"context"
	"strconv"

	"github.com/switchboardhq/switchboard/storage"
)

// storeMoreMedia stores ev's further attachments after its first message,
// one media message each. Their external ids are the event's with the
// attachment's place ("SM…/2"): unique, so a redelivery, already refused
// on the first message, could not store them twice either.
func (t *turn) storeMoreMedia(ctx context.Context, ev Event) error {
	if ev.Kind != KindMedia {
		return nil
	}
	for i, md := range ev.MoreMedia {
		m := &storage.Message{
			ConversationID: t.conv.ID, Author: storage.AuthorCustomer, Kind: md.Kind, FileID: md.FileID,
			FileName: md.FileName, MediaType: md.ContentType, MediaSize: md.Size, Channel: t.ident.Channel,
			CreatedAt: t.now,
		}
		if ev.ExternalID == "" {
			m.Direction = storage.Inbound
			if err := t.tx.InsertMessage(ctx, m); err != nil {
				return err
			}
		} else {
			m.ExternalID = clip(ev.ExternalID+"/"+strconv.Itoa(i+2), maxExternalLen)
			inserted, err := t.tx.InsertInbound(ctx, m)
			if err != nil {
				return err
			}
			if !inserted {
				return errDuplicate
			}
		}
		t.emitMessage(m)
	}
	return nil
}
