package faketelegram

import "strings"

// labelPrefix starts the path of a call made through EndpointAs.
const labelPrefix = "/as/"

// EndpointAs is Endpoint for one bot instance among several: its calls
// are recorded with label as their Client (in Polls, for instance) rather
// than the connection's address, which changes whenever the instance opens
// a new connection.
func (s *Server) EndpointAs(label string) string {
	return s.http.URL + labelPrefix + label + "/bot%s/%s"
}

// cutLabel splits /as/<label>/<rest> into label and /<rest>.
func cutLabel(path string) (label, rest string, ok bool) {
	after, ok := strings.CutPrefix(path, labelPrefix)
	if !ok {
		return "", path, false
	}
	label, rest, ok = strings.Cut(after, "/")
	if !ok || label == "" {
		return "", path, false
	}
	return label, "/" + rest, true
}
