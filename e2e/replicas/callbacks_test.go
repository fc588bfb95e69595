package replicas_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/callback/policy"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

// TestCallbacksAreDialledOnceByThreeProcessesWhenOneDiesMidCall: thirty
// "as soon as possible" callbacks, six operators, three processes dialling
// through one Twilio. One process is SIGKILLed at the moment a call it
// placed exists at Twilio but is not yet recorded, while another of its
// calls has the customer on the line — and that call's result never
// reaches switchboard. What the dead dialer had recorded is finished by
// the others through Twilio's webhooks; what it had not stays under its
// lease, dialled by nobody; once the lease has run out the others
// reconcile it: the unrecorded call's callback is dialled afresh, the
// lost one is completed from the call's status at Twilio without calling
// the customer again. Every callback ends completed, each customer dialled
// once per attempt (twice for those busy the first time), attempts
// counting exactly the customer's legs.
func TestCallbacksAreDialledOnceByThreeProcessesWhenOneDiesMidCall(t *testing.T) {
	const (
		callbacks = 30
		operators = 6
	)
	fake := faketwilio.New()
	t.Cleanup(fake.Close)
	slow := delayCalls(t, fake, 500*time.Millisecond)
	settings := settingsFile(t, "quiet_hours: \"off\"\ncallbacks: {retry_after: [1s], max_attempts: 3}\n")
	procs, _ := cluster(t, 3, append(twilioEnv(slow.url, settings),
		"TELEGRAM_MAX_PER_SECOND=1000", "TELEGRAM_CHAT_INTERVAL=10ms")...)
	victim, desk := procs[0], procs[2]
	db := connect(t)
	boss := desk.login(adminEmail, adminPassword)

	// Every fourth customer is busy the first time they are called.
	phones := map[uint64]string{}
	busyFirst := map[string]bool{}
	customers := telegramCustomers(t, procs, db, 9000, callbacks)
	for i, cust := range customers {
		phone := fmt.Sprintf("+1415555%04d", 2700+i)
		busyFirst[phone] = i%4 == 0
		phones[bookCallback(t, procs[i%3], boss, cust, phone, time.Time{})] = phone
	}
	car := startCarrier(t, fake, procs, 100*time.Millisecond, 600*time.Millisecond, func(number string, n int) string {
		if n == 0 && busyFirst[number] {
			return policy.CallBusy
		}
		return policy.CallCompleted
	})
	callbackOperators(t, desk, boss, operators)

	owner := fmt.Sprintf("%%:%d:%%", victim.cmd.Process.Pid)
	ghost, ghostSid, lost := killMidCall(t, db, slow, car, victim, owner, callbacks/3)
	killed := time.Now()
	t.Logf("killed the victim a third of the way: its call for callback %d was placed but unrecorded; callback %d's result is lost",
		ghost, lost)

	// The others finish what the dead dialer had recorded; the rest waits
	// under its lease.
	waitRow(t, db, 30*time.Second, "every callback completed or left under the dead dialer's lease", `SELECT count(*) = 0 FROM callbacks
		WHERE state <> 'completed' AND NOT (state = 'dialing' AND lease_owner LIKE $1)`, owner)
	settled := time.Since(killed)
	stuck := leasedTo(t, db, owner)
	var stranded int
	if err := db.QueryRow(t.Context(), `SELECT count(*) FROM callbacks WHERE state = 'dialing' AND lease_owner LIKE $1
		AND operator_id IS NOT NULL`, owner).Scan(&stranded); err != nil {
		t.Fatal(err)
	}
	if sid, ok := stuck[ghost]; !ok || sid != "" {
		t.Errorf("callback %d, whose call the dead dialer never recorded, is not waiting under its lease without a call (%v, %q)", ghost, ok, sid)
	}
	if sid, ok := stuck[lost]; !ok || sid == "" {
		t.Errorf("callback %d, whose result was lost, is not waiting under the dead dialer's lease with its call (%v, %q)", lost, ok, sid)
	}

	// The lease runs out. A binary's lease is callback.DefaultLease, two
	// minutes, with no setting to shorten it: the dead dialer's leases are
	// aged instead, as if those minutes had passed.
	tag, err := db.Exec(t.Context(), `UPDATE callbacks SET locked_until = '2000-01-01' WHERE state = 'dialing' AND lease_owner LIKE $1`, owner)
	if err != nil {
		t.Fatal(err)
	}
	expired := time.Now()
	waitRow(t, db, 30*time.Second, "every callback completed", `SELECT count(*) = 0 FROM callbacks WHERE state <> 'completed'`)
	reconciled := time.Since(expired)
	waitFor(t, 10*time.Second, "the carrier's calls to end", func() bool { return !car.busy() })
	placed := len(fake.Calls())
	// A callback dialled again after it completed would show as a new
	// call within a dialer round or two.
	time.Sleep(2 * time.Second)
	if n := len(fake.Calls()); n != placed {
		t.Errorf("%d calls placed after every callback had completed", n-placed)
	}

	car.mu.Lock()
	defer car.mu.Unlock()
	for _, p := range car.problems {
		t.Error(p)
	}
	if id, ok := car.ghosts[ghostSid]; !ok || id != ghost {
		t.Errorf("the unrecorded call %s of callback %d was not told the callback no longer waits", ghostSid, ghost)
	}
	customerLegs, twice := checkCustomerLegs(t, db, car, phones, busyFirst)
	t.Logf("%d callbacks, %d operator calls placed, %d customer's legs (%d callbacks busy once, so dialled twice), "+
		"%d calls connected to nobody, %d hung up by their dialer, %d webhooks passed to another process",
		len(phones), placed, customerLegs, twice, len(car.ghosts), car.hungUpByDialer, car.retried)
	t.Logf("after the kill: the others finished the rest in %s, leaving %d under the dead lease (%s), %d of them holding an operator; "+
		"reconciled and completed %.1fs after it ran out (%d leases)",
		settled.Round(100*time.Millisecond), len(stuck), describeStuck(stuck), stranded, reconciled.Seconds(), tag.RowsAffected())
}

// killMidCall SIGKILLs victim (whose leases owner, a LIKE pattern, finds)
// once done callbacks are completed, at a moment when Twilio holds the
// answer to a call it placed (so the call exists but is not recorded) and
// one of its customers is on the line, whose result the carrier is told to
// lose. It returns the held call's callback and sid, and the lost one's
// callback.
func killMidCall(t *testing.T, db *pgx.Conn, slow *slowCalls, car *carrier, victim *process, owner string, done int) (uint64, string, uint64) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	victimHeld := 0
	for {
		select {
		case h := <-slow.held:
			if sid, ok := leasedTo(t, db, owner)[h.callback]; !ok || sid != "" || time.Since(h.at) > 100*time.Millisecond {
				continue // another's, or answered by now
			}
			var completed int
			if err := db.QueryRow(t.Context(), `SELECT count(*) FROM callbacks WHERE state = 'completed'`).Scan(&completed); err != nil {
				t.Fatal(err)
			}
			if completed < done {
				continue
			}
			victimHeld++
			// While Twilio holds the answer, look for a customer of the
			// victim's on the line.
			for time.Since(h.at) < 350*time.Millisecond {
				inCall := map[uint64]bool{}
				for id, sid := range leasedTo(t, db, owner) {
					inCall[id] = sid != ""
				}
				if lost, ok := car.loseOneOf(inCall); ok {
					victim.kill()
					return h.callback, h.sid, lost
				}
				time.Sleep(10 * time.Millisecond)
			}
		case <-deadline:
			t.Fatalf("in 30s the victim never had a call held at Twilio while one of its customers was on the line (%d of its calls held)", victimHeld)
		}
	}
}

// checkCustomerLegs checks that each callback's customer (phones, by
// callback) was dialled as scripted — once, or twice for those busyFirst
// — at their number, and that its attempts count exactly those legs; it
// returns how many legs there were and how many callbacks had two. The
// carrier's lock is held.
func checkCustomerLegs(t *testing.T, db *pgx.Conn, car *carrier, phones map[uint64]string, busyFirst map[string]bool) (int, int) {
	t.Helper()
	attempts := map[uint64]int{}
	rows, err := db.Query(t.Context(), `SELECT id, attempts FROM callbacks`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uint64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		attempts[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	legs, twice := 0, 0
	for id, phone := range phones {
		want := []string{policy.CallCompleted}
		if busyFirst[phone] {
			want = []string{policy.CallBusy, policy.CallCompleted}
			twice++
		}
		var got []string
		for _, l := range car.legs[id] {
			got = append(got, l.outcome)
			if l.number != phone {
				t.Errorf("callback %d to %s dialled %s", id, phone, l.number)
			}
		}
		legs += len(got)
		if !slices.Equal(got, want) {
			t.Errorf("callback %d: the customer's legs ended %v, want %v", id, got, want)
		}
		if attempts[id] != len(got) {
			t.Errorf("callback %d: %d attempts counted for %d customer's legs", id, attempts[id], len(got))
		}
	}
	return legs, twice
}

func describeStuck(stuck map[uint64]string) string {
	var parts []string
	for id, sid := range stuck {
		if sid == "" {
			parts = append(parts, strconv.FormatUint(id, 10)+" without a call")
		} else {
			parts = append(parts, strconv.FormatUint(id, 10)+" with call "+sid)
		}
	}
	slices.Sort(parts)
	return fmt.Sprint(parts)
}

// leasedTo maps the callbacks dialing under the lease of owner (a LIKE
// pattern) to their calls ("" before one is recorded).
func leasedTo(t *testing.T, db *pgx.Conn, owner string) map[uint64]string {
	t.Helper()
	rows, err := db.Query(t.Context(), `SELECT id, call_sid FROM callbacks WHERE state = 'dialing' AND lease_owner LIKE $1`, owner)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint64]string{}
	for rows.Next() {
		var id uint64
		var sid string
		if err := rows.Scan(&id, &sid); err != nil {
			t.Fatal(err)
		}
		out[id] = sid
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
