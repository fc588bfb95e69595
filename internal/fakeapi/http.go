package fakeapi

import (
	"net/http"
	"net/url"
)

// DropConnection closes the connection under w without an answer, as a
// network failure would. It panics with http.ErrAbortHandler, which the
// server treats as an aborted request, when the connection cannot be taken.
func DropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// CloneValues returns a deep copy of v, so a recorded request's parameters
// cannot be changed through what a fake hands its callers.
func CloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for key, values := range v {
		out[key] = append([]string(nil), values...)
	}
	return out
}
