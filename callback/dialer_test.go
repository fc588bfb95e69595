package callback_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/bots/twilio"
	"github.com/switchboardhq/switchboard/callback"
	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

const (
	publicURL = "https://support.example.com"
	fromPhone = "+15005550006"
	customer  = "+14155552671"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable test clock, at 13:00 in the customer's California and
// inside the default business hours (always open).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, time.March, 10, 20, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// world is one database, a dialog engine and a fake Twilio reached through
// the real Twilio adapter's placer.
type world struct {
	t        *testing.T
	store    *storage.Storage
	engine   *dialog.Engine
	fake     *faketwilio.Server
	placer   callback.Placer
	clock    *clock
	settings config.Settings
	phones   atomic.Int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	store := storagetest.Open(t)
	fake := faketwilio.New()
	t.Cleanup(fake.Close)
	w := &world{t: t, store: store, fake: fake, clock: newClock(), settings: config.DefaultSettings()}
	var err error
	w.engine, err = dialog.New(store, dialog.Options{Settings: w.settings, Clock: w.clock.Now, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	adapter := twilio.New(twilio.Config{AccountSID: fake.AccountSID(), AuthToken: fake.AuthToken(), PhoneNumber: fromPhone,
		APIBaseURL: fake.URL(), PublicURL: publicURL}, nil, discard)
	w.placer = adapter.CallPlacer()
	return w
}

func (w *world) dialer(owner string) *callback.Dialer {
	w.t.Helper()
	slots, err := w.settings.SlotPolicy()
	if err != nil {
		w.t.Fatal(err)
	}
	return callback.NewDialer(w.store, w.engine, w.placer, callback.DialerConfig{Owner: owner, PublicURL: publicURL,
		From: fromPhone, Retry: w.settings.Callbacks.RetryPolicy(), Slots: slots, MachineDetection: w.settings.Callbacks.MachineDetection,
		Clock: w.clock.Now, Logger: discard})
}

// operator adds an active operator, online with a phone unless changed by
// edit, and returns them.
func (w *world) operator(edit func(*storage.Operator)) storage.Operator {
	w.t.Helper()
	n := w.phones.Add(1)
	op := storage.Operator{Email: fmt.Sprintf("op%d@example.com", n), Name: fmt.Sprintf("Op %d", n), PasswordHash: "x",
		Role: storage.RoleOperator, Active: true, Capacity: 5, Presence: storage.PresenceOnline,
		Phone: fmt.Sprintf("+4477009%05d", n)}
	if edit != nil {
		edit(&op)
	}
	if err := w.store.CreateOperator(w.t.Context(), &op); err != nil {
		w.t.Fatal(err)
	}
	return op
}

// booking is a callback asked for by SMS from number, booked for as soon
// as possible, with the conversation it was asked in.
func (w *world) booking(number string) storage.Callback {
	w.t.Helper()
	return w.bookAt(number, time.Time{})
}

func (w *world) get(id uint64) storage.Callback {
	w.t.Helper()
	cb, err := w.store.GetCallback(w.t.Context(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return cb
}

func runOnce(t *testing.T, d *callback.Dialer) {
	t.Helper()
	if err := d.RunOnce(t.Context()); err != nil {
		t.Fatalf("dialer round: %v", err)
	}
}

// callbackOf is the callback id in a call's connect URL.
func callbackOf(t *testing.T, c faketwilio.Call) string {
	t.Helper()
	u, err := url.Parse(c.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("callback")
}

func TestDueCallbackCallsTheFreeOperatorFirst(t *testing.T) {
	w := newWorld(t)
	op := w.operator(nil)
	cb := w.booking(customer)
	runOnce(t, w.dialer("a"))

	calls := w.fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("fake got %d calls, want 1", len(calls))
	}
	c := calls[0]
	wantURL := fmt.Sprintf("%s%s?callback=%d", publicURL, callback.ConnectPath, cb.ID)
	if c.To != op.Phone || c.From != fromPhone || c.URL != wantURL || c.StatusCallback != publicURL+"/webhooks/twilio/status" {
		t.Errorf("call To=%s From=%s Url=%s StatusCallback=%s; want the operator %s from %s, Url %s",
			c.To, c.From, c.URL, c.StatusCallback, op.Phone, fromPhone, wantURL)
	}
	if got := strings.Join(c.StatusCallbackEvent, " "); got != "initiated ringing answered completed" {
		t.Errorf("StatusCallbackEvent = %q", got)
	}
	got := w.get(cb.ID)
	if got.State != policy.Dialing || got.CallSid != c.Sid || got.OperatorID == nil || *got.OperatorID != op.ID ||
		got.Attempts != 1 || got.LeaseOwner != "a" {
		t.Errorf("callback after the call: state %s sid %q operator %v attempts %d owner %q", got.State, got.CallSid, got.OperatorID, got.Attempts, got.LeaseOwner)
	}

	// The operator is busy with it now: another due callback waits.
	other := w.booking("+14155552672")
	runOnce(t, w.dialer("a"))
	if n := len(w.fake.Calls()); n != 1 {
		t.Errorf("a busy operator got another call: %d calls", n)
	}
	if st := w.get(other.ID).State; st != policy.Scheduled {
		t.Errorf("the second callback is %s, want scheduled", st)
	}
}

func TestNoFreeOperatorNoCall(t *testing.T) {
	cases := []struct {
		name  string
		setup func(w *world)
	}{
		{"nobody", func(*world) {}},
		{"offline", func(w *world) { w.operator(func(o *storage.Operator) { o.Presence = storage.PresenceOffline }) }},
		{"away", func(w *world) { w.operator(func(o *storage.Operator) { o.Presence = storage.PresenceAway }) }},
		{"no phone", func(w *world) { w.operator(func(o *storage.Operator) { o.Phone = "" }) }},
		{"inactive", func(w *world) {
			op := w.operator(nil)
			inactive := false
			if _, err := w.store.UpdateOperator(w.t.Context(), op.ID, storage.OperatorChanges{Active: &inactive}); err != nil {
				w.t.Fatal(err)
			}
		}},
		{"at capacity", func(w *world) {
			op := w.operator(func(o *storage.Operator) { o.Capacity = 1 })
			conv := w.booking("+14155550100").ConversationID
			if _, err := w.engine.Claim(w.t.Context(), *conv, op); err != nil {
				w.t.Fatal(err)
			}
			// That booking was the operator's own conversation; take it
			// out of the queue so only the callback under test is due.
			cbs, _ := w.store.ListCallbacks(w.t.Context(), storage.CallbackFilter{State: policy.Scheduled})
			for _, cb := range cbs {
				if _, err := w.store.CancelCallback(w.t.Context(), cb.ID, w.clock.Now()); err != nil {
					w.t.Fatal(err)
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tc.setup(w)
			cb := w.booking(customer)
			runOnce(t, w.dialer("a"))
			if n := len(w.fake.Calls()); n != 0 {
				t.Errorf("fake got %d calls with no free operator", n)
			}
			if st := w.get(cb.ID).State; st != policy.Scheduled {
				t.Errorf("callback is %s, want scheduled", st)
			}
		})
	}
}

func TestCallNotPlacedIsTriedAgainSoonWithoutCountingAnAttempt(t *testing.T) {
	w := newWorld(t)
	w.operator(nil)
	cb := w.booking(customer)
	w.fake.FailServerError(faketwilio.KindCalls, 1)
	runOnce(t, w.dialer("a"))

	got := w.get(cb.ID)
	want := w.clock.Now().Add(callback.DefaultRedialAfter)
	if got.State != policy.Scheduled || got.Attempts != 0 || !got.NextAttemptAt.Equal(want) || got.LastError == "" {
		t.Errorf("after a 500: state %s attempts %d next %s (want %s) error %q", got.State, got.Attempts, got.NextAttemptAt, want, got.LastError)
	}
	w.clock.Add(callback.DefaultRedialAfter)
	runOnce(t, w.dialer("a"))
	if calls := w.fake.Calls(); len(calls) != 1 {
		t.Fatalf("fake accepted %d calls after the retry, want 1", len(calls))
	}
	if got := w.get(cb.ID); got.State != policy.Dialing || got.Attempts != 1 {
		t.Errorf("after the retry: state %s attempts %d", got.State, got.Attempts)
	}
}

// dialled books a callback for customer, dials it with an operator, and
// returns it with its call.
func (w *world) dialled(d *callback.Dialer) (storage.Callback, faketwilio.Call) {
	w.t.Helper()
	cb := w.booking(customer)
	before := len(w.fake.Calls())
	runOnce(w.t, d)
	calls := w.fake.Calls()
	if len(calls) != before+1 {
		w.t.Fatalf("fake got %d calls, want %d", len(calls), before+1)
	}
	return w.get(cb.ID), calls[len(calls)-1]
}

func TestConnectDialsTheCustomerOnceTheOperatorAnswered(t *testing.T) {
	w := newWorld(t)
	w.operator(nil)
	d := w.dialer("a")
	cb, call := w.dialled(d)
	conn, err := d.ConnectCallback(t.Context(), cb.ID, call.Sid)
	if err != nil {
		t.Fatal(err)
	}
	if !conn.Live || conn.Callback.Phone != customer || conn.Customer != "Ann" || conn.CallerID != fromPhone ||
		conn.Ticket != storage.FormatTicket(*cb.ConversationID) {
		t.Errorf("connect = %+v", conn)
	}
	if st := w.get(cb.ID).CallStatus; st != policy.CallInProgress {
		t.Errorf("call status after connect = %q, want in-progress", st)
	}
	// A stale call (not the callback's own) is not connected.
	if conn, err := d.ConnectCallback(t.Context(), cb.ID, faketwilio.NewCallSid()); err != nil || conn.Live {
		t.Errorf("stale call connect = %+v, %v", conn, err)
	}
	// Cancelled while the operator's phone rang: not connected.
	if _, err := w.engine.CancelCallback(t.Context(), cb.ID); err != nil {
		t.Fatal(err)
	}
	if conn, err := d.ConnectCallback(t.Context(), cb.ID, call.Sid); err != nil || conn.Live || conn.Callback.State != policy.Cancelled {
		t.Errorf("connect after cancel = %+v, %v", conn, err)
	}
}

func TestBusyCustomerIsRetriedAfterTheFirstWait(t *testing.T) {
	w := newWorld(t)
	w.operator(nil)
	d := w.dialer("a")
	cb, call := w.dialled(d)
	got, err := d.FinishDial(t.Context(), cb.ID, call.Sid, policy.CallBusy, "")
	if err != nil {
		t.Fatal(err)
	}
	want := w.clock.Now().Add(w.settings.Callbacks.RetryAfter[0])
	if got.State != policy.Scheduled || !got.NextAttemptAt.Equal(want) || got.Attempts != 1 {
		t.Errorf("after busy: state %s next %s (want %s) attempts %d", got.State, got.NextAttemptAt, want, got.Attempts)
	}
	// Twilio posts the same result again: nothing changes.
	again, err := d.FinishDial(t.Context(), cb.ID, call.Sid, policy.CallBusy, "")
	if err != nil || again.State != policy.Scheduled || !again.NextAttemptAt.Equal(want) || again.Attempts != 1 {
		t.Errorf("repeated result: %+v, %v", again, err)
	}
	// Not due before its time; due at it.
	w.clock.Add(w.settings.Callbacks.RetryAfter[0] - time.Second)
	runOnce(t, d)
	if n := len(w.fake.Calls()); n != 1 {
		t.Errorf("redialled before the retry time: %d calls", n)
	}
	w.clock.Add(time.Second)
	runOnce(t, d)
	if n := len(w.fake.Calls()); n != 2 {
		t.Errorf("not redialled at the retry time: %d calls", n)
	}
}

func TestRetryIsMovedOutOfQuietHours(t *testing.T) {
	w := newWorld(t)
	w.operator(nil)
	// 20:58 in London: five minutes on is quiet (21:00-09:00) there.
	w.clock.now = time.Date(2026, time.March, 10, 20, 58, 0, 0, time.UTC)
	d := w.dialer("a")
	cb := w.booking("+447911123456")
	runOnce(t, d)
	call := w.fake.Calls()[0]
	got, err := d.FinishDial(t.Context(), cb.ID, call.Sid, policy.CallNoAnswer, "")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, time.March, 11, 9, 0, 0, 0, time.UTC)
	if got.State != policy.Scheduled || !got.NextAttemptAt.Equal(want) {
		t.Errorf("after no-answer at 20:58: state %s next %s, want %s", got.State, got.NextAttemptAt, want)
	}
}

func TestLastFailedAttemptFailsAndTellsTheCustomer(t *testing.T) {
	w := newWorld(t)
	w.operator(nil)
	d := w.dialer("a")
	cb := w.booking(customer)
	for attempt := 1; attempt <= w.settings.Callbacks.MaxAttempts; attempt++ {
		runOnce(t, d)
		calls := w.fake.Calls()
		if len(calls) != attempt {
			t.Fatalf("attempt %d: fake has %d calls", attempt, len(calls))
		}
		status := []string{policy.CallBusy, policy.CallNoAnswer, policy.CallFailed}[attempt-1]
		got, err := d.FinishDial(t.Context(), cb.ID, calls[attempt-1].Sid, status, "")
		if err != nil {
			t.Fatal(err)
		}
		if attempt < w.settings.Callbacks.MaxAttempts {
			if got.State != policy.Scheduled {
				t.Fatalf("attempt %d: %s, want scheduled", attempt, got.State)
			}
			w.clock.Add(got.NextAttemptAt.Sub(w.clock.Now()))
			continue
		}
		if got.State != policy.Failed || got.Outcome != policy.CallFailed {
			t.Fatalf("last attempt: state %s outcome %s", got.State, got.Outcome)
		}
	}
	// Told once, through the SMS conversation they asked in, however often
	// Twilio repeats the result.
	if _, err := d.FinishDial(t.Context(), cb.ID, w.fake.Calls()[2].Sid, policy.CallFailed, ""); err != nil {
		t.Fatal(err)
	}
	msgs, err := w.store.ListMessages(t.Context(), *cb.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, m := range msgs {
		if strings.Contains(m.Text, "could not reach you") {
			told++
			if !strings.Contains(m.Text, customer) || !strings.Contains(m.Text, "Reply CALL to book another call") || m.Channel != dialog.ChannelSMS {
				t.Errorf("the customer was told %q on %s", m.Text, m.Channel)
			}
		}
	}
	if told != 1 {
		t.Errorf("customer told %d times, want once", told)
	}
	items, err := w.store.ListOutbox(t.Context(), *cb.ConversationID)
	if err != nil || len(items) == 0 || items[len(items)-1].Address != customer {
		t.Errorf("no outbox item to %s: %+v, %v", customer, items, err)
	}
	runOnce(t, d)
	if n := len(w.fake.Calls()); n != w.settings.Callbacks.MaxAttempts {
		t.Errorf("a failed callback was dialled again: %d calls", n)
	}
}

func TestOperatorNotAnsweringReturnsTheCallbackWithoutCountingAnAttempt(t *testing.T) {
	for _, status := range []string{policy.CallBusy, policy.CallNoAnswer, policy.CallFailed, policy.CallCanceled} {
		t.Run(status, func(t *testing.T) {
			w := newWorld(t)
			w.operator(nil)
			d := w.dialer("a")
			cb, call := w.dialled(d)
			for _, st := range []string{policy.CallRinging, status, status, policy.CallRinging} { // repeated, out of order
				if found, _, err := d.RecordOperatorCall(t.Context(), call.Sid, st); err != nil || !found {
					t.Fatalf("status %s: found %v, %v", st, found, err)
				}
			}
			got := w.get(cb.ID)
			if got.State != policy.Scheduled || got.Attempts != 0 || !got.NextAttemptAt.Equal(w.clock.Now()) {
				t.Errorf("after the operator's %s: state %s attempts %d next %s", status, got.State, got.Attempts, got.NextAttemptAt)
			}
			if found, _, err := d.RecordOperatorCall(t.Context(), faketwilio.NewCallSid(), status); err != nil || found {
				t.Errorf("a call that is no callback's: found %v, %v", found, err)
			}
		})
	}
}

func TestTwoDialersNeverCallOneCallbackTwice(t *testing.T) {
	w := newWorld(t)
	const operators, callbacks = 3, 5
	for range operators {
		w.operator(nil)
	}
	for i := range callbacks {
		w.booking(fmt.Sprintf("+1415555%04d", 3000+i))
	}
	dialers := []*callback.Dialer{w.dialer("a"), w.dialer("b")}
	var wg sync.WaitGroup
	for _, d := range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if err := d.RunOnce(context.Background()); err != nil {
					t.Errorf("dialer %s: %v", d.Owner(), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	calls := w.fake.Calls()
	if len(calls) != operators {
		t.Fatalf("fake got %d calls, want one per operator (%d)", len(calls), operators)
	}
	seenCallback, seenOperator := map[string]bool{}, map[string]bool{}
	for _, c := range calls {
		if id := callbackOf(t, c); seenCallback[id] {
			t.Errorf("callback %s called twice", id)
		} else {
			seenCallback[id] = true
		}
		if seenOperator[c.To] {
			t.Errorf("operator %s called twice", c.To)
		}
		seenOperator[c.To] = true
	}
	dialing, err := w.store.ListCallbacks(t.Context(), storage.CallbackFilter{State: policy.Dialing})
	if err != nil || len(dialing) != operators {
		t.Errorf("%d callbacks dialing (%v), want %d", len(dialing), err, operators)
	}
}

func TestRestartReconcilesFromTheCallsStatus(t *testing.T) {
	cases := []struct {
		name      string
		status    string // the call's status at Twilio after the crash; "" for no call recorded
		wantState policy.State
		wantCalls int // calls in all after the new dialer's round
	}{
		{"completed is done, without a new call", policy.CallCompleted, policy.Completed, 1},
		{"still talking is left alone", policy.CallInProgress, policy.Dialing, 1},
		{"still ringing is left alone", policy.CallRinging, policy.Dialing, 1},
		{"operator never answered is dialled again", policy.CallNoAnswer, policy.Dialing, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.operator(nil)
			cb, call := w.dialled(w.dialer("killed"))
			w.fake.SetCallStatus(call.Sid, tc.status)

			// A new process starts once the lease ran out.
			w.clock.Add(callback.DefaultLease + time.Second)
			restarted := w.dialer("restarted")
			runOnce(t, restarted)
			got := w.get(cb.ID)
			if got.State != tc.wantState {
				t.Errorf("after reconciling a %s call: %s, want %s", tc.status, got.State, tc.wantState)
			}
			if n := len(w.fake.Calls()); n != tc.wantCalls {
				t.Errorf("fake has %d calls, want %d", n, tc.wantCalls)
			}
			if tc.wantState == policy.Dialing && got.LeaseOwner != "restarted" {
				t.Errorf("lease is %q's, want the restarted dialer's", got.LeaseOwner)
			}
			// Another round changes nothing more.
			runOnce(t, restarted)
			if n := len(w.fake.Calls()); n != tc.wantCalls {
				t.Errorf("a second round placed calls: %d", n)
			}
		})
	}
}

func TestRestartRedialsACallbackWhoseCallWasNeverRecorded(t *testing.T) {
	w := newWorld(t)
	w.operator(nil)
	cb := w.booking(customer)
	// A dialer claims it and dies before placing the call.
	if _, err := w.store.ClaimDueCallbacks(t.Context(), w.clock.Now(), "killed", callback.DefaultLease, 1); err != nil {
		t.Fatal(err)
	}
	w.clock.Add(callback.DefaultLease + time.Second)
	d := w.dialer("restarted")
	runOnce(t, d)
	if n := len(w.fake.Calls()); n != 1 {
		t.Fatalf("fake has %d calls, want 1", n)
	}
	if got := w.get(cb.ID); got.State != policy.Dialing || got.Attempts != 1 || got.LeaseOwner != "restarted" {
		t.Errorf("after reconciling: state %s attempts %d owner %q", got.State, got.Attempts, got.LeaseOwner)
	}
}

func TestTwoReconcilersTakeAnExpiredCallbackOnce(t *testing.T) {
	w := newWorld(t)
	w.operator(nil)
	cb, _ := w.dialled(w.dialer("killed"))
	w.clock.Add(callback.DefaultLease + time.Second)
	now := w.clock.Now()
	var took atomic.Int32
	var wg sync.WaitGroup
	for _, owner := range []string{"a", "b", "c"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := w.store.TakeExpiredDialing(context.Background(), cb.ID, owner, now, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				took.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := took.Load(); n != 1 {
		t.Errorf("%d reconcilers took the callback, want 1", n)
	}
}
