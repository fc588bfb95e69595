package app

import (
	"net/http"
	"time"
)

// Limits on what one client may hold of the server. A request's headers
// must arrive within HeaderTimeout and its body within BodyTimeout, so a
// client sending slowly cannot keep a connection and a goroutine for ever;
// a keep-alive connection left idle for IdleTimeout is closed. The event
// stream is a GET without a body: after its headers nothing is read from
// it, so no deadline cuts it.
const (
	HeaderTimeout  = 10 * time.Second
	BodyTimeout    = 30 * time.Second
	IdleTimeout    = 90 * time.Second
	MaxHeaderBytes = 64 << 10
)

// newServer is the HTTP server for h with the limits above.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           withBodyDeadline(h, BodyTimeout),
		ReadHeaderTimeout: HeaderTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// withBodyDeadline gives a request that has a body until d from now to
// send all of it: a read past that fails, the handler answers what it
// answers to a body cut short, and the connection is closed. The server
// sets the next request's own deadline when it reads its headers.
func withBodyDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			// An error means the connection cannot take deadlines
			// (HTTP/2 streams have the server's own): nothing to do.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		}
		h.ServeHTTP(w, r)
	})
}
