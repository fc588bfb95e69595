// Command events measures the operator console's live path: how long from
// a customer's update reaching the Telegram webhook until the event reaches
// operators' open event streams (GET /api/v1/events), and how much memory
// the server holds per open stream.
//
// It builds switchboard and starts it as separate processes (so resident
// memory is theirs alone), with a fake Telegram in this process, and opens
// -streams event streams as one operator, spread over the processes in
// turn. Then, by default, it posts -updates customer messages one at a time
// and times each until every timed stream (the first -timed) has its
// message.created event:
//
//	go run ./bench/events -streams 1000 -updates 300
//
// With -rate it posts the messages at that steady rate instead, each to
// the next process in turn, and times the event on every stream: from the
// start of the POST that caused it to the frame's arrival, by which process
// caused it and which one's stream received it. Several processes
// (-replicas) need PostgreSQL, where a fresh schema is made and dropped:
//
//	go run ./bench/events -db "$PG" -replicas 3 -streams 1000 -rate 20 -updates 600
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
	"sync/atomic"
	"time"

	"github.com/switchboardhq/switchboard/internal/faketelegram"
)

const (
	secret   = "bench-secret"
	email    = "bench@example.com"
	password = "bench-password-1"
	marker   = "bench-marker-"
)

func main() {
	var o options
	flag.IntVar(&o.streams, "streams", 1000, "event streams to hold open")
	flag.IntVar(&o.updates, "updates", 300, "customer messages to time")
	flag.IntVar(&o.timed, "timed", 20, "one at a time: streams whose delivery is timed for every update")
	flag.Float64Var(&o.rate, "rate", 0, "messages per second, each to the next process, timed on every stream (0: one at a time)")
	flag.IntVar(&o.replicas, "replicas", 1, "switchboard processes sharing the database (more than one needs PostgreSQL)")
	flag.IntVar(&o.maxConns, "max-conns", 16, "SWITCHBOARD_DATABASE_MAX_CONNS of each process")
	flag.StringVar(&o.db, "db", "", "a postgres:// URL (a fresh schema is made there) or SWITCHBOARD_DATABASE_URL (default: a SQLite file in a temp dir)")
	flag.StringVar(&o.bin, "bin", "", "the switchboard binary (default: build ./cmd/switchboard)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "events:", err)
		os.Exit(1)
	}
}

type options struct {
	streams, updates, timed, replicas, maxConns int
	rate                                        float64
	db, bin                                     string
}

// server is one switchboard process under test.
type server struct {
	base string
	cmd  *exec.Cmd
}

func run(o options) error {
	dir, err := os.MkdirTemp("", "sb-events-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.bin == "" {
		o.bin = filepath.Join(dir, "switchboard")
		if out, err := exec.Command("go", "build", "-o", o.bin, "./cmd/switchboard").CombinedOutput(); err != nil {
			return fmt.Errorf("build: %v\n%s", err, out)
		}
	}
	db := o.db
	switch {
	case db == "":
		db = "sqlite://" + filepath.Join(dir, "sb.db")
	case strings.HasPrefix(db, "postgres"):
		var drop func()
		if db, drop, err = freshSchema(db); err != nil {
			return err
		}
		defer drop()
	}
	if o.replicas > 1 && !strings.HasPrefix(db, "postgres") {
		return fmt.Errorf("-replicas %d needs a postgres:// -db", o.replicas)
	}
	tg := faketelegram.New()
	defer tg.Close()
	var servers []*server
	defer func() {
		for _, s := range servers {
			_ = s.cmd.Process.Signal(os.Interrupt)
			_ = s.cmd.Wait()
		}
	}()
	for range o.replicas { // one at a time: the first migrates
		s, err := startServer(o.bin, db, o.maxConns, tg)
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}
	token, err := login(servers[0].base)
	if err != nil {
		return err
	}
	rssBefore, liveBefore := memoryOf(servers)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.streams + 16, MaxConnsPerHost: 0}}
	streams := make([]*streamLog, o.streams)
	opened := make(chan error, o.streams)
	var frames atomic.Int64
	for i := range streams {
		streams[i] = &streamLog{server: i % len(servers), got: map[int]time.Time{}, published: map[int]time.Time{}, frames: &frames}
		go func() { opened <- streams[i].open(ctx, client, servers[streams[i].server].base, token) }()
	}
	for i := range streams {
		if err := <-opened; err != nil {
			return fmt.Errorf("open stream %d: %w", i, err)
		}
	}
	time.Sleep(2 * time.Second) // let the servers settle before reading their memory
	rssAfter, liveAfter := memoryOf(servers)

	if o.rate > 0 {
		if err := steady(servers, streams, &frames, o); err != nil {
			return err
		}
	} else if err := oneAtATime(servers[0].base, streams[:min(o.timed, len(streams))], o); err != nil {
		return err
	}
	fmt.Printf("RESULT memory processes=%d rss_before_kb=%d rss_with_streams_kb=%d rss_per_stream_kb=%.1f live_per_stream_kb=%.1f\n",
		len(servers), rssBefore, rssAfter, float64(rssAfter-rssBefore)/float64(o.streams), float64(liveAfter-liveBefore)/float64(o.streams))
	return nil
}

// oneAtATime posts o.updates messages to base one after another and times
// each until every stream of timed has it.
func oneAtATime(base string, timed []*streamLog, o options) error {
	var lat []time.Duration
	for i := 0; i < o.updates; i++ {
		user := faketelegram.User{ID: int64(500000 + i%50), FirstName: "Load", LanguageCode: "en"}
		began := time.Now()
		if err := post(base, faketelegram.TextUpdate(1000+i, user, marker+strconv.Itoa(i))); err != nil {
			return err
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, last := 0, time.Time{}
			for _, s := range timed {
				if at, ok := s.arrival(i); ok {
					got++
					if at.After(last) {
						last = at
					}
				}
			}
			if got == len(timed) {
				lat = append(lat, last.Sub(began))
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("update %d: %d of %d timed streams got the event", i, got, len(timed))
			}
			time.Sleep(200 * time.Microsecond)
		}
		time.Sleep(5 * time.Millisecond)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Printf("RESULT events streams=%d updates=%d timed_streams=%d p50=%s p90=%s p99=%s max=%s\n",
		o.streams, o.updates, len(timed), round(quantile(lat, .5)), round(quantile(lat, .9)),
		round(quantile(lat, .99)), round(lat[len(lat)-1]))
	return nil
}

// streamLog is one open event stream: the process it is on and when each
// marked message.created reached it.
type streamLog struct {
	server int
	frames *atomic.Int64 // data frames of every stream, every type

	mu  sync.Mutex
	got map[int]time.Time // marker number → first arrival
	// published is, per marker number, the event's own at: when the
	// causing process published it, after its commit.
	published map[int]time.Time
}

func (s *streamLog) arrival(n int) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.got[n]
	return at, ok
}

// open holds one event stream open, noting when each marker's
// message.created arrives.
func (s *streamLog) open(ctx context.Context, client *http.Client, base, token string) error {
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
			if !bytes.HasPrefix(line, []byte("data:")) {
				continue
			}
			now := time.Now()
			s.frames.Add(1)
			i := bytes.Index(line, []byte(marker))
			if i < 0 || !bytes.Contains(line, []byte("message.created")) {
				continue
			}
			j := i + len(marker)
			for j < len(line) && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(string(line[i+len(marker) : j]))
			if err != nil {
				continue
			}
			s.mu.Lock()
			if _, seen := s.got[n]; !seen {
				s.got[n] = now
				var ev struct {
					At time.Time `json:"at"`
				}
				if json.Unmarshal(line[len("data:"):], &ev) == nil && !ev.At.IsZero() {
					s.published[n] = ev.At
				}
			}
			s.mu.Unlock()
		}
	}()
	return nil
}

// startServer starts switchboard serve on db with a free port and waits
// until it is ready.
func startServer(bin, db string, maxConns int, tg *faketelegram.Server) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"SWITCHBOARD_ADDR=127.0.0.1:"+strconv.Itoa(port), "SWITCHBOARD_DATABASE_URL="+db,
		"SWITCHBOARD_DATABASE_MAX_CONNS="+strconv.Itoa(maxConns),
		"SWITCHBOARD_ADMIN_EMAIL="+email, "SWITCHBOARD_ADMIN_PASSWORD="+password, "SWITCHBOARD_LOG_LEVEL=error",
		"TELEGRAM_BOT_TOKEN="+faketelegram.Token, "TELEGRAM_WEBHOOK_SECRET="+secret,
		"TELEGRAM_API_ENDPOINT="+tg.Endpoint(), "TELEGRAM_CHAT_INTERVAL=0s", "TELEGRAM_MAX_PER_SECOND=100000")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{base: base, cmd: cmd}
	if err := waitReady(base); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, err
	}
	return s, nil
}

// memoryOf sums the processes' resident memory and live heap, in KB.
func memoryOf(servers []*server) (rss, live int64) {
	for _, s := range servers {
		rss += rssKB(s.cmd.Process.Pid)
		live += liveKB(s.base)
	}
	return rss, live
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[int(q*float64(len(ds)-1))]
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

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

// publishedAt is when the process that caused marker n's event published
// it, by that event's at.
func (s *streamLog) publishedAt(n int) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.published[n]
	return at, ok
}
