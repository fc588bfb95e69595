package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"strconv"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/switchboardhq/switchboard/storage"
)

// Errors Open returns besides storage.ErrNotFound.
var (
	// ErrTooLarge: the file is larger than MaxBytes, so it is not fetched.
	ErrTooLarge = errors.New("the file is larger than the 20 MB a bot may download")
	// ErrNoFetcher: the message's channel is not configured here.
	ErrNoFetcher = errors.New("the file's channel is not configured, so the file cannot be fetched")
)

// FetchError is a fetch that failed; Reason is safe to show (it never
// holds a URL or a token).
type FetchError struct{ Reason string }

func (e *FetchError) Error() string { return "fetch the file from its channel: " + e.Reason }

// Fetcher downloads a message's file from its channel.
type Fetcher interface {
	// Fetch returns the file's bytes (at most MaxBytes, else ErrTooLarge)
	// and the type its download said. Its errors never carry a token.
	Fetch(ctx context.Context, m storage.Message) (data []byte, contentType string, err error)
}

// Config tunes a Service; zero values take the defaults.
type Config struct {
	// Fetchers by channel name (telegram, sms).
	Fetchers map[string]Fetcher
	// ClaimFor bounds one fetch: another process takes the fetch over
	// after it (default DefaultClaimFor).
	ClaimFor time.Duration
	// RetryAfter is how long a failed fetch waits before it is tried
	// again (default DefaultRetryAfter).
	RetryAfter time.Duration
	// Poll spaces looks at a fetch another process has claimed (default
	// 200 ms).
	Poll   time.Duration
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultClaimFor   = 2 * time.Minute
	DefaultRetryAfter = 30 * time.Second
)

// Service opens messages' files, fetching each once.
type Service struct {
	store *storage.Storage
	cfg   Config
	group singleflight.Group
}

// NewService returns a Service over store.
func NewService(store *storage.Storage, cfg Config) *Service {
	if cfg.ClaimFor <= 0 {
		cfg.ClaimFor = DefaultClaimFor
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{store: store, cfg: cfg}
}

// File is a message's file, ready to serve.
type File struct {
	ContentType string
	Data        []byte
	// Disposition is the Content-Disposition header: inline for images,
	// sounds and videos, attachment (with the file name) for the rest.
	Disposition string
}

// Open returns message id's file, fetching it from its channel on first
// use. A message without a file is storage.ErrNotFound.
func (s *Service) Open(ctx context.Context, id uint64) (File, error) {
	m, err := s.store.Message(ctx, id)
	if err != nil {
		return File{}, err
	}
	if !HasFile(m.Kind, m.FileID) {
		return File{}, fmt.Errorf("message %d has no file: %w", id, storage.ErrNotFound)
	}
	if TooLarge(m.MediaSize) {
		return File{}, ErrTooLarge
	}
	v, err, _ := s.group.Do(strconv.FormatUint(id, 10), func() (any, error) { return s.load(ctx, m) })
	if err != nil {
		return File{}, err
	}
	f := v.(storage.MediaFile)
	disp := "attachment"
	if Inline(m.Kind, f.ContentType) {
		disp = "inline"
	}
	if d := mime.FormatMediaType(disp, map[string]string{"filename": fileName(m.FileName, m.Kind, f.ContentType)}); d != "" {
		disp = d
	}
	return File{ContentType: f.ContentType, Data: f.Data, Disposition: disp}, nil
}

// load returns m's stored copy, fetching it when no process has: the
// database claim lets one process at a time ask the channel, and the
// others wait for its copy.
func (s *Service) load(ctx context.Context, m storage.Message) (storage.MediaFile, error) {
	for {
		f, err := s.store.MediaFile(ctx, m.ID)
		now := time.Now().UTC()
		switch {
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			return f, err
		case err != nil:
		case f.State == storage.MediaReady:
			return f, nil
		case f.State == storage.MediaTooLarge:
			return f, ErrTooLarge
		case f.State == storage.MediaFailed && f.ClaimedUntil.After(now):
			return f, &FetchError{Reason: f.Error}
		}
		claimed, err := s.store.ClaimMediaFetch(ctx, m.ID, now, now.Add(s.cfg.ClaimFor))
		if err != nil {
			return f, err
		}
		if claimed {
			return s.fetch(ctx, m)
		}
		select {
		case <-ctx.Done():
			return f, fmt.Errorf("wait for media %d fetched by another process: %w", m.ID, ctx.Err())
		case <-time.After(s.cfg.Poll):
		}
	}
}

// fetch asks m's channel for its file, which this process has claimed,
// and records what came of it. The fetch outlives a viewer who gives up,
// so the next one finds the copy.
func (s *Service) fetch(ctx context.Context, m storage.Message) (storage.MediaFile, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ClaimFor)
	defer cancel()
	fetcher := s.cfg.Fetchers[m.Channel]
	var data []byte
	var downloaded string
	err := ErrNoFetcher
	if fetcher != nil {
		data, downloaded, err = fetcher.Fetch(ctx, m)
	}
	now := time.Now().UTC()
	if err != nil {
		state, retry := storage.MediaFailed, now.Add(s.cfg.RetryAfter)
		if errors.Is(err, ErrTooLarge) {
			state = storage.MediaTooLarge
		}
		s.cfg.Logger.Warn("fetch media", "message_id", m.ID, "channel", m.Channel, "err", err)
		if ferr := s.store.FailMediaFetch(ctx, m.ID, state, err.Error(), retry); ferr != nil {
			return storage.MediaFile{}, ferr
		}
		if state == storage.MediaTooLarge {
			return storage.MediaFile{}, ErrTooLarge
		}
		return storage.MediaFile{}, &FetchError{Reason: err.Error()}
	}
	ct := contentTypeOf(m.MediaType, downloaded, data)
	if err := s.store.SaveMediaFile(ctx, m.ID, ct, data, now); err != nil {
		return storage.MediaFile{}, err
	}
	s.cfg.Logger.Debug("fetched media", "message_id", m.ID, "channel", m.Channel, "bytes", len(data))
	return storage.MediaFile{MessageID: m.ID, State: storage.MediaReady, ContentType: ct, Size: int64(len(data)), Data: data, FetchedAt: &now}, nil
}
