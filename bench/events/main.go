// Command events measures the operator console's live path: how long from a
// customer's update reaching the Telegram webhook until the event reaches
// operators' open event streams (GET /api/v1/events), and how much memory
// the server holds per open stream.
//
// It builds and starts switchboard as a separate process (so its resident
// memory is its own), with a fake Telegram in this process, opens -streams
// event streams as one operator, then posts -updates customer messages one
// at a time and times each until every listening stream (or the first, with
// -first) has its message.created event.
//
//	go run ./bench/events -streams 1000 -updates 300
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

const (
	secret   = "bench-secret"
	email    = "bench@example.com"
	password = "bench-password-1"
)

func main() {
	streams := flag.Int("streams", 1000, "event streams to hold open")
	updates := flag.Int("updates", 300, "customer messages to time")
	timed := flag.Int("timed", 20, "streams whose delivery is timed for every update")
	db := flag.String("db", "", "SWITCHBOARD_DATABASE_URL (default: a SQLite file in a temp dir)")
	flag.Parse()
	if err := run(*streams, *updates, *timed, *db); err != nil {
		fmt.Fprintln(os.Stderr, "events:", err)
		os.Exit(1)
	}
}

func run(nStreams, nUpdates, nTimed int, db string) error {
	dir, err := os.MkdirTemp("", "sb-events-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "switchboard")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/switchboard").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	tg := faketelegram.New()
	defer tg.Close()
	port, err := freePort()
	if err != nil {
		return err
	}
	if db == "" {
		db = "sqlite://" + filepath.Join(dir, "sb.db")
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"SWITCHBOARD_ADDR=127.0.0.1:"+strconv.Itoa(port), "SWITCHBOARD_DATABASE_URL="+db,
		"SWITCHBOARD_ADMIN_EMAIL="+email, "SWITCHBOARD_ADMIN_PASSWORD="+password, "SWITCHBOARD_LOG_LEVEL=error",
		"TELEGRAM_BOT_TOKEN="+faketelegram.Token, "TELEGRAM_WEBHOOK_SECRET="+secret,
		"TELEGRAM_API_ENDPOINT="+tg.Endpoint(), "TELEGRAM_CHAT_INTERVAL=0s", "TELEGRAM_MAX_PER_SECOND=100000")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	if err := waitReady(base); err != nil {
		return err
	}
	token, err := login(base)
	if err != nil {
		return err
	}
	rssBefore := rssKB(cmd.Process.Pid)
	liveBefore := liveKB(base)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: nStreams + 16, MaxConnsPerHost: 0}}
	var mu sync.Mutex
	arrivals := map[string][]time.Time{} // marker → arrival time per timed stream
	opened := make(chan error, nStreams)
	for i := 0; i < nStreams; i++ {
		timedStream := i < nTimed
		go func() { opened <- stream(ctx, client, base, token, timedStream, &mu, arrivals) }()
	}
	for i := 0; i < nStreams; i++ {
		if err := <-opened; err != nil {
			return fmt.Errorf("open stream %d: %w", i, err)
		}
	}
	time.Sleep(2 * time.Second) // let the server settle before reading its memory
	rssAfter := rssKB(cmd.Process.Pid)
	liveAfter := liveKB(base)

	var lat []time.Duration
	for i := 0; i < nUpdates; i++ {
		marker := fmt.Sprintf("bench-marker-%d", i)
		user := faketelegram.User{ID: int64(500000 + i%50), FirstName: "Load", LanguageCode: "en"}
		began := time.Now()
		if err := post(base, faketelegram.TextUpdate(1000+i, user, marker)); err != nil {
			return err
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			got := len(arrivals[marker])
			var last time.Time
			for _, t := range arrivals[marker] {
				if t.After(last) {
					last = t
				}
			}
			mu.Unlock()
			if got >= nTimed {
				lat = append(lat, last.Sub(began))
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("update %d: %d of %d timed streams got the event", i, got, nTimed)
			}
			time.Sleep(200 * time.Microsecond)
		}
		time.Sleep(5 * time.Millisecond)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("RESULT events streams=%d updates=%d timed_streams=%d p50=%s p90=%s p99=%s max=%s\n",
		nStreams, nUpdates, nTimed, pct(.5).Round(10*time.Microsecond), pct(.9).Round(10*time.Microsecond),
		pct(.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	fmt.Printf("RESULT memory rss_before_kb=%d rss_with_streams_kb=%d rss_per_stream_kb=%.1f live_per_stream_kb=%.1f\n",
		rssBefore, rssAfter, float64(rssAfter-rssBefore)/float64(nStreams), float64(liveAfter-liveBefore)/float64(nStreams))
	return nil
}

// stream holds one event stream open; timed streams note when each
// marker's message.created arrives.
func stream(ctx context.Context, client *http.Client, base, token string, timed bool, mu *sync.Mutex, arrivals map[string][]time.Time) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if !timed || !bytes.HasPrefix(line, []byte("data:")) || !bytes.Contains(line, []byte("bench-marker-")) {
				continue
			}
			now := time.Now()
			i := bytes.Index(line, []byte("bench-marker-"))
			j := i + len("bench-marker-")
			for j < len(line) && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if !bytes.Contains(line, []byte("message.created")) {
				continue
			}
			mu.Lock()
			arrivals[string(line[i:j])] = append(arrivals[string(line[i:j])], now)
			mu.Unlock()
		}
	}()
	return nil
}

func post(base string, raw []byte) error {
	req, _ := http.NewRequest(http.MethodPost, base+"/webhooks/telegram", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(faketelegram.SecretTokenHeader, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	return nil
}

func login(base string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("login: status %d %v", resp.StatusCode, err)
	}
	return out.Token, nil
}

func waitReady(base string) error {
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("switchboard did not become ready at %s", base)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// liveKB is the server's heap in use plus goroutine stacks, from its
// Prometheus metrics: memory held, without garbage waiting for collection.
func liveKB(base string) int64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var total float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && (f[0] == "go_memstats_heap_inuse_bytes" || f[0] == "go_memstats_stack_inuse_bytes") {
			v, _ := strconv.ParseFloat(f[1], 64)
			total += v
		}
	}
	return int64(total / 1024)
}

func rssKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}
