package ssetest_test

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/ssetest"
)

func TestReadSplitsFramesAndSkipsComments(t *testing.T) {
	stream := ": connected\nretry: 3000\n\n" +
		"id: 7\nevent: message.created\ndata: {\"id\":7,\"data\":{\"text\":\"hi\"}}\n\n" +
		": ping\n\n" +
		"event: reload\ndata: {\"type\":\"reload\"}\n\n"
	out := make(chan ssetest.Frame, 8)
	ssetest.Read(strings.NewReader(stream), out)
	var got []ssetest.Frame
	for f := range out {
		got = append(got, f)
	}
	if len(got) != 2 {
		t.Fatalf("got %d frames, want 2: %+v", len(got), got)
	}
	if got[0].ID != "7" || got[0].Event != "message.created" || got[0].Text() != "hi" {
		t.Errorf("first frame = %+v (text %q)", got[0], got[0].Text())
	}
	if got[1].ID != "" || got[1].Event != "reload" {
		t.Errorf("second frame = %+v", got[1])
	}
}
