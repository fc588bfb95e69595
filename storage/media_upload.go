package storage

import (
	"context"
	"fmt"
	"time"
)

// UploadedFile is the FileID of a file an operator sent: its bytes are
// kept with the message (MediaFile, state MediaReady) from the start, so
// there is nothing to fetch from a channel.
const UploadedFile = "upload"

// StoreUploadedFile keeps the bytes of the file an operator sent with
// message id, ready to serve and to deliver.
func (s *Storage) StoreUploadedFile(ctx context.Context, messageID uint64, contentType string, data []byte, at time.Time) error {
	f := MediaFile{MessageID: messageID, State: MediaReady, ContentType: contentType, Size: int64(len(data)),
		Data: data, ClaimedUntil: at, FetchedAt: &at}
	if err := s.q(ctx).Create(&f).Error; err != nil {
		return fmt.Errorf("store uploaded file of message %d (%d bytes): %w", messageID, len(data), err)
	}
	return nil
}
