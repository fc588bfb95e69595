// Command voice measures switchboard's Twilio webhooks: how long each step
// of a call takes to answer (Twilio gives up after 15 s; the aim is a p99
// under 20 ms) and how many inbound SMS per second the SMS webhook takes.
//
// It runs the whole app in this process on SQLite or PostgreSQL, with a
// fake Twilio REST API (replies go there, never to Twilio), and posts
// every request over loopback HTTP signed exactly as Twilio signs it for
// SWITCHBOARD_PUBLIC_URL. An operator is online, so calls reach the queue.
//
// A call is the journey a caller makes: the call arrives (greeting and
// menu), key 1 (an answer), key 0 (a person: into the queue), one round of
// hold music, and its status callback, its requests back to back. Calls
// come at -rates calls a second (open loads, the latency a caller meets),
// then from -callers callers at once, each starting the next call when one
// ends (a closed load: the most switchboard takes, and the latency then),
// each for -duration; every request's latency counts. The SMS load is
// -senders senders posting texts from distinct numbers back to back; its
// figure is the 200s per second.
//
//	go run ./bench/voice                                      # SQLite
//	go run ./bench/voice -pg "$SWITCHBOARD_TEST_DATABASE_URL"  # and PostgreSQL
//
// It prints one RESULT line per measurement.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/app"
	"github.com/switchboardhq/switchboard/bench/internal/samples"
	"github.com/switchboardhq/switchboard/config"
	"github.com/switchboardhq/switchboard/internal/faketwilio"
	"github.com/switchboardhq/switchboard/storage"
)

const (
	publicURL = "https://support.example.com"
	ourNumber = "+15005550006"
	adminMail = "bench@example.com"
	adminPass = "bench-password-1"
)

func main() {
	sqlite := flag.Bool("sqlite", true, "measure on SQLite")
	pg := flag.String("pg", os.Getenv("SWITCHBOARD_TEST_DATABASE_URL"), "measure on this PostgreSQL too (a fresh schema, dropped after)")
	rates := flag.String("rates", "5,20", "open loads: calls started per second, one measurement each")
	callers := flag.Int("callers", 16, "closed load: calls kept going at once (0 skips it)")
	senders := flag.Int("senders", 32, "SMS senders posting at once")
	duration := flag.Duration("duration", 10*time.Second, "length of each measurement")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (server and load together) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "voice: -cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	var loads []float64
	for _, s := range strings.Split(*rates, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || r <= 0 {
			fmt.Fprintf(os.Stderr, "voice: -rates %q: want numbers above 0\n", *rates)
			os.Exit(2)
		}
		loads = append(loads, r)
	}
	var dbs []string
	if *sqlite {
		dbs = append(dbs, "sqlite")
	}
	if strings.HasPrefix(*pg, "postgres") {
		dbs = append(dbs, *pg)
	}
	for _, db := range dbs {
		if err := measure(db, loads, *callers, *senders, *duration); err != nil {
			fmt.Fprintln(os.Stderr, "voice:", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
	}
}

// bench is one switchboard under measurement.
type bench struct {
	name  string
	app   *app.App
	fake  *faketwilio.Server
	hook  faketwilio.Webhook
	calls atomic.Int64
}

func measure(db string, rates []float64, callers, senders int, d time.Duration) error {
	b, stop, err := start(db)
	if err != nil {
		return err
	}
	defer stop()
	for _, r := range rates {
		if err := b.voice(r, 0, d); err != nil {
			return err
		}
	}
	if callers > 0 {
		if err := b.voice(0, callers, d); err != nil {
			return err
		}
	}
	if senders > 0 {
		return b.sms(senders, d)
	}
	return nil
}

// start runs switchboard on db ("sqlite" for a temporary file) with an
// operator online, and returns it with a function that stops it.
func start(db string) (*bench, func(), error) {
	dir, err := os.MkdirTemp("", "sb-voice-bench")
	if err != nil {
		return nil, nil, err
	}
	cleanups := []func(){func() { os.RemoveAll(dir) }}
	stop := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	name, dbURL := "sqlite", "sqlite://"+filepath.Join(dir, "sb.db")
	if db != "sqlite" {
		name = "postgres"
		if dbURL, err = freshSchema(db, &cleanups); err != nil {
			stop()
			return nil, nil, err
		}
	}
	fake := faketwilio.New()
	cleanups = append(cleanups, fake.Close)
	env := map[string]string{
		"SWITCHBOARD_ADDR": "127.0.0.1:0", "SWITCHBOARD_DATABASE_URL": dbURL, "SWITCHBOARD_PUBLIC_URL": publicURL,
		"SWITCHBOARD_ADMIN_EMAIL": adminMail, "SWITCHBOARD_ADMIN_PASSWORD": adminPass,
		"TWILIO_ACCOUNT_SID": fake.AccountSID(), "TWILIO_AUTH_TOKEN": fake.AuthToken(),
		"TWILIO_PHONE_NUMBER": ourNumber, "TWILIO_API_BASE_URL": fake.URL(),
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		stop()
		return nil, nil, err
	}
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		stop()
		return nil, nil, err
	}
	if err := a.Listen(); err != nil {
		stop()
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	cleanups = append(cleanups, func() { cancel(); <-done })
	// The first supervisor's open event stream is an operator online.
	sub := a.Broker.Subscribe(1)
	cleanups = append(cleanups, sub.Close)
	go func() {
		for range sub.C {
		}
	}()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	hook := faketwilio.Webhook{AuthToken: fake.AuthToken(), Via: "http://" + a.Addr(), Client: client}
	return &bench{name: name, app: a, fake: fake, hook: hook}, stop, nil
}

// freshSchema makes a schema of its own in the PostgreSQL database at base
// and returns the URL that uses it; the schema is dropped at cleanup.
func freshSchema(base string, cleanups *[]func()) (string, error) {
	admin, err := storage.Open(context.Background(), base)
	if err != nil {
		return "", err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "bench_voice_" + hex.EncodeToString(b)
	if err := admin.Exec(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", err
	}
	*cleanups = append(*cleanups, func() {
		_ = admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// step is one request of a call: its path and the form it posts.
type step struct {
	name   string
	path   string
	params url.Values
	want   int
}

// journey is the requests of one call from number.
func (b *bench) journey(number string) []step {
	call := faketwilio.IncomingCall(b.fake.AccountSID(), number, ourNumber)
	return []step{
		{"call", "/webhooks/twilio/voice", call, http.StatusOK},
		{"key1", "/webhooks/twilio/voice/menu?attempt=1", faketwilio.CallDigits(call, "1"), http.StatusOK},
		{"key0", "/webhooks/twilio/voice/menu?attempt=2", faketwilio.CallDigits(call, "0"), http.StatusOK},
		{"wait", "/webhooks/twilio/voice/wait?lang=en", faketwilio.QueueWait(call, 1, 10), http.StatusOK},
		{"status", "/webhooks/twilio/status", faketwilio.CallStatusCallback(call, "completed", 42), http.StatusOK},
	}
}

// voice measures the latency of calls' requests, all together and per
// step. An open load (rate > 0) starts rate calls a second whatever
// happens, as callers do; a closed one keeps callers calls going back to
// back, switchboard's most.
func (b *bench) voice(rate float64, callers int, d time.Duration) error {
	lat := map[string]*samples.Latencies{"all": {}}
	for _, s := range b.journey(number(0)) {
		lat[s.name] = &samples.Latencies{}
	}
	var failed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	call := func() {
		for _, s := range b.journey(number(int(b.calls.Add(1)))) {
			t0 := time.Now()
			resp, err := b.hook.Post(context.Background(), publicURL+s.path, s.params)
			took := time.Since(t0)
			if err == nil && resp.Status != s.want {
				err = fmt.Errorf("%s answered %d: %s", s.path, resp.Status, resp.Body)
			}
			if err != nil {
				failed.Add(1)
				errOnce.Do(func() { firstErr = err })
				return
			}
			lat["all"].Add(took)
			lat[s.name].Add(took)
		}
	}
	began := time.Now()
	deadline := began.Add(d)
	var wg sync.WaitGroup
	load := fmt.Sprintf("mode=closed callers=%d", callers)
	if rate > 0 {
		load = fmt.Sprintf("mode=open calls_per_s=%g", rate)
		every := time.Duration(float64(time.Second) / rate)
		for next := began; next.Before(deadline); next = next.Add(every) {
			time.Sleep(time.Until(next))
			wg.Go(call)
		}
	} else {
		for range callers {
			wg.Go(func() {
				for time.Now().Before(deadline) {
					call()
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(began)
	if firstErr != nil {
		return fmt.Errorf("voice on %s, %s: %d failed, first: %w", b.name, load, failed.Load(), firstErr)
	}
	p, count := lat["all"].Percentiles(50, 99, 100)
	fmt.Printf("RESULT voice db=%s %s requests=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
		b.name, load, count, float64(count)/elapsed.Seconds(), ms(p[0]), ms(p[1]), ms(p[2]))
	for _, s := range b.journey(number(0)) {
		p, count := lat[s.name].Percentiles(50, 99)
		fmt.Printf("RESULT voice-step db=%s %s step=%s requests=%d p50_ms=%.2f p99_ms=%.2f\n",
			b.name, load, s.name, count, ms(p[0]), ms(p[1]))
	}
	return nil
}

// sms posts inbound texts from n senders at once for d and prints how many
// the webhook answered 200 per second.
func (b *bench) sms(n int, d time.Duration) error {
	var ok, other, sent atomic.Int64
	var firstErr error
	var errOnce sync.Once
	lat := &samples.Latencies{}
	deadline := time.Now().Add(d)
	began := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				i := sent.Add(1)
				params := faketwilio.InboundSMS(b.fake.AccountSID(), number(1_000_000+int(i)), ourNumber, "Hello, where is my order?")
				t0 := time.Now()
				resp, err := b.hook.Post(context.Background(), publicURL+"/webhooks/twilio/sms", params)
				took := time.Since(t0)
				switch {
				case err != nil:
					other.Add(1)
					errOnce.Do(func() { firstErr = err })
				case resp.Status == http.StatusOK:
					ok.Add(1)
					lat.Add(took)
				default:
					other.Add(1)
					errOnce.Do(func() { firstErr = fmt.Errorf("answered %d: %s", resp.Status, resp.Body) })
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	p, _ := lat.Percentiles(50, 99)
	fmt.Printf("RESULT sms db=%s senders=%d ok=%d other=%d per_s=%.0f p50_ms=%.2f p99_ms=%.2f\n",
		b.name, n, ok.Load(), other.Load(), float64(ok.Load())/elapsed.Seconds(), ms(p[0]), ms(p[1]))
	if firstErr != nil {
		return fmt.Errorf("sms on %s: %w", b.name, firstErr)
	}
	if ok.Load() == 0 {
		return errors.New("sms: no text was taken")
	}
	return nil
}

// number is the i-th caller's number: distinct, valid, E.164.
func number(i int) string {
	return fmt.Sprintf("+1415%03d%04d", 200+(i/10000)%800, i%10000)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
