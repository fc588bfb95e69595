// Package fakeapi holds what the fakes of outside HTTP APIs
// (internal/faketelegram, internal/faketwilio) have in common: waking
// waiters when a fake's state changes, a queue of scripted failures, and
// the small HTTP and recording chores both do the same way. It knows
// nothing of Telegram or Twilio.
package fakeapi
