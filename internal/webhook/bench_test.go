package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/benchutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/webhook"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// quantile is the q-quantile (0..1) of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// BenchmarkWebhookDelivery: 1,000 releases, one at a time, each created
// (a status change the outbox trigger turns into a delivery) and timed
// until the receiver has it, through a running dispatcher woken by the
// database's notification; beside the baseline of a bare HTTP POST of the
// same payload to the same receiver.
func BenchmarkWebhookDelivery(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := dbtest.Store(b)
	arrived := make(chan int64, 16)
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Data struct {
				ReleaseID int64 `json:"release_id"`
			} `json:"data"`
		}
		_ = json.NewDecoder(r.Body).Decode(&p)
		w.WriteHeader(http.StatusNoContent)
		mu.Lock()
		defer mu.Unlock()
		if p.Data.ReleaseID > 0 {
			arrived <- p.Data.ReleaseID
		}
	}))
	defer srv.Close()
	env := &release.Environment{Name: "bench", Source: release.Source{Dir: "/srv/bench"}}
	if err := st.CreateEnvironment(ctx, env); err != nil {
		b.Fatal(err)
	}
	hook := &release.Webhook{URL: srv.URL, Events: []string{"release.created"}, Format: "standard", CreatedBy: "bench"}
	secret, _ := webhook.NewSecret()
	if err := st.CreateWebhook(ctx, hook, secret); err != nil {
		b.Fatal(err)
	}
	d := &webhook.Dispatcher{Store: st, AllowPrivate: true}
	go d.Run(ctx)

	const n = 1000
	var viaShiplog, bare []time.Duration
	body := []byte(`{"type":"release.created","version":1,"data":{"release_id":0}}`)
	for i := range n {
		r := &release.Release{Environment: "bench", Template: "terraform-apply", TemplateNamespace: "shiplog", TriggeredBy: "bench",
			Phases: []release.Phase{{Name: "plan", Action: release.ActionPlan}}}
		start := time.Now()
		if err := st.CreateRelease(ctx, r); err != nil {
			b.Fatal(err)
		}
		select {
		case id := <-arrived:
			if id != r.ID {
				b.Fatalf("release %d arrived while waiting for %d", id, r.ID)
			}
		case <-time.After(time.Minute):
			b.Fatalf("release %d (%d of %d) never arrived", r.ID, i+1, n)
		}
		viaShiplog = append(viaShiplog, time.Since(start))

		start = time.Now()
		resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		bare = append(bare, time.Since(start))
	}
	fmt.Printf("\nwebhook delivery latency, %d releases one at a time (the creating transaction, its commit and the delivery until the receiver has it)\n", n)
	fmt.Printf("  baseline: a bare HTTP POST to the receiver   p50 %7.2f ms  p99 %7.2f ms\n", benchutil.Millis(quantile(bare, 0.5)), benchutil.Millis(quantile(bare, 0.99)))
	fmt.Printf("  shiplog: commit → outbox → dispatcher → POST p50 %7.2f ms  p99 %7.2f ms\n", benchutil.Millis(quantile(viaShiplog, 0.5)), benchutil.Millis(quantile(viaShiplog, 0.99)))
}
