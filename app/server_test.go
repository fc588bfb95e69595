package app

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestBodyDeadlineCutsSlowBodiesNotStreams: with a deadline of 300 ms, a
// POST whose body trickles is cut, while a GET answered by a stream
// flowing for a second is not.
func TestBodyDeadlineCutsSlowBodiesNotStreams(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			if _, err := io.ReadAll(r.Body); err != nil {
				http.Error(w, "body cut: "+err.Error(), http.StatusRequestTimeout)
				return
			}
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 10 {
			_, _ = io.WriteString(w, "data: "+strings.Repeat("x", i)+"\n\n")
			_ = http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done(): // the connection was cut
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	srv := httptest.NewUnstartedServer(withBodyDeadline(h, 300*time.Millisecond))
	srv.Start()
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
	go func() {
		for range 20 {
			time.Sleep(100 * time.Millisecond)
			if _, err := io.WriteString(conn, "c"); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Its last byte comes after 2 s: only a deadline answers 408.
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("slow body: %d, want it cut (408)", resp.StatusCode)
	}

	resp, err = http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || strings.Count(string(body), "data: ") != 10 {
		t.Fatalf("stream: %d events, %v; want all 10 over a second", strings.Count(string(body), "data: "), err)
	}
}
