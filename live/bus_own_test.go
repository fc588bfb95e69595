package live

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/events"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestAWriteAnsweredAfterItsReadBackIsNotRemembered: when the listener has
// already read a write's events back (the write's answer came later than
// ownWait), the write remembers none of them, so nothing is kept that no
// notification will take; a write answered in time remembers all.
func TestAWriteAnsweredAfterItsReadBackIsNotRemembered(t *testing.T) {
	url := storagetest.URL(t)
	if !strings.HasPrefix(url, "postgres") {
		t.Skipf("the event bus needs PostgreSQL: set %s", storagetest.EnvDatabaseURL)
	}
	l, err := Open(t.Context(), Config{DatabaseURL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	bus, err := l.NewBus(t.Context(), events.NewBroker(), json.Marshal, BusConfig{})
	if err != nil {
		t.Fatal(err)
	}
	batch := []events.Event{{Type: events.MessageCreated, At: time.Now()}, {Type: events.MessageDelivery, At: time.Now()}}

	start := bus.delivered.Load()
	bus.delivered.Store(1 << 40) // the listener is past them already
	if err := bus.write(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	if n := len(bus.own); n != 0 {
		t.Fatalf("a write read back before its answer remembered %d events, want 0", n)
	}

	bus.delivered.Store(start)
	if err := bus.write(t.Context(), batch); err != nil {
		t.Fatal(err)
	}
	if n := len(bus.own); n != len(batch) {
		t.Fatalf("a write answered in time remembered %d events, want %d", n, len(batch))
	}
}
