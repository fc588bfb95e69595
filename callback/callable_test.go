package callback_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

const (
	londoner  = "+447911123456"
	londoner2 = "+447911123457"
)

// TestCustomerIsNeverCalledInTheirQuietHours: at 23:00 in London an "as
// soon as possible" callback to a London number is not dialled: it is put
// off to 09:00 London time, with no attempt counted, while a Californian
// asked for later, at 15:00 on their clock, gets the free operator in the
// same round. In the morning the Londoners keep their order.
func TestCustomerIsNeverCalledInTheirQuietHours(t *testing.T) {
	w := newWorld(t)
	w.clock.now = time.Date(2026, time.March, 10, 23, 0, 0, 0, time.UTC)
	w.operator(nil)
	first := w.bookAt(londoner, time.Time{})
	w.clock.Add(time.Minute)
	second := w.bookAt(londoner2, time.Time{})
	w.clock.Add(time.Minute)
	californian := w.bookAt(customer, time.Time{})
	d := w.dialer("a")
	runOnce(t, d)

	calls := w.fake.Calls()
	if len(calls) != 1 || callbackOf(t, calls[0]) != itoa(californian.ID) {
		t.Fatalf("calls %+v; want one, for the Californian's callback %d", calls, californian.ID)
	}
	morning := time.Date(2026, time.March, 11, 9, 0, 0, 0, time.UTC)
	for _, cb := range []uint64{first.ID, second.ID} {
		got := w.get(cb)
		if got.State != policy.Scheduled || got.Attempts != 0 || !got.NextAttemptAt.Equal(morning) || got.LeaseOwner != "" {
			t.Errorf("callback %d at night: state %s attempts %d next %s owner %q; want scheduled for %s, no attempt",
				cb, got.State, got.Attempts, got.NextAttemptAt, got.LeaseOwner, morning)
		}
	}
	// Still night: another round calls nobody.
	if _, err := d.FinishDial(t.Context(), californian.ID, calls[0].Sid, policy.CallCompleted, ""); err != nil {
		t.Fatal(err)
	}
	w.clock.now = morning.Add(-time.Second)
	runOnce(t, d)
	if n := len(w.fake.Calls()); n != 1 {
		t.Fatalf("%d calls before 09:00 in London", n)
	}
	w.clock.now = morning
	runOnce(t, d)
	calls = w.fake.Calls()
	if len(calls) != 2 || callbackOf(t, calls[1]) != itoa(first.ID) {
		t.Fatalf("at 09:00 the calls are %+v; want the first Londoner's callback %d", calls, first.ID)
	}
	if got := w.get(first.ID); got.State != policy.Dialing || got.Attempts != 1 {
		t.Errorf("first Londoner at 09:00: state %s attempts %d", got.State, got.Attempts)
	}
}

// TestCustomerIsNeverCalledOutsideBusinessHours: with business hours
// 09:00-17:00 in London, a callback due at 20:00 UTC (13:00 for the
// Californian customer) waits for the next opening that is also outside
// the customer's quiet hours: 16:00 UTC, 09:00 in California.
func TestCustomerIsNeverCalledOutsideBusinessHours(t *testing.T) {
	w := newWorld(t)
	w.settingsFrom(`business_hours: {time_zone: Europe/London, weekly: {mon: "09:00-17:00", tue: "09:00-17:00", wed: "09:00-17:00", thu: "09:00-17:00", fri: "09:00-17:00"}}`)
	w.operator(nil)
	cb := w.bookAt(customer, time.Time{})
	d := w.dialer("a")
	runOnce(t, d)
	if n := len(w.fake.Calls()); n != 0 {
		t.Fatalf("%d calls after hours", n)
	}
	want := time.Date(2026, time.March, 11, 16, 0, 0, 0, time.UTC)
	if got := w.get(cb.ID); got.State != policy.Scheduled || !got.NextAttemptAt.Equal(want) || got.Attempts != 0 {
		t.Errorf("after hours: state %s next %s attempts %d; want scheduled for %s", got.State, got.NextAttemptAt, got.Attempts, want)
	}
	w.clock.now = want
	runOnce(t, d)
	if n := len(w.fake.Calls()); n != 1 {
		t.Errorf("%d calls at %s, want 1", n, want)
	}
}

// TestMachineDetectionIsAskedOfTheCustomersLeg: the connect step says
// whether to listen for an answering machine, as configured.
func TestMachineDetectionIsAskedOfTheCustomersLeg(t *testing.T) {
	for _, on := range []bool{false, true} {
		w := newWorld(t)
		w.settings.Callbacks.MachineDetection = on
		w.operator(nil)
		d := w.dialer("a")
		cb, call := w.dialled(d)
		conn, err := d.ConnectCallback(t.Context(), cb.ID, call.Sid)
		if err != nil {
			t.Fatal(err)
		}
		if !conn.Live || conn.MachineDetection != on {
			t.Errorf("machine_detection %v: connect live %v, machine detection %v", on, conn.Live, conn.MachineDetection)
		}
	}
}

// TestMachineAnsweringCountsAsNoAnswer: a dial a machine answered is tried
// again like one nobody answered, and is not the callback done.
func TestMachineAnsweringCountsAsNoAnswer(t *testing.T) {
	for _, answeredBy := range []string{"machine_start", "machine_end_beep", "fax"} {
		t.Run(answeredBy, func(t *testing.T) {
			w := newWorld(t)
			w.operator(nil)
			d := w.dialer("a")
			cb, call := w.dialled(d)
			got, err := d.FinishDial(t.Context(), cb.ID, call.Sid, policy.CallCompleted, answeredBy)
			if err != nil {
				t.Fatal(err)
			}
			want := w.clock.Now().Add(w.settings.Callbacks.RetryAfter[0])
			if got.State != policy.Scheduled || !got.NextAttemptAt.Equal(want) || got.Attempts != 1 {
				t.Errorf("after %s: state %s next %s attempts %d; want scheduled for %s", answeredBy, got.State, got.NextAttemptAt, got.Attempts, want)
			}
		})
	}
}

func itoa(id uint64) string { return strconv.FormatUint(id, 10) }
