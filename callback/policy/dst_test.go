package policy_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/callback/policy"
)

// On the nights the clocks change, slots follow real time: a wall time that
// does not exist is no slot, one that happens twice is two.
func TestFreeSlotsAcrossDaylightSavingChanges(t *testing.T) {
	londonNight := schedule(t, "Europe/London", map[string]string{"sun": "00:00-04:00"})
	newYorkNight := schedule(t, "America/New_York", map[string]string{"sun": "00:00-05:00"})
	halfHours := policy.SlotPolicy{Length: 30 * time.Minute, Capacity: 1, Business: londonNight}
	hourly := policy.SlotPolicy{Length: time.Hour, Capacity: 1, Business: newYorkNight}
	cases := []slotCase{
		{name: "London, 28 March: 01:00-02:00 does not exist", now: "2027-03-27T23:50", policy: halfHours, n: 7,
			// 00:00, 00:30 GMT, then 02:00, 02:30, 03:00, 03:30 BST; next Sunday 00:00 BST.
			want: []string{"2027-03-28T00:00", "2027-03-28T00:30", "2027-03-28T01:00", "2027-03-28T01:30",
				"2027-03-28T02:00", "2027-03-28T02:30", "2027-04-03T23:00"}},
		{name: "London, 28 March, hourly: 01:00 is skipped, 02:00 BST kept", now: "2027-03-27T23:50",
			policy: policy.SlotPolicy{Length: time.Hour, Business: londonNight}, n: 4,
			want: []string{"2027-03-28T00:00", "2027-03-28T01:00", "2027-03-28T02:00", "2027-04-03T23:00"}},
		{name: "London, 31 October: 01:00-02:00 happens twice", now: "2027-10-30T22:50",
			policy: policy.SlotPolicy{Length: 30 * time.Minute, Business: schedule(t, "Europe/London", map[string]string{"sun": "00:00-03:00"})}, n: 9,
			// 00:00, 00:30, 01:00, 01:30 BST, then 01:00, 01:30, 02:00, 02:30 GMT; next Sunday 00:00 GMT.
			want: []string{"2027-10-30T23:00", "2027-10-30T23:30", "2027-10-31T00:00", "2027-10-31T00:30",
				"2027-10-31T01:00", "2027-10-31T01:30", "2027-10-31T02:00", "2027-10-31T02:30", "2027-11-07T00:00"}},
		{name: "London, 31 October, 90 minutes: slots never overlap", now: "2027-10-30T22:50",
			policy: policy.SlotPolicy{Length: 90 * time.Minute, Business: schedule(t, "Europe/London", map[string]string{"sun": "00:00-06:00"})}, n: 4,
			// 00:00 and 01:30 BST; the 01:30 GMT that follows would overlap, so 03:00 and 04:30 GMT.
			want: []string{"2027-10-30T23:00", "2027-10-31T00:30", "2027-10-31T03:00", "2027-10-31T04:30"}},
		{name: "London, 28 March, 45 minutes: the first boundary after the jump is 02:15 BST", now: "2027-03-28T00:45",
			policy: policy.SlotPolicy{Length: 45 * time.Minute, Business: londonNight}, n: 3,
			// From 00:50 GMT the wall clock jumps at 01:00 GMT to 02:00 BST; 02:15 and 03:00 BST fit before 04:00.
			want: []string{"2027-03-28T01:15", "2027-03-28T02:00", "2027-04-03T23:00"}},
		{name: "New York, 14 March: 02:00 does not exist", now: "2027-03-14T04:50", policy: hourly, n: 5,
			// 00:00, 01:00 EST, then 03:00, 04:00 EDT; next Sunday 00:00 EDT.
			want: []string{"2027-03-14T05:00", "2027-03-14T06:00", "2027-03-14T07:00", "2027-03-14T08:00", "2027-03-21T04:00"}},
		{name: "New York, 7 November: 01:00 happens twice", now: "2027-11-07T03:50", policy: hourly, n: 7,
			// 00:00, 01:00 EDT, then 01:00, 02:00, 03:00, 04:00 EST; next Sunday 00:00 EST.
			want: []string{"2027-11-07T04:00", "2027-11-07T05:00", "2027-11-07T06:00", "2027-11-07T07:00",
				"2027-11-07T08:00", "2027-11-07T09:00", "2027-11-14T05:00"}},
		{name: "New York customer's quiet hours follow their own change", now: "2027-11-06T12:00",
			policy: policy.SlotPolicy{Length: time.Hour, Quiet: quiet(t, "21:00-09:00")}, customer: "America/New_York", n: 4,
			// Always open (in UTC); quiet until 09:00 EDT, 13:00Z.
			want: []string{"2027-11-06T13:00", "2027-11-06T14:00", "2027-11-06T15:00", "2027-11-06T16:00"}},
		{name: "New York customer, the evening before and the morning after the change", now: "2027-11-06T23:30",
			policy: policy.SlotPolicy{Length: time.Hour, Quiet: quiet(t, "21:00-09:00")}, customer: "America/New_York", n: 2,
			// 20:00-21:00 EDT is 00:00Z-01:00Z; Sunday 09:00 EST is 14:00Z.
			want: []string{"2027-11-07T00:00", "2027-11-07T14:00"}},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}
