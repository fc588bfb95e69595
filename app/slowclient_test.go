package app_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/internal/faketelegram"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// slowBody opens a connection to addr and starts a webhook POST whose
// 1,000-byte body it sends a byte every two seconds; it returns when the
// server has closed the connection, with how long that took, or an error
// after limit.
func slowBody(addr string, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	head := "POST /webhooks/telegram HTTP/1.1\r\nHost: switchboard\r\nContent-Type: application/json\r\n" +
		"Content-Length: 1000\r\n" + faketelegram.SecretTokenHeader + ": " + secret + "\r\n\r\n{"
	if _, err := conn.Write([]byte(head)); err != nil {
		return 0, err
	}
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		buf := make([]byte, 512)
		_ = conn.SetReadDeadline(start.Add(limit))
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}()
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			if took := time.Since(start); took < limit {
				return took, nil
			}
			return 0, fmt.Errorf("still open after %v", limit)
		case <-tick.C:
			// A write to a connection the server closed may still
			// succeed once; the reader sees the close.
			_, _ = conn.Write([]byte(" "))
		}
	}
}

// TestSlowBodiesAreCutAndWebhooksStillAnswered: a thousand connections
// that send a webhook's body a byte every two seconds do not hold the
// server. Meanwhile ordinary webhooks are answered, and every slow one is
// closed once its body has had app.BodyTimeout to arrive.
func TestSlowBodiesAreCutAndWebhooksStillAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 30 s body deadline")
	}
	if os.Getenv(storagetest.EnvDatabaseURL) != "" {
		t.Skip("about the HTTP server, not the database: run once, on SQLite")
	}
	if raceEnabled {
		t.Skip("a thousand connections for 30 s under the race detector say nothing more")
	}
	h := start(t)
	addr := h.app.Addr()
	const slow = 1000
	limit := app.BodyTimeout + 15*time.Second
	var wg sync.WaitGroup
	took := make([]time.Duration, slow)
	errs := make(chan error, slow)
	for i := range slow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := slowBody(addr, limit)
			took[i] = d
			if err != nil {
				errs <- fmt.Errorf("slow connection %d: %w", i, err)
			}
		}()
	}
	// While they trickle, ordinary customers write.
	time.Sleep(2 * time.Second)
	var lat []time.Duration
	for i := range 200 {
		user := faketelegram.User{ID: int64(70000 + i), FirstName: "Quick", LanguageCode: "en"}
		begin := time.Now()
		if code, body := h.postUpdate(faketelegram.CommandUpdate(80000+i, user, "start", ""), secret); code != http.StatusOK {
			t.Fatalf("webhook %d answered %d while slow bodies trickled: %s", i, code, body)
		}
		lat = append(lat, time.Since(begin))
		time.Sleep(50 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	slices.Sort(lat)
	slices.Sort(took)
	t.Logf("webhooks beside %d slow bodies: p50 %v, p99 %v, max %v", slow, lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1])
	t.Logf("slow connections closed after %v (first) to %v (last)", took[0].Round(time.Millisecond), took[slow-1].Round(time.Millisecond))
	if took[0] < app.BodyTimeout-time.Second {
		t.Errorf("a slow connection was closed after %v, before its body's %v were up", took[0], app.BodyTimeout)
	}
}
