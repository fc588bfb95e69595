package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/storage"
)

// pngBytes is a small real PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadForm is a multipart body with a "file" part (none when name is
// "-") and a caption part (none when caption is "-").
func uploadForm(t *testing.T, name string, data []byte, caption string) (body []byte, contentType string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if name != "-" {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if caption != "-" {
		if err := w.WriteField("caption", caption); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

// upload posts a multipart body to the conversation's attachments.
func (s *server) upload(t *testing.T, convID uint64, token string, body []byte, contentType string) (int, []byte) {
	t.Helper()
	res, raw := s.sendWith(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/attachments", convID), string(body), func(r *http.Request) {
		r.Header.Set("Content-Type", contentType)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	})
	return res.StatusCode, raw
}

type attachmentJSON struct {
	ID        uint64 `json:"id"`
	Kind      string `json:"kind"`
	Author    string `json:"author"`
	Text      string `json:"text"`
	FileName  string `json:"file_name"`
	MediaURL  string `json:"media_url"`
	MediaType string `json:"media_type"`
	MediaSize int64  `json:"media_size"`
	Delivery  string `json:"delivery_state"`
}

func TestOperatorSendsAPhotoWithItsCaption(t *testing.T) {
	s := newServer(t)
	ann, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Can you show me?")
	img := pngBytes(t)
	body, ct := uploadForm(t, "<b>plan</b>\t.png", img, "  Here it is \x00 ")
	status, raw := s.upload(t, id, token, body, ct)
	if status != http.StatusCreated {
		t.Fatalf("upload = %d %s, want 201", status, raw)
	}
	var m attachmentJSON
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Kind != "photo" || m.Author != storage.AuthorOperator || m.Text != "Here it is" || m.FileName != "<b>plan</b>.png" ||
		m.MediaType != "image/png" || m.MediaSize != int64(len(img)) || m.MediaURL != fmt.Sprintf("/api/v1/media/%d", m.ID) ||
		m.Delivery != storage.DeliveryPending {
		t.Fatalf("sent file = %+v", m)
	}

	// The operator's own file is served like a customer's.
	res, got := s.sendWith(t, http.MethodGet, m.MediaURL, "", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
	if res.StatusCode != http.StatusOK || !bytes.Equal(got, img) || res.Header.Get("Content-Type") != "image/png" ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("GET %s = %d %q (%d bytes), want the PNG", m.MediaURL, res.StatusCode, res.Header.Get("Content-Type"), len(got))
	}

	// It is queued like a reply, pointing at its stored file, and the
	// conversation is Ann's now.
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, "", http.StatusOK, &conv)
	if conv.Status != storage.StateOpen || conv.OperatorID == nil || *conv.OperatorID != ann.ID {
		t.Fatalf("conversation after the upload: %+v", conv)
	}
	r := outboxReplyOf(t, s.store, m.ID)
	if a := r.Attachment; a == nil || a.MessageID != m.ID || a.Kind != "photo" || a.ContentType != "image/png" ||
		a.FileName != "<b>plan</b>.png" || a.Size != int64(len(img)) || r.Text != "Here it is" {
		t.Fatalf("outbox payload = %+v (attachment %+v)", r, r.Attachment)
	}
}

// outboxReplyOf decodes the outbox payload of message id.
func outboxReplyOf(t *testing.T, store *storage.Storage, id uint64) dialog.Reply {
	t.Helper()
	var rows []struct{ Payload string }
	if err := store.Select(t.Context(), &rows, "SELECT payload FROM outbox WHERE message_id = ?", id); err != nil || len(rows) != 1 {
		t.Fatalf("outbox items of message %d: %+v, %v", id, rows, err)
	}
	var r dialog.Reply
	if err := json.Unmarshal([]byte(rows[0].Payload), &r); err != nil {
		t.Fatalf("payload %q: %v", rows[0].Payload, err)
	}
	return r
}

func TestOperatorSendsADocument(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "Send the invoice")
	pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	body, ct := uploadForm(t, "invoice.pdf", pdf, "-")
	status, raw := s.upload(t, id, token, body, ct)
	var m attachmentJSON
	if status != http.StatusCreated || json.Unmarshal(raw, &m) != nil || m.Kind != "document" || m.MediaType != "application/pdf" ||
		m.Text != "" || m.FileName != "invoice.pdf" {
		t.Fatalf("upload = %d %s, want a 201 document", status, raw)
	}
	res, got := s.sendWith(t, http.MethodGet, m.MediaURL, "", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
	if !bytes.Equal(got, pdf) || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("GET %s = %q, disposition %q; want the PDF as a download", m.MediaURL, got, res.Header.Get("Content-Disposition"))
	}
}

func TestUploadsRefusedWithAReason(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello")
	img := pngBytes(t)
	form := func(name string, data []byte, caption string) func() ([]byte, string) {
		return func() ([]byte, string) { return uploadForm(t, name, data, caption) }
	}
	tests := []struct {
		name   string
		body   func() ([]byte, string)
		status int
		want   string
	}{
		{"no file part", form("-", nil, "look"), http.StatusBadRequest, `no part named "file"`},
		{"empty file", form("a.png", nil, "-"), http.StatusBadRequest, "empty"},
		{"HTML page", form("page.html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "-"), http.StatusBadRequest, "cannot be sent"},
		{"HTML called a PDF", form("page.pdf", []byte("<html><script>alert(1)</script></html>"), "-"), http.StatusBadRequest, "does not match"},
		{"executable", form("tool.zip", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), "-"), http.StatusBadRequest, "does not match"},
		{"caption too long", form("a.png", img, strings.Repeat("x", dialog.MaxReplyLength+1)), http.StatusBadRequest, "caption is longer"},
		{"not multipart", func() ([]byte, string) { return img, "image/png" }, http.StatusBadRequest, "multipart/form-data"},
		{"file over the cap", form("big.pdf", append([]byte("%PDF-1.4\n"), make([]byte, media.MaxUploadBytes)...), "-"),
			http.StatusRequestEntityTooLarge, "20 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := tt.body()
			status, raw := s.upload(t, id, token, body, ct)
			wantError(t, status, raw, tt.status, tt.want)
		})
	}
	var conv conversationJSON
	s.mustDo(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", id), token, "", http.StatusOK, &conv)
	for _, m := range conv.Messages {
		if m.Author == storage.AuthorOperator {
			t.Fatalf("a refused upload left message %+v", m)
		}
	}
}

// A body of unknown length (chunked) is cut off at the limit while it is
// read, not held whole first.
func TestHugeChunkedUploadIsCutOff(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello")
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	sent := make(chan int64, 1)
	go func() {
		var n int64
		defer func() { sent <- n }()
		fw, err := mw.CreateFormFile("file", "big.pdf")
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		chunk := make([]byte, 1<<20)
		copy(chunk, "%PDF-1.4\n")
		for i := 0; i < 200; i++ { // 200 MB if nobody stops it
			k, err := fw.Write(chunk)
			n += int64(k)
			if err != nil {
				return
			}
		}
		mw.Close()
		pw.Close()
	}()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, fmt.Sprintf("%s/api/v1/conversations/%d/attachments", s.url, id), pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	pr.CloseWithError(io.ErrClosedPipe)
	wantError(t, res.StatusCode, raw, http.StatusRequestEntityTooLarge, "20 MB")
	if n := <-sent; n >= 200<<20 {
		t.Fatalf("the server read all %d bytes before refusing", n)
	}
}

func TestUploadNeedsASession(t *testing.T) {
	s := newServer(t)
	id := s.waitingConversation(t, "hello")
	body, ct := uploadForm(t, "a.png", pngBytes(t), "-")
	status, raw := s.upload(t, id, "", body, ct)
	wantError(t, status, raw, http.StatusUnauthorized, "")
	status, raw = s.upload(t, id, "not-a-token", body, ct)
	wantError(t, status, raw, http.StatusUnauthorized, "")
}

// The message, its file and its outbox item are one transaction: when the
// outbox refuses the item, neither the message nor the file is left.
func TestUploadIsOneTransaction(t *testing.T) {
	s := newServer(t)
	_, token := s.addOperator(t, "ann@example.com", storage.RoleOperator)
	id := s.waitingConversation(t, "hello")
	var stmts []string
	switch s.store.Dialect() {
	case storage.SQLite:
		stmts = []string{`CREATE TRIGGER refuse_poison BEFORE INSERT ON outbox WHEN NEW.payload LIKE '%poison%'
			BEGIN SELECT RAISE(ABORT, 'outbox refused by test trigger'); END`}
	case storage.Postgres:
		stmts = []string{
			`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.payload LIKE '%poison%' THEN RAISE EXCEPTION 'outbox refused by test trigger'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER refuse_poison BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
		}
	}
	for _, stmt := range stmts {
		if err := s.store.Exec(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	body, ct := uploadForm(t, "a.png", pngBytes(t), "poison")
	status, raw := s.upload(t, id, token, body, ct)
	wantError(t, status, raw, http.StatusInternalServerError, "internal error")
	for _, q := range []string{
		"SELECT 1 FROM messages WHERE conversation_id = ? AND author = 'operator'",
		"SELECT 1 FROM media_files JOIN messages ON messages.id = media_files.message_id WHERE messages.conversation_id = ?",
	} {
		if left, err := s.store.Exists(t.Context(), q, id); err != nil || left {
			t.Fatalf("%s: %v, %v; want nothing left by the failed upload", q, left, err)
		}
	}

	body, ct = uploadForm(t, "a.png", pngBytes(t), "fine")
	status, raw = s.upload(t, id, token, body, ct)
	if status != http.StatusCreated {
		t.Fatalf("upload = %d %s", status, raw)
	}
	for _, q := range []string{
		"SELECT 1 FROM messages WHERE conversation_id = ? AND author = 'operator' AND kind = 'photo'",
		"SELECT 1 FROM media_files JOIN messages ON messages.id = media_files.message_id WHERE messages.conversation_id = ? AND media_files.state = 'ready'",
		"SELECT 1 FROM outbox WHERE conversation_id = ? AND payload LIKE '%fine%'",
	} {
		if ok, err := s.store.Exists(t.Context(), q, id); err != nil || !ok {
			t.Fatalf("%s: %v, %v; want the upload's row", q, ok, err)
		}
	}
}
