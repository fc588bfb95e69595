package outbox

import (
	"slices"
	"testing"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage"
)

// A chat's last item stays settled once its outcome is written, so a reply
// written while it was still pending in the table can take a leased slot;
// an outcome that could not be written leaves the item unsettled, to be
// sent again.
func TestSettledKeepsAChatsLastWrittenItem(t *testing.T) {
	for _, tc := range []struct {
		name    string
		written bool
		want    []uint64
	}{
		{"outcome written", true, []uint64{2}},
		{"outcome not written", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New(nil, Config{}, events.NewBroker(), nil)
			first := storage.OutboxItem{ID: 1, ChatKey: "telegram:1"}
			second := storage.OutboxItem{ID: 2, ChatKey: "telegram:1"}
			other := storage.OutboxItem{ID: 3, ChatKey: "telegram:2"}
			for _, it := range []storage.OutboxItem{first, second, other} {
				d.markUnrecorded(it)
			}
			if got := d.settled("telegram:1"); len(got) != 2 || !slices.Contains(got, 1) || !slices.Contains(got, 2) {
				t.Fatalf("before the write: settled %v, want items 1 and 2", got)
			}
			d.forgetRecorded([]storage.OutboxResult{{ID: 1, Sent: true}, {ID: 2, Sent: true}, {ID: 3, Sent: true}}, tc.written)
			if got := d.settled("telegram:1"); !slices.Equal(got, tc.want) {
				t.Fatalf("after the write: settled %v, want %v (the chat's last item only when written)", got, tc.want)
			}
		})
	}
}
