package kube_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// BenchmarkReleaseCRs: 1,000 Release CRs over 20 namespaces against the
// real API server and one controller. Figures: CR created (its Create
// answered) → its release QUEUED in the store (the release's queued_at;
// one clock, one machine), and final status in the store (an abort of the
// queued release answered) → the CR's status showing it (seen on a
// watch). Baseline, same run: a plain ConfigMap create + get round trip on
// the same API server. One run of 1,000 (not a median of 5: a run takes
// about a minute on 2 cores).
func BenchmarkReleaseCRs(b *testing.B) {
	const crs, namespaces, parallel = 1000, 20, 8
	ctx := context.Background()
	cfg := *restConfig
	cfg.QPS, cfg.Burst = 2000, 4000 // the bench's and the controller's clients: no client-side throttling
	c, err := client.NewWithWatch(&cfg, client.Options{Scheme: scheme})
	if err != nil {
		b.Fatal(err)
	}
	st := dbtest.Store(b)
	cat, err := template.Load("")
	if err != nil {
		b.Fatal(err)
	}
	svc, err := service.New(st, cat, nil)
	if err != nil {
		b.Fatal(err)
	}
	run := randomHex(3)
	var nss []string
	for i := range namespaces {
		ns := fmt.Sprintf("bench-%s-%02d", run, i)
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.CreateEnvironment(ctx, admin, apiwireEnv(fmt.Sprintf("env-%02d", i), ns)); err != nil {
			b.Fatal(err)
		}
		nss = append(nss, ns)
	}
	ctl, err := kube.NewController(&cfg, st, svc, cat, kube.Options{Namespaces: nss})
	if err != nil {
		b.Fatal(err)
	}
	cctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ctl.Run(cctx) }()
	defer func() { stop(); <-done }()

	// Baseline: ConfigMap create + get.
	baseline := make([]time.Duration, 0, crs)
	var mu sync.Mutex
	each(parallel, crs, func(i int) {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: nss[i%namespaces], Name: fmt.Sprintf("cm-%d", i)}}
		start := time.Now()
		if err := c.Create(ctx, cm); err != nil {
			b.Error(err)
			return
		}
		if err := c.Get(ctx, client.ObjectKeyFromObject(cm), &corev1.ConfigMap{}); err != nil {
			b.Error(err)
			return
		}
		mu.Lock()
		baseline = append(baseline, time.Since(start))
		mu.Unlock()
	})

	// Watch every Release of the run, to see statuses arrive.
	type seen struct{ queued, aborted time.Time }
	var smu sync.Mutex
	statuses := map[string]*seen{}
	allQueued, allAborted := make(chan struct{}), make(chan struct{})
	nQueued, nAborted := 0, 0
	w, err := c.Watch(ctx, &v1alpha1.ReleaseList{}, client.MatchingLabels{"bench": run})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	ids := map[int64]string{}
	go func() {
		for ev := range w.ResultChan() {
			r, ok := ev.Object.(*v1alpha1.Release)
			if !ok || ev.Type == watch.Deleted {
				continue
			}
			now := time.Now()
			key := r.Namespace + "/" + r.Name
			smu.Lock()
			s := statuses[key]
			if s == nil {
				s = &seen{}
				statuses[key] = s
			}
			if r.Status.ReleaseID != 0 && s.queued.IsZero() {
				s.queued = now
				ids[r.Status.ReleaseID] = key
				if nQueued++; nQueued == crs {
					close(allQueued)
				}
			}
			if r.Status.Status == string(release.StatusAborted) && s.aborted.IsZero() {
				s.aborted = now
				if nAborted++; nAborted == crs {
					close(allAborted)
				}
			}
			smu.Unlock()
		}
	}()

	// One at a time first (an idle controller): 20 Releases, each created,
	// waited for, aborted and waited for.
	const idle = 20
	var idleQueued, idleCR []time.Duration
	for i := range idle {
		ns := nss[i%namespaces]
		r := newRelease(ns, fmt.Sprintf("idle-%d", i), fmt.Sprintf("env-%02d", i%namespaces), "terraform-apply")
		r.Labels = map[string]string{"bench-idle": run}
		if err := c.Create(ctx, r); err != nil {
			b.Fatal(err)
		}
		at := time.Now()
		got := waitCR(b, c, ns, r.Name, func(r *v1alpha1.Release) bool { return r.Status.ReleaseID != 0 })
		rel, err := st.GetRelease(ctx, got.Status.ReleaseID)
		if err != nil {
			b.Fatal(err)
		}
		idleQueued = append(idleQueued, rel.QueuedAt.Sub(at))
		if err := svc.Abort(ctx, service.Caller{Name: "bench", Scopes: []string{"write"}}, rel.ID, ""); err != nil {
			b.Fatal(err)
		}
		at = time.Now()
		waitCR(b, c, ns, r.Name, func(r *v1alpha1.Release) bool { return r.Status.Status == string(release.StatusAborted) })
		idleCR = append(idleCR, time.Since(at))
	}

	created := make(map[string]time.Time, crs)
	each(parallel, crs, func(i int) {
		ns := nss[i%namespaces]
		r := newRelease(ns, fmt.Sprintf("r-%d", i), fmt.Sprintf("env-%02d", i%namespaces), "terraform-apply")
		r.Labels = map[string]string{"bench": run}
		if err := c.Create(ctx, r); err != nil {
			b.Error(err)
			return
		}
		at := time.Now()
		mu.Lock()
		created[ns+"/"+r.Name] = at
		mu.Unlock()
	})
	select {
	case <-allQueued:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d Releases got a release", nQueued, crs)
	}
	var toQueued []time.Duration
	smu.Lock()
	idList := make([]int64, 0, len(ids))
	for id, key := range ids {
		rel, err := st.GetRelease(ctx, id)
		if err != nil || rel.QueuedAt == nil {
			b.Fatalf("release %d: %v", id, err)
		}
		toQueued = append(toQueued, rel.QueuedAt.Sub(created[key]))
		idList = append(idList, id)
	}
	smu.Unlock()

	// Final status in the store → on the CR.
	ended := make(map[string]time.Time, crs)
	each(parallel, len(idList), func(i int) {
		id := idList[i]
		if err := svc.Abort(ctx, service.Caller{Name: "bench", Scopes: []string{"write"}}, id, ""); err != nil {
			b.Error(err)
			return
		}
		at := time.Now()
		smu.Lock()
		ended[ids[id]] = at
		smu.Unlock()
	})
	select {
	case <-allAborted:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d Releases showed ABORTED", nAborted, crs)
	}
	var toCR []time.Duration
	smu.Lock()
	for key, s := range statuses {
		toCR = append(toCR, max(0, s.aborted.Sub(ended[key])))
	}
	smu.Unlock()

	report := func(name string, d []time.Duration) (p50, p99 time.Duration) {
		slices.Sort(d)
		p50, p99 = d[len(d)/2], d[len(d)*99/100]
		b.ReportMetric(float64(p50.Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, name+"-p99-ms")
		return p50, p99
	}
	iq50, iq99 := report("idle-created-to-queued", idleQueued)
	is50, is99 := report("idle-final-to-cr", idleCR)
	q50, q99 := report("created-to-queued", toQueued)
	s50, s99 := report("final-to-cr", toCR)
	base50, base99 := report("baseline-create-get", baseline)
	fmt.Printf("BenchmarkReleaseCRs: %d Releases over %d namespaces, %d at a time\n", crs, namespaces, parallel)
	fmt.Printf("  one at a time (%d): created → QUEUED p50 %v, p99 %v; final → CR p50 %v, p99 %v\n", idle,
		iq50.Round(time.Microsecond*100), iq99.Round(time.Microsecond*100), is50.Round(time.Microsecond*100), is99.Round(time.Microsecond*100))
	fmt.Printf("  CR created → release QUEUED:   p50 %v, p99 %v\n", q50.Round(time.Microsecond*100), q99.Round(time.Microsecond*100))
	fmt.Printf("  final status → CR status:       p50 %v, p99 %v\n", s50.Round(time.Microsecond*100), s99.Round(time.Microsecond*100))
	fmt.Printf("  baseline ConfigMap create+get:  p50 %v, p99 %v\n", base50.Round(time.Microsecond*100), base99.Round(time.Microsecond*100))
}

// apiwireEnv is an environment request for name in namespace ns (a dir
// source that is never read: the benchmark runs no release).
func apiwireEnv(name, ns string) apiwire.EnvironmentRequest {
	return apiwire.EnvironmentRequest{Name: name, Namespace: ns, Source: release.Source{Dir: "/"}}
}

// waitCR watches Release ns/name until done.
func waitCR(b *testing.B, c client.WithWatch, ns, name string, done func(*v1alpha1.Release) bool) *v1alpha1.Release {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := c.Watch(ctx, &v1alpha1.ReleaseList{}, client.InNamespace(ns), client.MatchingFields{"metadata.name": name})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if r, ok := ev.Object.(*v1alpha1.Release); ok && done(r) {
			return r
		}
	}
	b.Fatalf("Release %s/%s: not as wanted within a minute", ns, name)
	return nil
}

// each runs f(0..n-1), parallel at a time.
func each(parallel, n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
