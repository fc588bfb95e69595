package config_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/config"
)

func TestSettingsGiveTheCallbackPolicies(t *testing.T) {
	s, err := config.ParseSettings([]byte(`
business_hours: {time_zone: Europe/London, weekly: {mon: 09:00-17:00}}
quiet_hours: 20:00-08:00
callbacks: {slot_minutes: 20, slot_capacity: 3, retry_after: [1m, 10m], max_attempts: 4}
`))
	if err != nil {
		t.Fatal(err)
	}
	slots, err := s.SlotPolicy()
	if err != nil {
		t.Fatal(err)
	}
	if slots.Length != 20*time.Minute || slots.Capacity != 3 || slots.Quiet.String() != "20:00-08:00" ||
		slots.Business.Location().String() != "Europe/London" {
		t.Errorf("slot policy = %+v", slots)
	}
	retry := s.Callbacks.RetryPolicy()
	want := []time.Duration{time.Minute, 10 * time.Minute}
	if !reflect.DeepEqual(retry.After, want) || retry.MaxAttempts != 4 {
		t.Errorf("retry policy = %+v", retry)
	}
	retry.After[0] = time.Hour
	if s.Callbacks.RetryAfter[0] != time.Minute {
		t.Error("the retry policy shares its waits with the settings")
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	s, err := config.LoadSettingsFile("../examples/switchboard.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Callbacks, config.DefaultCallbackSettings()) || s.QuietHours != config.DefaultQuietHours {
		t.Errorf("the example's callbacks %+v and quiet hours %q are not the defaults it says they are", s.Callbacks, s.QuietHours)
	}
}
