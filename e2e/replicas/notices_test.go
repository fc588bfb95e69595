package replicas_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketwilio"
)

// TestThreeProcessesRemindAndTellLateOnce: three processes, whose
// notifiers look every 10 s and nearly in step, watch twenty callbacks no
// operator is free to dial. Each of the ten booked for 15 s ahead gets one
// reminder (remind_before 12s) and, a second past its time, one notice
// that it runs late (late_after 1s); each of the ten "as soon as
// possible" ones gets the late notice alone. None is sent twice, none is
// missed. proactive_per_day is 10, so that the cap on messages nobody
// asked for cannot hide a second late notice: the claims alone keep them
// single.
func TestThreeProcessesRemindAndTellLateOnce(t *testing.T) {
	const (
		booked = 10
		asap   = 10
	)
	fake := faketwilio.New()
	t.Cleanup(fake.Close)
	settings := settingsFile(t, "quiet_hours: \"off\"\nproactive_per_day: 10\ncallbacks: {remind_before: 12s, late_after: 1s}\n")
	// At info level each process logs every notice it sends.
	procs, tg := cluster(t, 3, append(twilioEnv(fake.URL(), settings),
		"TELEGRAM_MAX_PER_SECOND=1000", "TELEGRAM_CHAT_INTERVAL=10ms", "SWITCHBOARD_LOG_LEVEL=info")...)
	db := connect(t)
	boss := procs[0].login(adminEmail, adminPassword)
	const firstUser = 8000
	customers := telegramCustomers(t, procs, db, firstUser, booked+asap)
	start := time.Now()
	for i, cust := range customers {
		var due time.Time
		if i < booked {
			due = time.Now().Add(15 * time.Second)
		}
		bookCallback(t, procs[i%3], boss, cust, "+14155552800", due)
	}

	waitRow(t, db, 40*time.Second, "every notice claimed", `SELECT
		count(*) FILTER (WHERE NOT asap AND reminded_at IS NOT NULL) = $1 AND count(*) FILTER (WHERE late_notice_at IS NOT NULL) = $2
		FROM callbacks`, booked, booked+asap)
	claimed := time.Since(start)
	waitRow(t, db, 15*time.Second, "every notice delivered", `SELECT count(*) = 0 FROM outbox WHERE state <> 'sent'`)

	reminders, late := map[int64]int{}, map[int64]int{}
	for _, m := range tg.SentMessages() {
		switch {
		case strings.HasPrefix(m.Text, "A reminder: we will call you"):
			reminders[m.ChatID]++
		case strings.Contains(m.Text, "we are running late"):
			late[m.ChatID]++
		}
	}
	for i := range booked + asap {
		chat := int64(firstUser + i)
		want := 1
		if i >= booked {
			want = 0
		}
		if reminders[chat] != want {
			t.Errorf("customer %d (booked %v) was reminded %d times, want %d", i, i < booked, reminders[chat], want)
		}
		if late[chat] != 1 {
			t.Errorf("customer %d (booked %v) was told %d times that their callback runs late, want once", i, i < booked, late[chat])
		}
	}
	var total, sent int
	if err := db.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE text LIKE 'A reminder:%' OR text LIKE '%running late%'), count(*)
		FROM messages WHERE direction = 'out'`).Scan(&total, &sent); err != nil {
		t.Fatal(err)
	}
	if total != booked+booked+asap {
		t.Errorf("%d reminders and late notices written, want %d", total, booked+booked+asap)
	}
	var byProcess []string
	logged := map[string]int{}
	for _, p := range procs {
		n := map[string]int{}
		for _, what := range []string{"reminder", "late notice"} {
			n[what] = p.logged(`msg="callback ` + what + ` sent"`)
			logged[what] += n[what]
		}
		byProcess = append(byProcess, fmt.Sprintf("%d+%d", n["reminder"], n["late notice"]))
	}
	if logged["reminder"] != booked || logged["late notice"] != booked+asap {
		t.Errorf("the processes logged %d reminders and %d late notices sent, want %d and %d",
			logged["reminder"], logged["late notice"], booked, booked+asap)
	}
	t.Logf("%d reminders and %d late notices sent by three notifiers (reminders+late notices by process: %s), all claimed %.1fs after booking; %d messages out in all",
		sum(reminders), sum(late), strings.Join(byProcess, ", "), claimed.Seconds(), sent)
}

// logged counts the lines of p's log that contain part.
func (p *process) logged(part string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Count(p.log.String(), part)
}

func sum(counts map[int64]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}
