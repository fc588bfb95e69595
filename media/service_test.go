package media_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// storePhoto stores a customer's Telegram photo message and returns it.
func storePhoto(t *testing.T, s *storage.Storage, fileID string, size int64) storage.Message {
	t.Helper()
	m := &storage.Message{ConversationID: 1, Direction: storage.Inbound, Author: storage.AuthorCustomer, Kind: "photo",
		FileID: fileID, MediaType: "image/jpeg", MediaSize: size, Channel: "telegram"}
	if err := s.InsertMessage(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	return *m
}

// TestTwoProcessesFetchAFileOnce opens the same photo from two services on
// two connections to one database, as two processes would, many times at
// once: Telegram is asked once, and every viewer gets the bytes.
func TestTwoProcessesFetchAFileOnce(t *testing.T) {
	tg := faketelegram.NewWithConfig(faketelegram.Config{Latency: 100 * time.Millisecond})
	t.Cleanup(tg.Close)
	url := storagetest.URL(t)
	stores := []*storage.Storage{storagetest.OpenURL(t, url), storagetest.OpenURL(t, url)}
	pic := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, 1000)
	tg.PutFile("photo-big", pic)
	m := storePhoto(t, stores[0], "photo-big", int64(len(pic)))
	cfg := media.Config{Fetchers: map[string]media.Fetcher{"telegram": media.Telegram{Token: faketelegram.Token, Endpoint: tg.Endpoint()}},
		Poll: 20 * time.Millisecond}
	services := []*media.Service{media.NewService(stores[0], cfg), media.NewService(stores[1], cfg)}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			f, err := services[i%2].Open(t.Context(), m.ID)
			switch {
			case err != nil:
				errs <- err
			case !bytes.Equal(f.Data, pic) || f.ContentType != "image/jpeg" || !strings.HasPrefix(f.Disposition, "inline"):
				errs <- errors.New("wrong file: " + f.ContentType + " " + f.Disposition)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := tg.Downloads("photo-big"); n != 1 {
		t.Errorf("Telegram was asked for the file %d times, want once", n)
	}
}

// TestFailedFetchIsTriedAgainLater: a fetch that failed is not retried by
// every view at once, but is once RetryAfter has passed.
func TestFailedFetchIsTriedAgainLater(t *testing.T) {
	tg := faketelegram.New()
	t.Cleanup(tg.Close)
	s := storagetest.Open(t)
	m := storePhoto(t, s, "photo-late", 10)
	tel := media.Telegram{Token: faketelegram.Token, Endpoint: "http://127.0.0.1:1/bot%s/%s"}
	cfg := media.Config{Fetchers: map[string]media.Fetcher{"telegram": tel}, RetryAfter: 300 * time.Millisecond}
	var fe *media.FetchError
	if _, err := media.NewService(s, cfg).Open(t.Context(), m.ID); !errors.As(err, &fe) || strings.Contains(err.Error(), faketelegram.Token) {
		t.Fatalf("Open with Telegram unreachable: %v, want a FetchError without the token", err)
	}
	tel.Endpoint = tg.Endpoint()
	cfg.Fetchers["telegram"] = tel
	svc := media.NewService(s, cfg)
	if _, err := svc.Open(t.Context(), m.ID); !errors.As(err, &fe) {
		t.Fatalf("Open at once after a failure: %v, want the failure again", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	for {
		if _, err := svc.Open(ctx, m.ID); err == nil {
			break
		} else if ctx.Err() != nil {
			t.Fatalf("never fetched after the wait: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if tg.Downloads("photo-late") != 1 {
		t.Errorf("downloads %d, want 1", tg.Downloads("photo-late"))
	}
}
