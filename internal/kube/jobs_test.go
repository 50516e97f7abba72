package kube_test

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
)

// runAsShiplog, set in a process's environment, makes this test binary
// run shiplog's command line instead of the tests (TestMain): it stands in
// for the runner image's `shiplog` when a test plays the kubelet.
const runAsShiplog = "SHIPLOG_KUBE_TEST_RUN_AS_SHIPLOG"

// runnerSecret is the name of the Secret runner pods read.
const runnerSecret = "shiplog-runner"

// jobController starts a controller in runner-Job mode.
func (h *harness) jobController() {
	h.t.Helper()
	h.controller(func(o *kube.Options) {
		o.Runner = "job"
		o.Job = kube.JobOptions{Image: "registry.example.com/shiplog:test", Secret: runnerSecret, ServiceAccount: "shiplog-runner",
			TTL: 10 * time.Minute, PollInterval: 200 * time.Millisecond, Args: []string{"--lease=5s"}}
	})
}

// jobEnvironment creates environment name in ns, run by Jobs, with the
// configuration mainTF, and the runner Secret there (the database URL and
// the store's key: dbtest's key is 32 zero bytes).
func (h *harness) jobEnvironment(name, ns, mainTF string) {
	h.t.Helper()
	dir := h.t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(mainTF), 0o644); err != nil {
		h.t.Fatal(err)
	}
	_, err := h.svc.CreateEnvironment(context.Background(), admin, apiwire.EnvironmentRequest{
		Name: name, Namespace: ns, Source: release.Source{Dir: dir}, Runner: release.RunnerJob})
	if err != nil {
		h.t.Fatal(err)
	}
	var s corev1.Secret
	if err := h.c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: runnerSecret}, &s); err == nil {
		return
	}
	h.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: runnerSecret}, StringData: map[string]string{
		"database-url": h.url, "secret-key": base64.StdEncoding.EncodeToString(make([]byte, 32))}})
}

// waitJob waits for the runner Job of release id in ns.
func (h *harness) waitJob(ns string, id int64) *batchv1.Job {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		var jobs batchv1.JobList
		if err := h.c.List(ctx, &jobs, client.InNamespace(ns), client.MatchingLabels{kube.LabelReleaseID: strconv.FormatInt(id, 10)}); err == nil && len(jobs.Items) > 0 {
			return &jobs.Items[0]
		}
		w, err := h.c.Watch(ctx, &batchv1.JobList{}, client.InNamespace(ns))
		if err != nil {
			h.t.Fatalf("no runner Job for release %d in %s: %v", id, ns, err)
		}
		select {
		case <-w.ResultChan():
		case <-ctx.Done():
			w.Stop()
			h.t.Fatalf("no runner Job for release %d in %s within 30s", id, ns)
		}
		w.Stop()
	}
}

// runPod plays the kubelet for a runner Job, which envtest does not run:
// it starts the pod's one container as a local process with the pod spec's
// command and args — this test binary standing in for the image's
// `shiplog` — and its environment, secretKeyRefs read from their Secrets
// and the emptyDir's mount path mapped to a directory of the test's. The
// process also gets PATH, where the image has terraform.
func (h *harness) runPod(job *batchv1.Job) *exec.Cmd {
	h.t.Helper()
	spec := job.Spec.Template.Spec
	if len(spec.Containers) != 1 {
		h.t.Fatalf("runner pod has %d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	if len(c.Command) != 1 || c.Command[0] != "shiplog" {
		h.t.Fatalf("runner command %q, want shiplog", c.Command)
	}
	volume := h.t.TempDir()
	os.Chmod(filepath.Dir(volume), 0o755)
	env := []string{runAsShiplog + "=1", "PATH=" + os.Getenv("PATH")}
	for _, e := range c.Env {
		v := e.Value
		if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
			var s corev1.Secret
			if err := h.c.Get(context.Background(), types.NamespacedName{Namespace: job.Namespace, Name: ref.SecretKeyRef.Name}, &s); err != nil {
				h.t.Fatalf("the pod's %s: %v", e.Name, err)
			}
			b, ok := s.Data[ref.SecretKeyRef.Key]
			if !ok {
				h.t.Fatalf("the pod's %s: Secret %s has no key %s", e.Name, ref.SecretKeyRef.Name, ref.SecretKeyRef.Key)
			}
			v = string(b)
		}
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(v, m.MountPath) {
				v = volume + strings.TrimPrefix(v, m.MountPath)
			}
		}
		env = append(env, e.Name+"="+v)
	}
	cmd := exec.Command(os.Args[0], c.Args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = testWriter{h.t, "runner"}, testWriter{h.t, "runner"}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// testWriter logs a process's output lines to the test.
type testWriter struct {
	t    *testing.T
	name string
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s: %s", w.name, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// finishJob writes a Job's status as the job controller would when its pod
// ended: Complete (reason "") or Failed with reason and message.
func (h *harness) finishJob(job *batchv1.Job, reason, message string) {
	h.t.Helper()
	var cur batchv1.Job
	if err := h.c.Get(context.Background(), client.ObjectKeyFromObject(job), &cur); err != nil {
		h.t.Fatal(err)
	}
	now := metav1.Now()
	cur.Status.StartTime = &now
	cond := func(t batchv1.JobConditionType, reason, message string) batchv1.JobCondition {
		return batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, LastProbeTime: now, LastTransitionTime: now, Reason: reason, Message: message}
	}
	if reason == "" {
		cur.Status.Succeeded = 1
		cur.Status.CompletionTime = &now
		cur.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobSuccessCriteriaMet, "CompletionsReached", ""), cond(batchv1.JobComplete, "CompletionsReached", "")}
	} else {
		cur.Status.Failed = 1
		cur.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobFailureTarget, reason, message), cond(batchv1.JobFailed, reason, message)}
	}
	if err := h.c.Status().Update(context.Background(), &cur); err != nil {
		h.t.Fatalf("writing Job %s's status: %v", job.Name, err)
	}
}

// A Release of a job-runner environment runs as one Job in its namespace,
// owned by the Release, whose pod (played here) runs the real terraform
// release to SUCCEEDED; the Release shows it with its phases.
func TestReleaseRunsAsRunnerJob(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	main, err := os.ReadFile(filepath.Join(repoRoot, "examples", "kubernetes", "config", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	h.jobEnvironment("shop", ns, string(main))
	h.jobController() // and no worker: only the Job can run it
	h.create(example(t, ns)...)
	cr := h.waitRelease(ns, "web-1", 30*time.Second, "a release queued", func(r *v1alpha1.Release) bool { return r.Status.ReleaseID != 0 })
	id := cr.Status.ReleaseID
	job := h.waitJob(ns, id)

	t.Run("the Job", func(t *testing.T) {
		if job.Spec.BackoffLimit == nil || *job.Spec.BackoffLimit != 0 {
			t.Errorf("backoffLimit %v, want 0", job.Spec.BackoffLimit)
		}
		// the template's three phases at the default 1h, plus 10m to start
		if d := job.Spec.ActiveDeadlineSeconds; d == nil || *d != 3*3600+600 {
			t.Errorf("activeDeadlineSeconds %v, want %d", d, 3*3600+600)
		}
		if ttl := job.Spec.TTLSecondsAfterFinished; ttl == nil || *ttl != 600 {
			t.Errorf("ttlSecondsAfterFinished %v, want 600", ttl)
		}
		if len(job.OwnerReferences) != 1 || job.OwnerReferences[0].UID != cr.UID || job.OwnerReferences[0].Kind != "Release" {
			t.Errorf("ownerReferences %+v, want the Release web-1 (%s)", job.OwnerReferences, cr.UID)
		}
		pod := job.Spec.Template.Spec
		if pod.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("restartPolicy %s, want Never", pod.RestartPolicy)
		}
		if pod.ServiceAccountName != "shiplog-runner" {
			t.Errorf("serviceAccountName %q", pod.ServiceAccountName)
		}
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			t.Errorf("the runner's service account token is mounted; it needs no API access")
		}
		c := pod.Containers[0]
		if c.Image != "registry.example.com/shiplog:test" {
			t.Errorf("image %q", c.Image)
		}
		for _, name := range []string{"SHIPLOG_DATABASE_URL", "SHIPLOG_SECRET_KEY"} {
			i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == name })
			if i < 0 || c.Env[i].Value != "" || c.Env[i].ValueFrom == nil || c.Env[i].ValueFrom.SecretKeyRef == nil || c.Env[i].ValueFrom.SecretKeyRef.Name != runnerSecret {
				t.Errorf("%s should come from Secret %s only, never in the Job in clear", name, runnerSecret)
			}
		}
	})

	cmd := h.runPod(job)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the runner pod's command failed: %v", err)
	}
	h.finishJob(job, "", "")
	cr = h.waitRelease(ns, "web-1", 30*time.Second, "SUCCEEDED", statusIs(release.StatusSucceeded))
	if len(cr.Status.Phases) != 3 {
		t.Fatalf("phases on the Release: %+v", cr.Status.Phases)
	}
	for _, p := range cr.Status.Phases {
		if p.Status != string(release.PhaseSucceeded) {
			t.Errorf("phase %s is %s on the Release, want SUCCEEDED", p.Name, p.Status)
		}
	}
	rel, err := h.st.GetRelease(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if rel.Summary.Create == 0 {
		t.Errorf("the release recorded no changes: %+v", rel.Summary)
	}
}

// slowConfig applies for a while: time to lose the runner mid-apply.
const slowConfig = `
resource "terraform_data" "slow" {
  input = "x"
  provisioner "local-exec" {
    command = "sleep 20"
  }
}
`

// A runner pod that dies mid-release (OOM-killed here) ends its release
// STOPPED with the pod's reason; a Job past its deadline ends it
// TIMED_OUT. The release's phases end with it.
func TestRunnerJobLost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1)
	ns := h.ns[0]
	h.jobEnvironment("slow", ns, slowConfig)
	h.jobEnvironment("late", ns, slowConfig)
	h.jobController()
	ctx := context.Background()
	create := func(env string) int64 {
		rel, _, err := h.svc.CreateRelease(ctx, admin, service.NewRelease{CreateReleaseRequest: apiwire.CreateReleaseRequest{
			Environment: env, Template: "terraform-apply"}})
		if err != nil {
			t.Fatal(err)
		}
		return rel.ID
	}
	phasesEnded := func(t *testing.T, rel *release.Release) {
		for _, p := range rel.Phases {
			if !p.Status.Final() {
				t.Errorf("phase %s left %s", p.Name, p.Status)
			}
		}
	}

	t.Run("pod OOM-killed", func(t *testing.T) {
		id := create("slow")
		job := h.waitJob(ns, id)
		cmd := h.runPod(job)
		h.waitStored(id, 60*time.Second, "applying", func(r *release.Release) bool {
			i := slices.IndexFunc(r.Phases, func(p release.Phase) bool { return p.Action == release.ActionApply })
			return i >= 0 && r.Phases[i].Status == release.PhaseInProgress
		})
		cmd.Process.Kill()
		cmd.Wait()
		// the kubelet's report of the pod, then the job controller's
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: job.Name + "-x7k2p",
			Labels: map[string]string{"job-name": job.Name, kube.LabelReleaseID: strconv.FormatInt(id, 10)}},
			Spec: job.Spec.Template.Spec}
		h.create(pod)
		pod.Status = corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{Name: kube.RunnerContainer,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}}}}
		if err := h.c.Status().Update(ctx, pod); err != nil {
			t.Fatal(err)
		}
		h.finishJob(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit")
		rel := h.waitStored(id, 30*time.Second, "STOPPED", func(r *release.Release) bool { return r.Status.Terminal() })
		if rel.Status != release.StatusStopped {
			t.Fatalf("status %s, want STOPPED", rel.Status)
		}
		for _, want := range []string{"BackoffLimitExceeded", "OOMKilled (exit code 137)", job.Name} {
			if !strings.Contains(rel.ErrorLog, want) {
				t.Errorf("error log %q does not say %q", rel.ErrorLog, want)
			}
		}
		phasesEnded(t, rel)
	})

	t.Run("past the deadline", func(t *testing.T) {
		id := create("late")
		job := h.waitJob(ns, id)
		// the pod never ran: the job controller gives up at the deadline
		h.finishJob(job, batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline")
		rel := h.waitStored(id, 30*time.Second, "TIMED_OUT", func(r *release.Release) bool { return r.Status.Terminal() })
		if rel.Status != release.StatusTimedOut {
			t.Fatalf("status %s, want TIMED_OUT", rel.Status)
		}
		if !strings.Contains(rel.ErrorLog, "activeDeadlineSeconds") {
			t.Errorf("error log %q does not name the deadline", rel.ErrorLog)
		}
		phasesEnded(t, rel)
	})
}
