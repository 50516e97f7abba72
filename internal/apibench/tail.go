package apibench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// This file is the log tail benchmark: lines written by the store and
// followed over the SSE stream by clients in another process.

// tail: the parent writes lines one at a time into a running release; the
// load process follows it with several SSE clients and reports the delay of
// each line at each client.
func tail(ctx context.Context, w io.Writer, st *store.Store, base, token string, o Options) error {
	if err := st.CreateEnvironment(ctx, &release.Environment{Name: "tail", Source: release.Source{Dir: "/srv/tail"}}); err != nil {
		return err
	}
	cat, _ := template.Load("")
	t, _ := cat.Get("", "full-plan")
	r := &release.Release{Environment: "tail", Template: t.Name(), TemplateNamespace: t.Namespace(), Phases: t.Phases(), TriggeredBy: "apibench"}
	if err := st.CreateRelease(ctx, r); err != nil {
		return err
	}
	// It stays QUEUED while lines are written (no worker here); a stream
	// follows it until it ends.
	paths := []string{fmt.Sprintf("/api/v1/releases/%d/logs/stream", r.ID)}
	cmd, out, err := start(ctx, job{Kind: "tail", Base: base, Token: token, Paths: paths, Connections: o.TailClients, Lines: o.TailLines})
	if err != nil {
		return err
	}
	rd := bufio.NewReader(out)
	// The load process says when its clients are connected.
	line, err := rd.ReadBytes('\n')
	if err != nil || !bytes.Contains(line, []byte(`"ready":true`)) {
		cmd.Wait()
		return fmt.Errorf("the tail clients did not connect: %q %v", line, err)
	}
	for seq := 1; seq <= o.TailLines; seq++ {
		e := release.LogEntry{ReleaseID: r.ID, Phase: "plan", Seq: int64(seq), Stream: release.Stdout, DeploymentType: release.DeploymentRegular,
			Text: fmt.Sprintf("terraform_data.x[%d]: Creation complete after 0s", seq)}
		e.Time = time.Now()
		if err := st.AppendLogs(ctx, []release.LogEntry{e}); err != nil {
			return err
		}
		time.Sleep(o.TailInterval)
	}
	if err := st.Transition(ctx, store.StatusChange{ID: r.ID, From: release.StatusQueued, To: release.StatusAborted}); err != nil {
		return err
	}
	var res result
	if err := json.NewDecoder(rd).Decode(&res); err != nil {
		cmd.Wait()
		return fmt.Errorf("reading the tail result: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%-56s p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  (%d lines × %d SSE clients, one line every %s)  target p99 ≤ 250 ms\n",
		"live tail: AppendLogs → SSE client", res.P50, res.P99, res.Max, o.TailLines, o.TailClients, o.TailInterval)
	return nil
}

func loadTail(j job, out io.Writer) (*result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var (
		mu        sync.Mutex
		delays    []float64
		connected sync.WaitGroup
		done      sync.WaitGroup
		firstErr  error
	)
	for range j.Connections {
		connected.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			d, err := follow(ctx, j, connected.Done)
			mu.Lock()
			defer mu.Unlock()
			delays = append(delays, d...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	connected.Wait()
	json.NewEncoder(out).Encode(result{Ready: true})
	done.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if len(delays) != j.Lines*j.Connections {
		return nil, fmt.Errorf("received %d lines, want %d", len(delays), j.Lines*j.Connections)
	}
	res := &result{Requests: len(delays)}
	res.percentiles(delays)
	return res, nil
}

// follow reads one stream to its end and returns each line's delay.
func follow(ctx context.Context, j job, connected func()) ([]float64, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", j.Base+j.Paths[0], nil)
	req.Header.Set("Authorization", "Bearer "+j.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		connected()
		return nil, err
	}
	defer resp.Body.Close()
	connected()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("stream: %s", resp.Status)
	}
	var delays []float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			now := time.Now()
			var e release.LogEntry
			if err := json.Unmarshal([]byte(data), &e); err != nil {
				return nil, err
			}
			if e.Seq > 0 {
				delays = append(delays, float64(now.Sub(e.Time).Microseconds())/1000)
			}
		}
		if line == "event: end" {
			return delays, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("the stream ended without event: end")
}
