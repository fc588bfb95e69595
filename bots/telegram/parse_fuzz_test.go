package telegram

import (
	"strconv"
	"testing"

	"github.com/switchboardhq/switchboard/dialog"
)

// updateSeeds are webhook bodies shaped like Telegram's Bot API documents
// them: a text, a command with a payload, a photo, a document, a shared
// contact, a location, a button, a block and a group message.
var updateSeeds = []string{
	`{"update_id":100,"message":{"message_id":1,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob","last_name":"Stone","username":"bobs","language_code":"pt-br"},"chat":{"id":77,"type":"private"},"text":"hello"}}`,
	`{"update_id":101,"message":{"message_id":2,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob"},"chat":{"id":77,"type":"private"},"text":"/start ad-7","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`,
	`{"update_id":102,"message":{"message_id":3,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob"},"chat":{"id":77,"type":"private"},"text":"/Menu@switchboard_bot","entities":[{"offset":0,"length":21,"type":"bot_command"}]}}`,
	`{"update_id":103,"message":{"message_id":4,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob"},"chat":{"id":77,"type":"private"},"caption":"receipt","photo":[{"file_id":"small","file_unique_id":"a","width":90,"height":90,"file_size":1200},{"file_id":"big","file_unique_id":"b","width":2000,"height":2000,"file_size":31457280}]}}`,
	`{"update_id":104,"message":{"message_id":5,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob"},"chat":{"id":77,"type":"private"},"document":{"file_id":"doc","file_unique_id":"d","file_name":"invoice.pdf","mime_type":"application/pdf","file_size":52000}}}`,
	`{"update_id":105,"message":{"message_id":6,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob"},"chat":{"id":77,"type":"private"},"contact":{"phone_number":"447700900123","first_name":"Bob","user_id":77}}}`,
	`{"update_id":106,"message":{"message_id":7,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob"},"chat":{"id":77,"type":"private"},"location":{"latitude":51.5074,"longitude":-0.1278}}}`,
	`{"update_id":107,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":77,"is_bot":false,"first_name":"Bob"},"message":{"message_id":8,"date":1700000000,"chat":{"id":77,"type":"private"},"text":"Menu"},"chat_instance":"-1","data":"menu:billing"}}`,
	`{"update_id":108,"my_chat_member":{"chat":{"id":77,"type":"private"},"from":{"id":77,"is_bot":false,"first_name":"Bob"},"date":1700000000,"old_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"sb"},"status":"member"},"new_chat_member":{"user":{"id":1,"is_bot":true,"first_name":"sb"},"status":"kicked"}}}`,
	`{"update_id":109,"message":{"message_id":9,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob"},"chat":{"id":-100,"type":"group"},"text":"hi all"}}`,
	`{"update_id":110,"message":{"message_id":10,"date":1700000000,"from":{"id":77,"is_bot":false,"first_name":"Bob"},"chat":{"id":77,"type":"private"},"sticker":{"file_id":"st","file_unique_id":"s","width":512,"height":512,"is_animated":true,"is_video":false,"emoji":"👍","thumbnail":{"file_id":"thumb","file_unique_id":"t","width":128,"height":128}}}}`,
	`{"update_id":0}`,
	`[]`,
	``,
}

// FuzzParseUpdate feeds webhook bodies through decodeUpdate and Parse, as
// the webhook and the poller do. Neither may panic; a body decodeUpdate
// refuses is an error, and an event Parse accepts keeps the update's id
// and names its sender as a Telegram contact.
func FuzzParseUpdate(f *testing.F) {
	for _, s := range updateSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := decodeUpdate(body)
		if err != nil {
			return
		}
		if u.UpdateID <= 0 {
			t.Fatalf("accepted update_id %d", u.UpdateID)
		}
		p := Parse(u)
		if !p.OK {
			return
		}
		ev := p.Event
		if ev.ExternalID != strconv.Itoa(u.UpdateID) {
			t.Errorf("event id %q, update_id %d", ev.ExternalID, u.UpdateID)
		}
		if ev.From.Channel != dialog.ChannelTelegram || ev.From.ExternalID == "" || ev.From.Address == "" {
			t.Errorf("sender %+v is not a Telegram contact", ev.From)
		}
		if ev.Kind == "" {
			t.Errorf("event of update %d has no kind", u.UpdateID)
		}
		if ev.Kind == dialog.KindCommand && ev.Command == "" {
			t.Errorf("command event without a command: %+v", ev)
		}
	})
}
