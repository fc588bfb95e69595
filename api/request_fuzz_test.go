package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/media"
)

// bodyTargets are the request bodies the handlers decode, with the fields
// each strict one names (as its handler passes them).
var bodyTargets = []struct {
	name     string
	new      func() any
	accepted string
}{
	{"login", func() any { return &loginRequest{} }, ""},
	{"book callback", func() any { return &bookCallbackRequest{} }, `"customer_id", "phone", "due_at", "notes"`},
	{"update callback", func() any { return &updateCallbackRequest{} }, `"notes"`},
	{"canned", func() any { return &cannedRequest{} }, ""},
	{"reply", func() any { return &replyRequest{} }, ""},
	{"merge", func() any { return &mergeRequest{} }, `"from"`},
	{"erase", func() any { return &eraseRequest{} }, `"confirm"`},
	{"update customer", func() any { return &updateCustomerRequest{} }, `"time_zone", "proactive_opt_out", "name", "phone"`},
	{"close follow-up", func() any { return &closeFollowUpRequest{} }, `"decision"`},
	{"label", func() any { return &labelRequest{} }, `"label"`},
	{"note", func() any { return &noteRequest{} }, ""},
	{"create operator", func() any { return &createOperatorRequest{} }, ""},
	{"update operator", func() any { return &updateOperatorRequest{} }, ""},
	{"change password", func() any { return &changePasswordRequest{} }, ""},
	{"reset password", func() any { return &resetPasswordRequest{} }, ""},
	{"presence", func() any { return &presenceRequest{} }, ""},
	{"read", func() any { return &readRequest{} }, ""},
	{"transfer", func() any { return &transferRequest{} }, ""},
}

// requestStatus is the status err answers with: 0 when it is no
// *requestError.
func requestStatus(err error) int {
	var re *requestError
	if !errors.As(err, &re) || re.msg == "" {
		return 0
	}
	return re.status
}

// FuzzDecodeJSON feeds any body to every request type the handlers decode,
// through limitBody's cap: it is read as one JSON value, or refused with
// 400 (413 past MaxBodyBytes) and words saying why; never a panic, never
// another error.
func FuzzDecodeJSON(f *testing.F) {
	for i, s := range []string{
		`{"email":"ann@example.com","password":"correct horse"}`,
		`{"customer_id":7,"phone":"+447700900123","due_at":"2026-12-08T10:00:00Z","notes":"after 10"}`,
		`{"notes":null}`, `{"shortcut":"/hi","title":"Hi","text":"Hello {name}"}`, `{"text":"Привет 👋"}`,
		`{"from":18446744073709551616}`, `{"confirm":"ERASE","extra":1}`, `{"time_zone":"Europe/Berlin","proactive_opt_out":true}`,
		`{"decision":"refund"}`, `{"label":"complaint"}`, `{"text":"note"} {"text":"again"}`,
		`{"email":"x","role":"supervisor","capacity":-1}`, `{"active":"yes"}`, `{"current_password":1}`, `"password"`,
		`{"presence":"away"`, `{"message_id":1e3}`, `{"operator_id":3}`, ``, `null`, `[{}]`,
	} {
		f.Add(uint8(i), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		target := bodyTargets[int(which)%len(bodyTargets)]
		e := echo.New()
		req := httptest.NewRequest(http.MethodPost, Prefix+"/fuzz", bytes.NewReader(body))
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		c := e.NewContext(req, httptest.NewRecorder())
		err := limitBody(func(c echo.Context) error { return decodeStrictJSON(c, target.new(), target.accepted) })(c)
		if err == nil {
			if !json.Valid(body) {
				t.Fatalf("%s took %q, which is not one JSON value", target.name, body)
			}
			return
		}
		switch status := requestStatus(err); {
		case status == http.StatusBadRequest:
		case status == http.StatusRequestEntityTooLarge && len(body) > MaxBodyBytes:
		default:
			t.Fatalf("%s refused %q with %d %v", target.name, body, status, err)
		}
	})
}

// multipartBody is a form with a file part and a caption, as the console
// sends it.
func multipartBody(f *testing.F, file, name, caption string) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if name != "" {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			f.Fatal(err)
		}
		fw.Write([]byte(file))
	}
	if caption != "" {
		if err := w.WriteField("caption", caption); err != nil {
			f.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

// FuzzReadUpload feeds any Content-Type and body to the reader of
// POST /conversations/:id/attachments: it gives a file that is not empty
// and not over media.MaxUploadBytes, with a caption within
// maxCaptionBytes, or refuses with 400 or 413.
func FuzzReadUpload(f *testing.F) {
	for _, c := range []struct{ file, name, caption string }{
		{"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "here it is"},
		{"%PDF-1.7\n", "../../etc/invoice.pdf", ""},
		{"", "empty.txt", "nothing"},
		{"", "", "a caption without a file"},
		{"hello", "C:\\Users\\ann\\notes.txt", strings.Repeat("я", 100)},
	} {
		ct, body := multipartBody(f, c.file, c.name, c.caption)
		f.Add(ct, body)
	}
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc\r\n--X\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--X--\r\n"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E2%82%AC.txt\r\n\r\nabc\r\n--X"))
	f.Add("multipart/form-data", []byte("--\r\n"))
	f.Add("application/json", []byte(`{"file":"x"}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, Prefix+attachmentsPath, bytes.NewReader(body))
		req.Header.Set(echo.HeaderContentType, contentType)
		up, err := readUpload(req)
		if err != nil {
			if s := requestStatus(err); s != http.StatusBadRequest && s != http.StatusRequestEntityTooLarge {
				t.Fatalf("refused with %d %v", s, err)
			}
			return
		}
		if len(up.Data) == 0 || len(up.Data) > media.MaxUploadBytes || len(up.Caption) > maxCaptionBytes {
			t.Fatalf("took a file of %d bytes, a caption of %d", len(up.Data), len(up.Caption))
		}
	})
}
