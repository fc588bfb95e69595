package faketwilio

import (
	"net/http"
	"strings"
)

// storedMedia is an inbound MMS attachment the fake serves.
type storedMedia struct {
	contentType string
	data        []byte
	fetches     int
}

// PutMedia stores data as an attachment of an inbound MMS and returns it
// as the webhook names it: a MediaUrl under the account's Messages, which
// the fake serves only with the account's Basic auth, as Twilio does with
// HTTP authentication on media enabled.
func (s *Server) PutMedia(contentType string, data []byte) Media {
	path := "/" + APIVersion + "/Accounts/" + s.cfg.AccountSID + "/Messages/" + newSid("MM") + "/Media/" + newSid("ME")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.media == nil {
		s.media = map[string]*storedMedia{}
	}
	s.media[path] = &storedMedia{contentType: contentType, data: append([]byte(nil), data...)}
	return Media{URL: s.http.URL + path, ContentType: contentType}
}

// MediaFetches counts the authenticated downloads of the attachment at
// url (as PutMedia gave it).
func (s *Server) MediaFetches(url string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.media[strings.TrimPrefix(url, s.http.URL)]; ok {
		return m.fetches
	}
	return 0
}

// serveMedia answers a GET of a stored attachment: 401 without the
// account's credentials. It reports false for any other request.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request, authenticated bool) bool {
	if r.Method != http.MethodGet {
		return false
	}
	s.mu.Lock()
	m, ok := s.media[r.URL.Path]
	if ok && authenticated {
		m.fetches++
	}
	s.mu.Unlock()
	switch {
	case !ok:
		return false
	case !authenticated:
		e := newAPIError(http.StatusUnauthorized, 20003, "Authenticate")
		writeJSON(w, e.Status, e)
	default:
		w.Header().Set("Content-Type", m.contentType)
		_, _ = w.Write(m.data)
	}
	return true
}
