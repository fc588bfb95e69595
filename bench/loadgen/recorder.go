package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// recorder stands in front of the fake Telegram: every Bot API call goes
// through it to the fake, which answers as usual, and each message the fake
// accepts is handed to whoever waits for a reply in that chat. The fake
// keeps no callback of its own, so this is how the load generator learns,
// to the microsecond, when a reply was delivered.
type recorder struct {
	fake   *faketelegram.Server
	base   string // the fake's URL
	client *http.Client
	srv    *http.Server
	ln     net.Listener

	mu      sync.Mutex
	waiters map[int64]chan reply

	// resetMu lets the periodic Reset of the fake count its messages
	// without a send slipping in between counting and forgetting.
	resetMu    sync.RWMutex
	fakeSent   atomic.Int64 // messages the fake accepted, counted at each Reset
	replies    atomic.Int64 // messages seen accepted on the way back
	unexpected atomic.Int64 // replies nobody was waiting for
	calls      atomic.Int64
}

// reply is a message the fake accepted.
type reply struct {
	at        time.Time
	messageID int
}

func newRecorder(fake *faketelegram.Server) (*recorder, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the recorder: %w", err)
	}
	r := &recorder{
		fake: fake, base: fake.URL(), ln: ln, waiters: map[int64]chan reply{},
		client: &http.Client{Transport: &http.Transport{
			MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute, DisableCompression: true,
		}},
	}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// URL is the recorder's base address, to use as the Bot API root.
func (r *recorder) URL() string { return "http://" + r.ln.Addr().String() }

// Endpoint is the address format go-telegram-bot-api takes.
func (r *recorder) Endpoint() string { return r.URL() + "/bot%s/%s" }

func (r *recorder) Close() {
	_ = r.srv.Close()
	r.resetFake()
	r.fake.Close()
}

// expect registers a wait for the next message to chatID; call it before
// posting the update that causes the message.
func (r *recorder) expect(chatID int64) chan reply {
	c := make(chan reply, 1)
	r.mu.Lock()
	r.waiters[chatID] = c
	r.mu.Unlock()
	return c
}

// forget drops a wait registered with expect.
func (r *recorder) forget(chatID int64, c chan reply) {
	r.mu.Lock()
	if r.waiters[chatID] == c {
		delete(r.waiters, chatID)
	}
	r.mu.Unlock()
}

func (r *recorder) delivered(chatID int64, rep reply) {
	r.replies.Add(1)
	r.mu.Lock()
	c, ok := r.waiters[chatID]
	if ok {
		delete(r.waiters, chatID)
	}
	r.mu.Unlock()
	if !ok {
		r.unexpected.Add(1)
		return
	}
	c <- rep
}

// resetFake counts the fake's messages and forgets them, so a long run does
// not grow the fake's records without bound.
func (r *recorder) resetFake() {
	r.resetMu.Lock()
	defer r.resetMu.Unlock()
	r.fakeSent.Add(int64(len(r.fake.SentMessages())))
	r.fake.Reset()
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.calls.Add(1)
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), req.Method, r.base+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if ct := req.Header.Get("Content-Type"); ct != "" {
		out.Header.Set("Content-Type", ct)
	}
	r.resetMu.RLock()
	resp, err := r.client.Do(out)
	var answer []byte
	if err == nil {
		answer, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
	}
	at := time.Now()
	r.resetMu.RUnlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode == http.StatusOK && strings.EqualFold(methodOf(req.URL.Path), "sendMessage") {
		if chatID, ok := chatIDOf(req, body); ok {
			r.delivered(chatID, reply{at: at, messageID: messageIDOf(answer)})
		}
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(answer)
}

// methodOf is the Bot API method in /bot<token>/<method>.
func methodOf(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// chatIDOf reads chat_id from the query, a form or a JSON body — the
// encodings go-telegram-bot-api (form) and grammY (JSON) use.
func chatIDOf(req *http.Request, body []byte) (int64, bool) {
	raw := req.URL.Query().Get("chat_id")
	if raw == "" {
		mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
		switch mt {
		case "application/json":
			var p struct {
				ChatID json.RawMessage `json:"chat_id"`
			}
			if json.Unmarshal(body, &p) == nil {
				raw = strings.Trim(string(p.ChatID), `"`)
			}
		default:
			if v, err := url.ParseQuery(string(body)); err == nil {
				raw = v.Get("chat_id")
			}
		}
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	return id, err == nil
}

func messageIDOf(answer []byte) int {
	var a struct {
		Result struct {
			MessageID int `json:"message_id"`
		} `json:"result"`
	}
	_ = json.Unmarshal(answer, &a)
	return a.Result.MessageID
}
