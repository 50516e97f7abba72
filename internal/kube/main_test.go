package kube_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/cli"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/testutil"
	"github.com/shiplog-dev/terraform-provider-shiplog/worker"
)

// The tests of this package run against one real kube-apiserver and etcd
// (envtest, started in TestMain from the binaries scripts/k8s/build.sh
// builds into .bin/k8s, or $KUBEBUILDER_ASSETS) with the CRDs of
// templates/releases/crd installed, a real PostgreSQL database per test
// and the real terraform. Each test works in namespaces of its own. The
// binaries missing fails the run: it is never skipped.
var (
	restConfig *rest.Config
	scheme     *runtime.Scheme
)

// repoRoot is the repository's root, from this package's directory.
const repoRoot = "../.."

func TestMain(m *testing.M) {
	if os.Getenv(runAsShiplog) == "1" { // a runner pod's command (jobs_test.go)
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := cli.Main(ctx, "test", os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	ctrllog.SetLogger(logr.Discard())
	os.Exit(run(m))
}

func run(m *testing.M) int {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets, _ = filepath.Abs(filepath.Join(repoRoot, ".bin", "k8s"))
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := exec.LookPath(filepath.Join(assets, bin)); err != nil {
			fmt.Fprintf(os.Stderr, "kube tests: no %s in %s: run scripts/k8s/build.sh (make test does) or set KUBEBUILDER_ASSETS\n", bin, assets)
			return 1
		}
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(repoRoot, "templates", "releases", "crd")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kube tests: starting kube-apiserver and etcd:", err)
		return 1
	}
	defer env.Stop()
	restConfig = cfg
	if scheme, err = kube.Scheme(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return dbtest.Run(m)
}

// harness is one test's cluster client, database, service, controller and
// worker.
type harness struct {
	t       *testing.T
	c       client.WithWatch
	st      *store.Store
	url     string
	svc     *service.Service
	catalog *template.Catalog
	ns      []string

	mu    sync.Mutex
	stops []func()
}

// admin is who the tests set up environments as.
var admin = service.Caller{Name: "test-admin", Scopes: []string{"admin"}}

// newHarness makes n namespaces of the test's own and a database.
func newHarness(t *testing.T, n int) *harness {
	t.Helper()
	c, err := client.NewWithWatch(restConfig, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	st, url := dbtest.StoreURL(t)
	cat, err := template.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.New(st, cat, testutil.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, c: c, st: st, url: url, svc: svc, catalog: cat}
	for range n {
		ns := "t-" + strings.ToLower(strings.ReplaceAll(t.Name(), "_", "-"))
		if len(ns) > 40 {
			ns = ns[:40]
		}
		ns = strings.Trim(ns, "-") + "-" + randomHex(3)
		if err := c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
		h.ns = append(h.ns, ns)
	}
	t.Cleanup(func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		for i := len(h.stops) - 1; i >= 0; i-- {
			h.stops[i]()
		}
	})
	return h
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// controller starts a controller watching the harness's namespaces; stop
// ends it (also at the test's end).
func (h *harness) controller(tune ...func(*kube.Options)) (stop func()) {
	h.t.Helper()
	opts := kube.Options{Namespaces: h.ns, PageURL: "http://shiplog.test", Requeue: 500 * time.Millisecond, Logger: testutil.Logger(h.t)}
	for _, f := range tune {
		f(&opts)
	}
	ctl, err := kube.NewController(restConfig, h.st, h.svc, h.catalog, opts)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.background(func(ctx context.Context) error { return ctl.Run(ctx) })
}

// worker starts a worker with two slots on the harness's database.
func (h *harness) worker() {
	h.t.Helper()
	w, err := worker.New(context.Background(), worker.Config{Store: h.st, DatabaseURL: h.url, WorkDir: h.t.TempDir(),
		Lease: 10 * time.Second, PollInterval: 200 * time.Millisecond, Concurrency: 2, Logger: testutil.Logger(h.t)})
	if err != nil {
		h.t.Fatal(err)
	}
	h.background(w.Run)
}

// background runs f until the returned stop (or the test's end).
func (h *harness) background(f func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && ctx.Err() == nil {
				h.t.Errorf("stopped with: %v", err)
			}
		})
	}
	h.mu.Lock()
	h.stops = append(h.stops, stop)
	h.mu.Unlock()
	return stop
}

// environment creates environment name (namespace ns) from the example's
// configuration, as a directory the environment's uid can read.
func (h *harness) environment(name, ns string) {
	h.t.Helper()
	main, err := os.ReadFile(filepath.Join(repoRoot, "examples", "kubernetes", "config", "main.tf"))
	if err != nil {
		h.t.Fatal(err)
	}
	dir := h.t.TempDir()
	// a root worker packs a dir source only as far as the environment's uid may read it
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), main, 0o644); err != nil {
		h.t.Fatal(err)
	}
	_, err = h.svc.CreateEnvironment(context.Background(), admin, apiwire.EnvironmentRequest{
		Name: name, Namespace: ns, Source: release.Source{Dir: dir}})
	if err != nil {
		h.t.Fatal(err)
	}
}

// example reads examples/kubernetes/release.yaml's objects, in namespace ns.
func example(t *testing.T, ns string) []client.Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "examples", "kubernetes", "release.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	for doc := range strings.SplitSeq(string(data), "\n---\n") {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatal(err)
		}
		var obj client.Object
		switch tm.Kind {
		case "ReleaseTemplate":
			obj = &v1alpha1.ReleaseTemplate{}
		case "Release":
			obj = &v1alpha1.Release{}
		case "Secret":
			obj = &corev1.Secret{}
		default:
			t.Fatalf("example has a %q", tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("example's %s: %v", tm.Kind, err)
		}
		obj.SetNamespace(ns)
		objs = append(objs, obj)
	}
	return objs
}

func (h *harness) create(objs ...client.Object) {
	h.t.Helper()
	for _, o := range objs {
		if err := h.c.Create(context.Background(), o); err != nil {
			h.t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

// waitRelease watches Release ns/name until done says it is as wanted,
// and returns it; it fails the test after within.
func (h *harness) waitRelease(ns, name string, within time.Duration, what string, done func(*v1alpha1.Release) bool) *v1alpha1.Release {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	var last *v1alpha1.Release
	for ctx.Err() == nil {
		var list v1alpha1.ReleaseList
		if err := h.c.List(ctx, &list, client.InNamespace(ns), client.MatchingFields{"metadata.name": name}); err != nil {
			break
		}
		for i := range list.Items {
			if last = &list.Items[i]; done(last) {
				return last
			}
		}
		w, err := h.c.Watch(ctx, &v1alpha1.ReleaseList{}, client.InNamespace(ns), client.MatchingFields{"metadata.name": name},
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion}})
		if err != nil {
			break
		}
		for ev := range w.ResultChan() {
			if r, ok := ev.Object.(*v1alpha1.Release); ok {
				if last = r; done(r) {
					w.Stop()
					return r
				}
			}
		}
		w.Stop()
	}
	h.t.Fatalf("Release %s/%s: %s: not within %v; last seen: %s", ns, name, what, within, describe(last))
	return nil
}

func describe(r *v1alpha1.Release) string {
	if r == nil {
		return "none"
	}
	b, _ := yaml.Marshal(r.Status)
	return fmt.Sprintf("annotations %v, status:\n%s", r.Annotations, b)
}

// statusIs is a waitRelease condition: the release's status is s.
func statusIs(s release.Status) func(*v1alpha1.Release) bool {
	return func(r *v1alpha1.Release) bool { return r.Status.Status == string(s) }
}

// waitStored waits, on the store's announcements, until release id is as
// done wants, and returns it.
func (h *harness) waitStored(id int64, within time.Duration, what string, done func(*release.Release) bool) *release.Release {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	go h.st.Listen(ctx, store.Subscriber{Channels: []string{store.ReleaseChannel},
		Notify: func(_, _ string) { poke() }, Connected: func(up bool) { poke() }})
	var last *release.Release
	for {
		select {
		case <-changed:
		case <-ctx.Done():
			h.t.Fatalf("release %d: %s: not within %v; last seen %+v", id, what, within, last)
		}
		rel, err := h.st.GetRelease(ctx, id)
		if err != nil {
			continue
		}
		if last = rel; done(rel) {
			return rel
		}
	}
}

// annotate sets an annotation on Release ns/name.
func (h *harness) annotate(ns, name, key, value string) {
	h.t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, key, value)
	err := h.c.Patch(context.Background(), &v1alpha1.Release{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}},
		client.RawPatch(types.MergePatchType, []byte(patch)))
	if err != nil {
		h.t.Fatal(err)
	}
}

// events lists the events about object name in ns.
func (h *harness) events(ns, name string) []string {
	h.t.Helper()
	var list eventsv1.EventList
	if err := h.c.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			out = append(out, e.Type+" "+e.Reason+": "+e.Note)
		}
	}
	return out
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }
