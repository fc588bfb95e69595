package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// States of a MediaFile.
const (
	// MediaFetching: a process claimed the fetch until ClaimedUntil.
	MediaFetching = "fetching"
	// MediaReady: Data holds the file.
	MediaReady = "ready"
	// MediaFailed: the last fetch failed (Error says why); it is tried
	// again once ClaimedUntil has passed.
	MediaFailed = "failed"
	// MediaTooLarge: the file is larger than the channel lets us fetch;
	// it is never tried again.
	MediaTooLarge = "too_large"
)

// MediaFile is the fetched copy of a message's file, kept in the database
// so that every process serves it and the channel is asked once. Its key
// is the message's id.
type MediaFile struct {
	MessageID   uint64 `gorm:"primaryKey;autoIncrement:false"`
	State       string `gorm:"size:16;not null"`
	ContentType string `gorm:"size:128;not null;default:''"`
	Size        int64  `gorm:"not null;default:0"`
	Data        []byte
	Error       string `gorm:"size:512;not null;default:''"`
	// ClaimedUntil ends a fetch's claim, or a failure's wait before the
	// next try.
	ClaimedUntil time.Time `gorm:"not null"`
	FetchedAt    *time.Time
}

// Message returns the message with id.
func (s *Storage) Message(ctx context.Context, id uint64) (Message, error) {
	var m Message
	err := s.q(ctx).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("load message %d: %w", id, err)
	}
	return m, nil
}

// MediaFile returns the fetched file of message id, or ErrNotFound when no
// fetch was ever claimed.
func (s *Storage) MediaFile(ctx context.Context, messageID uint64) (MediaFile, error) {
	var f MediaFile
	err := s.q(ctx).Where("message_id = ?", messageID).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return f, fmt.Errorf("media file of message %d: %w", messageID, ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("load media file of message %d: %w", messageID, err)
	}
	return f, nil
}

// ClaimMediaFetch claims the fetch of message id's file until until: it
// reports true when no process has the file or a live claim on it (a
// failure whose wait has passed counts as no claim), so that one process
// at a time asks the channel.
func (s *Storage) ClaimMediaFetch(ctx context.Context, messageID uint64, now, until time.Time) (bool, error) {
	res := s.q(ctx).Exec(`INSERT INTO media_files (message_id, state, content_type, size, error, claimed_until)
		VALUES (?, ?, '', 0, '', ?)
		ON CONFLICT (message_id) DO UPDATE SET state = excluded.state, claimed_until = excluded.claimed_until
		WHERE media_files.state IN (?, ?) AND media_files.claimed_until < ?`,
		messageID, MediaFetching, until, MediaFetching, MediaFailed, now)
	if res.Error != nil {
		return false, fmt.Errorf("claim fetch of media %d: %w", messageID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SaveMediaFile stores the fetched file of message id.
func (s *Storage) SaveMediaFile(ctx context.Context, messageID uint64, contentType string, data []byte, at time.Time) error {
	err := s.q(ctx).Model(&MediaFile{}).Where("message_id = ?", messageID).Updates(map[string]any{
		"state": MediaReady, "content_type": contentType, "size": int64(len(data)), "data": data,
		"error": "", "fetched_at": at,
	}).Error
	if err != nil {
		return fmt.Errorf("save media %d (%d bytes): %w", messageID, len(data), err)
	}
	return nil
}

// FailMediaFetch records why message id's file could not be fetched: state
// is MediaFailed (tried again after retryAt) or MediaTooLarge (never).
func (s *Storage) FailMediaFetch(ctx context.Context, messageID uint64, state, reason string, retryAt time.Time) error {
	if len(reason) > 512 {
		reason = strings.ToValidUTF8(reason[:512], "")
	}
	err := s.q(ctx).Model(&MediaFile{}).Where("message_id = ?", messageID).Updates(map[string]any{
		"state": state, "error": reason, "claimed_until": retryAt,
	}).Error
	if err != nil {
		return fmt.Errorf("record failed fetch of media %d: %w", messageID, err)
	}
	return nil
}
