package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

// recorder watches the fake Telegram: each message the fake accepts is
// handed, through the fake's OnSent hook and to the microsecond, to whoever
// waits for a reply in that chat. Servers under test talk to the fake
// directly, so no proxy adds its own HTTP hop to the machine's load.
type recorder struct {
	fake *faketelegram.Server

	mu      sync.Mutex
	waiters map[int64]chan reply

	fakeSent   atomic.Int64 // messages the fake accepted, counted at each Reset
	replies    atomic.Int64 // messages seen accepted
	unexpected atomic.Int64 // replies nobody was waiting for
}

// reply is a message the fake accepted.
type reply struct {
	at        time.Time
	messageID int
}

func newRecorder(fake *faketelegram.Server) *recorder {
	r := &recorder{fake: fake, waiters: map[int64]chan reply{}}
	fake.OnSent(func(m faketelegram.SentMessage) {
		if m.Method == "sendMessage" {
			r.delivered(m.ChatID, reply{at: m.At, messageID: m.MessageID})
		}
	})
	return r
}

// URL is the fake's base address, to use as the Bot API root.
func (r *recorder) URL() string { return r.fake.URL() }

// Endpoint is the address format go-telegram-bot-api takes.
func (r *recorder) Endpoint() string { return r.URL() + "/bot%s/%s" }

func (r *recorder) Close() {
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
// not grow the fake's records without bound. A message accepted between
// the count and the reset is not counted.
func (r *recorder) resetFake() {
	r.fakeSent.Add(int64(len(r.fake.SentMessages())))
	r.fake.Reset()
}
