package audit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/audit"
)

func TestDetailsNeverHoldSecretsWhateverTheCallerPutsIn(t *testing.T) {
	d := audit.Details{
		"role":          []any{"operator", "supervisor"},
		"password":      "hunter2-hunter2",
		"password_hash": "$2a$04$abc",
		"new_password":  "x",
		"token":         "tok",
		"SessionID":     "sess",
		"nested":        map[string]any{"csrf_token": "c", "name": "Ann"},
	}
	e := audit.New(time.Now(), audit.Actor{ID: 1, Email: "Lead@Example.com"}, audit.OperatorChanged,
		audit.Target{Type: audit.TargetOperator, ID: 2}, d)
	for _, secret := range []string{"hunter2", "$2a$", "tok", "sess", `"c"`, "password", "csrf"} {
		if strings.Contains(e.Details, secret) {
			t.Errorf("details %s hold %q", e.Details, secret)
		}
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(e.Details), &got); err != nil {
		t.Fatalf("details %q are not JSON: %v", e.Details, err)
	}
	if _, ok := got["role"]; !ok || got["nested"].(map[string]any)["name"] != "Ann" {
		t.Errorf("details %s lost what is not secret", e.Details)
	}
	if e.ActorEmail != "lead@example.com" || e.ActorID == nil || *e.ActorID != 1 || e.TargetID == nil || *e.TargetID != 2 {
		t.Errorf("entry %+v", e)
	}
}

func TestAnUnknownActorAndNoTargetAreNull(t *testing.T) {
	e := audit.New(time.Now(), audit.Actor{Email: "nobody@example.com", Address: "203.0.113.9"}, audit.LoginFailed, audit.Target{}, nil)
	if e.ActorID != nil || e.TargetID != nil || e.Details != "{}" || e.Address != "203.0.113.9" {
		t.Errorf("entry %+v", e)
	}
}

func TestChangeTellsOnlyWhatChanged(t *testing.T) {
	d := audit.Details{}
	d.Change("role", "operator", "supervisor")
	d.Change("active", true, true)
	d.Change("phone", "", "+15550100")
	if _, ok := d["active"]; ok || len(d) != 2 {
		t.Errorf("details %v, want role and phone only", d)
	}
}

func TestActionsAreValidAndOthersAreNot(t *testing.T) {
	for _, a := range audit.Actions {
		if !a.Valid() {
			t.Errorf("%q is not valid", a)
		}
	}
	if audit.Action("logout").Valid() || audit.Action("").Valid() {
		t.Error("an unknown action is valid")
	}
}

func TestALongEmailOrAddressIsCutToItsColumn(t *testing.T) {
	long := strings.Repeat("é", 300) + "@example.com"
	e := audit.New(time.Now(), audit.Actor{Email: long, Address: strings.Repeat("1", 100)}, audit.LoginFailed, audit.Target{}, nil)
	if n := len([]rune(e.ActorEmail)); n != audit.MaxEmail || len(e.Address) != audit.MaxAddress {
		t.Errorf("email of %d characters, address of %d", n, len(e.Address))
	}
}
