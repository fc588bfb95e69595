package app_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// TestMediaViewTimes measures GET /api/v1/media/{id} of a 5 MB photo: the
// first view (getFile, the download from the fake Telegram, the copy into
// the database) and a cached view (from the database). Figures for
// BENCHMARKS.md; it runs with SWITCHBOARD_MEDIA_TIMES=1.
func TestMediaViewTimes(t *testing.T) {
	if os.Getenv("SWITCHBOARD_MEDIA_TIMES") == "" {
		t.Skip("set SWITCHBOARD_MEDIA_TIMES=1 to measure media views")
	}
	h := start(t)
	token := h.login(adminEmail, adminPassword)
	pic := make([]byte, 5<<20)
	_, _ = rand.Read(pic)
	const photos = 10
	var first, cached []time.Duration
	ann := faketelegram.User{ID: 601, FirstName: "Ann"}
	var last uint64
	for i := range photos {
		id := 9000 + i
		h.tg.PutFile(fmt.Sprintf("photo-%d-x", id), pic)
		h.send(faketelegram.PhotoUpdate(id, ann, ""))
		m := h.customerMessage(token, "photo", last)
		last = m.ID
		for round := range 6 {
			began := time.Now()
			got := h.get(m.MediaURL, token)
			took := time.Since(began)
			if got.status != http.StatusOK || !bytes.Equal(got.body, pic) {
				t.Fatalf("GET %s: %d", m.MediaURL, got.status)
			}
			if round == 0 {
				first = append(first, took)
			} else {
				cached = append(cached, took)
			}
		}
	}
	t.Logf("5 MB photo on %s: first view median %v (max %v), cached view median %v (max %v)",
		h.app.Store.Dialect(), median(first), slicesMax(first), median(cached), slicesMax(cached))
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2].Round(100 * time.Microsecond)
}

func slicesMax(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m.Round(100 * time.Microsecond)
}
