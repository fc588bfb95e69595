package config_test

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/config"
)

// TestYAMLTypeErrorsNameTheKey: a misspelt key or a value of the wrong
// type is refused with the dotted key and what it wants, block or flow
// style, in a list too; broken YAML still names SWITCHBOARD_CONFIG.
func TestYAMLTypeErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"misspelt key in flow style", "callbacks: {slot_minute: 30}", "callbacks.slot_minute: is not a known key"},
		{"duration in a list", "callbacks:\n  retry_after: [5m, soon]", `callbacks.retry_after[1]: "soon" is not a duration such as 5m`},
		{"bool", "callbacks: {machine_detection: maybe}", `callbacks.machine_detection: "maybe" is not true or false`},
		{"whole number", "queue:\n  minutes_per_customer: many", `queue.minutes_per_customer: "many" is not a whole number`},
		{"unknown key of a menu option", "menu:\n  - {id: a, kind: operator, label: L, colour: red}", "menu[0].colour: is not a known key"},
		{"unknown top-level key", "quiet_hour: off", "quiet_hour: is not a known key"},
		{"broken YAML", "callbacks: [", "SWITCHBOARD_CONFIG: YAML:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.ParseSettings([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}
