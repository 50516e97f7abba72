// Package apibench measures the API on loopback: GET of one release at
// 10,000 stored releases and a filtered release list at 10,000 and 100,000
// (requests per second and
// p50/p99 latency over 64 connections, driven from a separate load process),
// and live tail delay: from a log line written with store.AppendLogs to its
// arrival at Server-Sent Events clients (in that separate process too).
//
// The program re-executes itself as the load generator: call Main first
// thing in main (see cmd/apibench).
package apibench

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/api"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/pgcluster"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/secret"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// loadEnv carries the load generator's job to the re-executed process.
const loadEnv = "SHIPLOG_APIBENCH_LOAD"

// Options size the benchmark.
type Options struct {
	Releases     int           // stored releases (10,000)
	GrowTo       int           // releases the list is measured at again (100,000)
	Environments int           // they are spread over (10)
	Connections  int           // concurrent connections of the load (64)
	Duration     time.Duration // of each measured load (10s)
	Warmup       time.Duration // before each (2s)
	TailClients  int           // SSE clients following one release (10)
	TailLines    int           // lines written one at a time (1,000)
	TailInterval time.Duration // between lines (10ms)
}

func (o *Options) defaults() {
	if o.Releases <= 0 {
		o.Releases = 10_000
	}
	if o.GrowTo <= 0 {
		o.GrowTo = 100_000
	}
	if o.Environments <= 0 {
		o.Environments = 10
	}
	if o.Connections <= 0 {
		o.Connections = 64
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Warmup <= 0 {
		o.Warmup = 2 * time.Second
	}
	if o.TailClients <= 0 {
		o.TailClients = 10
	}
	if o.TailLines <= 0 {
		o.TailLines = 1000
	}
	if o.TailInterval <= 0 {
		o.TailInterval = 10 * time.Millisecond
	}
}

// Main runs the load generator when this process was started as one and
// exits; otherwise it returns and the caller goes on (to Run).
func Main() {
	job := os.Getenv(loadEnv)
	if job == "" {
		return
	}
	if err := load(job, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "apibench load:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Run sets up a database and a server, runs the loads and prints figures.
func Run(ctx context.Context, w io.Writer, o Options) error {
	o.defaults()
	dir := os.Getenv("SHIPLOG_TEST_PGDIR")
	if dir == "" {
		d, err := os.MkdirTemp("", "shiplog-apibench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	t0 := time.Now()
	cluster, err := pgcluster.Start(ctx, pgcluster.Config{Dir: filepath.Join(dir, "apibench-pg"), NoSync: true, Database: "postgres"})
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	defer cluster.Close(context.WithoutCancel(ctx))
	dbName, err := createDatabase(ctx, cluster)
	if err != nil {
		return err
	}
	box, err := secret.New(make([]byte, 32))
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cluster.URL(dbName), store.Options{Migrate: true, Secrets: box, MaxConns: 8})
	if err != nil {
		return err
	}
	defer st.Close()

	fmt.Fprintf(w, "apibench: PostgreSQL up in %s\n", time.Since(t0).Round(time.Millisecond))
	start := time.Now()
	ids, err := seed(ctx, st, o)
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	fmt.Fprintf(w, "apibench: %d releases over %d environments stored in %s\n", len(ids), o.Environments, time.Since(start).Round(time.Millisecond))

	cat, err := template.Load("")
	if err != nil {
		return err
	}
	srv, err := api.New(api.Config{Store: st, Catalog: cat, Logger: hclog.NewNullLogger()})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	secretTok, _, err := api.IssueToken(ctx, st, "apibench", []string{"read"})
	if err != nil {
		return err
	}

	if f := os.Getenv("APIBENCH_CPUPROFILE"); f != "" {
		pf, err := os.Create(f)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(pf)
		defer func() { pprof.StopCPUProfile(); pf.Close() }()
	}
	var finished, queued []int64
	for i, id := range ids {
		if i%5 >= 3 {
			queued = append(queued, id)
		} else {
			finished = append(finished, id)
		}
	}
	shuffle := func(ids []int64) []int64 {
		out := slices.Clone(ids)
		rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	for _, run := range []struct {
		what   string
		ids    []int64
		target string
	}{
		{"GET /api/v1/releases/{id}, all 10,000 (60% finished)", ids, "≥ 5000 req/s, p99 ≤ 20 ms"},
		{"  of them finished releases", finished, ""},
		{"  of them queued releases", queued, ""},
	} {
		res, err := spawn(ctx, job{Kind: "http", Base: base, Token: secretTok, Format: "/api/v1/releases/%d", IDs: shuffle(run.ids),
			Connections: o.Connections, Duration: o.Duration, Warmup: o.Warmup})
		if err != nil {
			return err
		}
		report(w, run.what, res, run.target)
	}

	if err := listAtSizes(ctx, w, st, base, secretTok, o); err != nil {
		return err
	}
	fmt.Fprintf(w, "(loads from a separate process over %d connections, %s each after %s of warm-up, on loopback)\n", o.Connections, o.Duration, o.Warmup)

	return tail(ctx, w, st, base, secretTok, o)
}

func createDatabase(ctx context.Context, c *pgcluster.Cluster) (string, error) {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	b := make([]byte, 4)
	crand.Read(b)
	name := "apibench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("creating the benchmark database: %w", err)
	}
	return name, nil
}

// seed stores o.Releases releases (with phases and an artifact) over
// o.Environments environments; about 60% end SUCCEEDED or FAILED.
func seed(ctx context.Context, st *store.Store, o Options) ([]int64, error) {
	cat, err := template.Load("")
	if err != nil {
		return nil, err
	}
	t, err := cat.Get("", "terraform-apply")
	if err != nil {
		return nil, err
	}
	for i := range o.Environments {
		if err := st.CreateEnvironment(ctx, &release.Environment{Name: fmt.Sprintf("env-%d", i), Source: release.Source{Dir: "/srv/env"}}); err != nil {
			return nil, err
		}
	}
	art := release.Artifact{URI: "registry.example.com/web:1", AppName: "web", StackName: "shop", BuildID: "b1"}
	if err := st.RegisterArtifact(ctx, &art); err != nil {
		return nil, err
	}
	plan, err := cat.Get("", "full-plan")
	if err != nil {
		return nil, err
	}
	ids := make([]int64, o.Releases)
	var wg sync.WaitGroup
	errs := make(chan error, o.Environments)
	for e := range o.Environments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := fmt.Sprintf("env-%d", e)
			for i := e; i < o.Releases; i += o.Environments {
				if i%5 >= 3 { // 40% queued applies with an artifact
					r := &release.Release{Environment: env, Template: t.Name(), TemplateNamespace: t.Namespace(), Phases: t.Phases(),
						TriggeredBy: "pipeline", Artifacts: []release.Artifact{art}, BlueprintVersion: fmt.Sprintf("v%d", i)}
					if err := st.CreateRelease(ctx, r); err != nil {
						errs <- err
						return
					}
					ids[i] = r.ID
					continue
				}
				// 60% finished plans, recorded whole (no worker involved)
				final := release.StatusSucceeded
				if i%5 == 2 {
					final = release.StatusFailed
				}
				r, err := st.RecordPlan(ctx, store.PlanRecord{
					Release: &release.Release{Environment: env, Template: plan.Name(), TemplateNamespace: plan.Namespace(),
						Phases: plan.Phases(), TriggeredBy: "pipeline", BlueprintVersion: fmt.Sprintf("v%d", i)},
					Phase:   "plan",
					Changes: noChanges{},
					Outcome: func() (release.Status, string) { return final, "" },
				})
				if err != nil {
					errs <- err
					return
				}
				ids[i] = r.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return ids, nil
}

type noChanges struct{}

func (noChanges) Next() (release.Change, error) { return release.Change{}, io.EOF }

// job is what the load process does.
type job struct {
	Kind        string        `json:"kind"` // http or tail
	Base        string        `json:"base"`
	Token       string        `json:"token"`
	Paths       []string      `json:"paths"`
	Format      string        `json:"format"` // with IDs: the paths are Format % each id
	IDs         []int64       `json:"ids"`
	Connections int           `json:"connections"`
	Duration    time.Duration `json:"duration"`
	Warmup      time.Duration `json:"warmup"`
	Lines       int           `json:"lines"` // tail: lines to wait for
}

// result is what it reports.
type result struct {
	Requests int       `json:"requests"`
	Errors   int       `json:"errors"`
	Seconds  float64   `json:"seconds"`
	Millis   []float64 `json:"-"`
	P50      float64   `json:"p50_ms"`
	P99      float64   `json:"p99_ms"`
	Max      float64   `json:"max_ms"`
	Ready    bool      `json:"ready,omitempty"`
}

// spawn runs a job in a new process of this program and returns its result.
func spawn(ctx context.Context, j job) (*result, error) {
	cmd, out, err := start(ctx, j)
	if err != nil {
		return nil, err
	}
	var res result
	dec := json.NewDecoder(out)
	if err := dec.Decode(&res); err != nil {
		cmd.Wait()
		return nil, fmt.Errorf("reading the load process's result: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("the load process: %w", err)
	}
	return &res, nil
}

func start(ctx context.Context, j job) (*exec.Cmd, io.Reader, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), loadEnv+"="+string(b))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting the load process: %w", err)
	}
	return cmd, out, nil
}

func report(w io.Writer, what string, r *result, target string) {
	fmt.Fprintf(w, "%-56s %6.0f req/s  p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  (%d requests, %d errors)",
		what, float64(r.Requests)/r.Seconds, r.P50, r.P99, r.Max, r.Requests, r.Errors)
	if target != "" {
		fmt.Fprintf(w, "  target %s", target)
	}
	fmt.Fprintln(w)
}

// load is the load process.
func load(spec string, out io.Writer) error {
	var j job
	if err := json.Unmarshal([]byte(spec), &j); err != nil {
		return err
	}
	var res *result
	var err error
	switch j.Kind {
	case "http":
		res, err = loadHTTP(j)
	case "tail":
		res, err = loadTail(j, out)
	default:
		err = fmt.Errorf("unknown job %q", j.Kind)
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(res)
}

func loadHTTP(j job) (*result, error) {
	if j.Format != "" {
		for _, id := range j.IDs {
			j.Paths = append(j.Paths, fmt.Sprintf(j.Format, id))
		}
	}
	tr := &http.Transport{MaxIdleConnsPerHost: j.Connections, MaxConnsPerHost: j.Connections, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var (
		mu       sync.Mutex
		all      []float64
		requests int
		errs     int
		measure  time.Time
	)
	startAt := time.Now()
	measure = startAt.Add(j.Warmup)
	end := measure.Add(j.Duration)
	var wg sync.WaitGroup
	for c := range j.Connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []float64
			n, bad := 0, 0
			for i := c; ; i++ {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				req, _ := http.NewRequest("GET", j.Base+j.Paths[i%len(j.Paths)], nil)
				req.Header.Set("Authorization", "Bearer "+j.Token)
				resp, err := client.Do(req)
				ok := err == nil && resp.StatusCode == 200
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if t0.Before(measure) {
					continue
				}
				n++
				if !ok {
					bad++
				}
				lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
			}
			mu.Lock()
			all = append(all, lat...)
			requests += n
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := &result{Requests: requests, Errors: errs, Seconds: j.Duration.Seconds()}
	res.percentiles(all)
	if errs > 0 {
		return res, fmt.Errorf("%d of %d requests failed", errs, requests)
	}
	return res, nil
}

func (r *result) percentiles(ms []float64) {
	if len(ms) == 0 {
		return
	}
	slices.Sort(ms)
	at := func(p float64) float64 { return ms[min(len(ms)-1, int(p*float64(len(ms))))] }
	r.P50, r.P99, r.Max = at(0.50), at(0.99), ms[len(ms)-1]
}
