package metrics_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/switchboardhq/switchboard/metrics"
)

// exported lists the names of every metric switchboard registers.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	ch := make(chan *prometheus.Desc, 256)
	go func() { metrics.Registry.Describe(ch); close(ch) }()
	name := regexp.MustCompile(`fqName: "([^"]+)"`)
	out := map[string]bool{}
	for d := range ch {
		if m := name.FindStringSubmatch(d.String()); m != nil {
			out[m[1]] = true
			// A histogram's series.
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				out[m[1]+suffix] = true
			}
		}
	}
	if !out["switchboard_conversations"] || !out["switchboard_longest_wait_seconds"] {
		t.Fatalf("the registry describes %d metrics, not the state gauges", len(out))
	}
	return out
}

var metricName = regexp.MustCompile(`\bswitchboard_[a-z_]+\b`)

// checkExpr fails when expr names a switchboard metric that is not
// exported, names none, or has unbalanced brackets.
func checkExpr(t *testing.T, where, expr string, known map[string]bool) {
	t.Helper()
	names := metricName.FindAllString(expr, -1)
	if len(names) == 0 {
		t.Errorf("%s: %q reads no switchboard metric", where, expr)
	}
	for _, n := range names {
		if !known[n] {
			t.Errorf("%s: %q reads %s, which switchboard does not export", where, expr, n)
		}
	}
	depth := map[rune]int{}
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, r := range expr {
		switch r {
		case '(', '[', '{':
			depth[r]++
		case ')', ']', '}':
			depth[pairs[r]]--
			if depth[pairs[r]] < 0 {
				t.Errorf("%s: %q closes a %c it never opened", where, expr, r)
			}
		}
	}
	for open, n := range depth {
		if n != 0 {
			t.Errorf("%s: %q leaves %d %c open", where, expr, n, open)
		}
	}
}

// TestAlertRulesParseAndReadExportedMetrics stands in for promtool check
// rules: examples/prometheus/alerts.yml is a valid rules file whose
// expressions read only metrics switchboard exports.
func TestAlertRulesParseAndReadExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("../examples/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("alerts.yml: %v", err)
	}
	known := exported(t)
	var alerts []string
	for _, g := range file.Groups {
		if g.Name == "" {
			t.Error("a group without a name")
		}
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if r.Alert == "" || r.Annotations["summary"] == "" || r.Labels["severity"] == "" {
				t.Errorf("rule %+v lacks a name, a summary or a severity", r)
			}
			if !regexp.MustCompile(`^\d+[smh]$`).MatchString(r.For) {
				t.Errorf("%s: for %q is not a duration", r.Alert, r.For)
			}
			checkExpr(t, r.Alert, r.Expr, known)
		}
	}
	for _, want := range []string{"SwitchboardWaitPastPromise", "SwitchboardOutboxBacklogGrowing", "SwitchboardCallbacksLate"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("alerts.yml has no %s (has %v)", want, alerts)
		}
	}
}

// TestGrafanaDashboardReadsExportedMetrics: every panel's query reads
// metrics switchboard exports, and the new desk gauges are all shown.
func TestGrafanaDashboardReadsExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile("../examples/grafana/switchboard-desk.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	known := exported(t)
	var all strings.Builder
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkExpr(t, p.Title, q.Expr, known)
			all.WriteString(q.Expr + "\n")
		}
	}
	for _, m := range []string{"switchboard_waiting_customers", "switchboard_longest_wait_seconds", "switchboard_operators",
		"switchboard_callbacks_due", "switchboard_callbacks_late", "switchboard_event_streams_open", "switchboard_outbox_pending"} {
		if !regexp.MustCompile(`\b` + m + `\b`).MatchString(all.String()) {
			t.Errorf("no panel shows %s", m)
		}
	}
}
