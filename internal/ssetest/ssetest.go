// Package ssetest reads a Server-Sent Events stream as a console does, for
// tests that watch switchboard's GET /api/v1/events from outside.
package ssetest

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
)

// Frame is one event of the stream.
type Frame struct {
	// ID is the frame's id: line ("" for none, as in a reload).
	ID string
	// Event is the event type.
	Event string
	// Raw is the data: line as sent: the whole event as JSON.
	Raw string
}

// Data decodes the event's "data" member (the message, conversation or
// operator) as a map.
func (f Frame) Data() map[string]any {
	var ev struct {
		Data map[string]any `json:"data"`
	}
	_ = json.Unmarshal([]byte(f.Raw), &ev)
	return ev.Data
}

// Text is the data's "text" member, for message events.
func (f Frame) Text() string {
	s, _ := f.Data()["text"].(string)
	return s
}

// Read sends every frame of r to out until r ends, then closes out.
// Comments (pings) are skipped.
func Read(r io.Reader, out chan<- Frame) {
	defer close(out)
	var f Frame
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if f.Event != "" {
				out <- f
			}
			f = Frame{}
		case strings.HasPrefix(line, "id: "):
			f.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			f.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			f.Raw = strings.TrimPrefix(line, "data: ")
		}
	}
}
