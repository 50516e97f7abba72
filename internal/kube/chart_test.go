package kube_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// chartDir is the Helm chart of examples/kubernetes.
var chartDir = filepath.Join(repoRoot, "examples", "kubernetes", "chart")

// render renders the chart as `helm template` does (Helm's own engine, as a
// library) with the values of valuesFile (relative to the chart; "" for
// the defaults), release name "shiplog" in namespace ns, and returns its
// objects.
func render(t *testing.T, ns, valuesFile string) []*unstructured.Unstructured {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	vals := chartcommon.Values{}
	if valuesFile != "" {
		if vals, err = chartcommon.ReadValuesFile(filepath.Join(chartDir, valuesFile)); err != nil {
			t.Fatal(err)
		}
	}
	rv, err := chartutil.ToRenderValues(ch, vals, chartcommon.ReleaseOptions{Name: "shiplog", Namespace: ns, IsInstall: true},
		chartcommon.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Render(ch, rv)
	if err != nil {
		t.Fatalf("rendering the chart: %v", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var objs []*unstructured.Unstructured
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		for doc := range strings.SplitSeq(files[name], "\n---") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var m map[string]any
			if err := yaml.UnmarshalStrict([]byte(doc), &m); err != nil {
				t.Fatalf("%s renders invalid YAML: %v\n%s", name, err, doc)
			}
			if m == nil {
				continue
			}
			u := &unstructured.Unstructured{Object: m}
			if u.GetNamespace() == "" && namespaced(u.GetKind()) {
				u.SetNamespace(ns)
			}
			objs = append(objs, u)
		}
	}
	return objs
}

func namespaced(kind string) bool {
	return !slices.Contains([]string{"ClusterRole", "ClusterRoleBinding", "Namespace", "CustomResourceDefinition"}, kind)
}

// The chart renders, with the defaults and with the controller limited to
// two namespaces, into manifests the real API server accepts (server-side
// apply, dry run): server, workers and controller Deployments with their
// probes and Secrets, least-privilege RBAC, and the CRDs, which are the
// generated ones.
func TestHelmChartApplies(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	for _, team := range []string{"team-a", "team-b"} {
		err := h.c.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: team}})
		if err != nil && !strings.Contains(err.Error(), "already exists") {
			t.Fatal(err)
		}
	}
	for _, values := range []string{"", "values-namespaced.yaml", "values-jobs.yaml"} {
		objs := render(t, ns, values)
		kinds := map[string]int{}
		for _, o := range objs {
			kinds[o.GetKind()]++
			err := h.c.Patch(context.Background(), o, client.Apply, client.DryRunAll, client.FieldOwner("shiplog-chart-test"), client.ForceOwnership)
			if err != nil {
				t.Errorf("values %q: %s %s/%s: %v", values, o.GetKind(), o.GetNamespace(), o.GetName(), err)
			}
		}
		if kinds["Deployment"] != 3 || kinds["Service"] != 1 {
			t.Errorf("values %q: rendered %v, want the server, worker and controller Deployments and a Service", values, kinds)
		}
		namespacedRBAC := values != ""
		jobs := values == "values-jobs.yaml"
		if jobs && kinds["ServiceAccount"] != 2+2 {
			t.Errorf("values %q: rendered %v, want the runner ServiceAccount in each of the two namespaces besides the controller's and the server's", values, kinds)
		}
		if !jobs && kinds["ServiceAccount"] != 2 {
			t.Errorf("values %q: rendered %v, want no runner ServiceAccount", values, kinds)
		}
		for _, o := range objs {
			text, _ := yaml.Marshal(o.Object)
			if o.GetKind() == "Role" && strings.HasSuffix(o.GetName(), "-controller") && strings.Contains(string(text), "jobs") != jobs {
				t.Errorf("values %q: the controller's Role %s/%s grants Jobs: %v, want %v", values, o.GetNamespace(), o.GetName(), !jobs, jobs)
			}
			if o.GetKind() == "Deployment" && strings.HasSuffix(o.GetName(), "-controller") {
				for _, arg := range []string{"--runner-image=registry.example.com/shiplog:dev", "--runner-secret=shiplog-runner", "--runner-memory=1Gi"} {
					if strings.Contains(string(text), arg) != jobs {
						t.Errorf("values %q: the controller's args have %s: %v, want %v", values, arg, !jobs, jobs)
					}
				}
			}
		}
		if namespacedRBAC && (kinds["ClusterRole"] != 0 || kinds["Role"] != 5) {
			t.Errorf("values %q: rendered %v, want Roles in each namespace and no ClusterRole", values, kinds)
		}
		if !namespacedRBAC && (kinds["ClusterRole"] != 2 || kinds["Role"] != 1) {
			t.Errorf("values %q: rendered %v, want two ClusterRoles and the Lease's Role", values, kinds)
		}
		for _, o := range objs {
			if o.GetKind() != "Deployment" {
				continue
			}
			text, _ := yaml.Marshal(o.Object)
			s := string(text)
			for _, want := range []string{"SHIPLOG_DATABASE_URL", "SHIPLOG_SECRET_KEY", "secretKeyRef"} {
				if !strings.Contains(s, want) {
					t.Errorf("%s lacks %s", o.GetName(), want)
				}
			}
			if strings.HasSuffix(o.GetName(), "-worker") {
				if !strings.Contains(s, "automountServiceAccountToken: false") {
					t.Errorf("workers may reach the Kubernetes API")
				}
				continue
			}
			for _, probe := range []string{"path: /healthz", "path: /readyz"} {
				if !strings.Contains(s, probe) {
					t.Errorf("%s has no probe on %s", o.GetName(), probe)
				}
			}
		}
	}
	// The chart's CRDs are the generated ones.
	for _, name := range []string{"shiplog.dev_releases.yaml", "shiplog.dev_releasetemplates.yaml"} {
		a, err1 := os.ReadFile(filepath.Join(chartDir, "crds", name))
		b, err2 := os.ReadFile(filepath.Join(repoRoot, "templates", "releases", "crd", name))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("chart's crds/%s differs from templates/releases/crd (run make generate): %v %v", name, err1, err2)
		}
	}
}
