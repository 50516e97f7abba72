package kube

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// This file is the runner-Job mode (`shiplog controller --runner=job`):
// releases of environments whose runner is "job" are claimed here, in the
// queue's order and under the queue's rules (PostgreSQL stays the queue),
// and each claim becomes one Kubernetes Job in the environment's
// namespace whose pod runs `shiplog runner` for that release under the
// claim's lease. When a Job fails — its pod evicted, OOM-killed, or past
// activeDeadlineSeconds — the release it held ends STOPPED or TIMED_OUT
// with the reason the Job and its pod give.

// Labels and annotations of runner Jobs.
const (
	// LabelReleaseID is on a runner Job and its pod: the release it runs.
	LabelReleaseID = "shiplog.dev/release-id"
	// AnnotationLeaseOwner is on a runner Job: the lease its pod holds
	// (job/<namespace>/<name>).
	AnnotationLeaseOwner = "shiplog.dev/lease-owner"
	// RunnerContainer is the name of the runner Job's container.
	RunnerContainer = "runner"
	// RunnerDataDir is where the runner's pod keeps its working copies (an
	// emptyDir volume).
	RunnerDataDir = "/var/lib/shiplog"
)

// JobOptions shape the runner Jobs.
type JobOptions struct {
	// Image is the shiplog image the pod runs (with terraform on its PATH).
	Image string
	// Secret names the Secret, in each job-runner namespace, holding the
	// database URL (key "database-url") and the secret key ("secret-key",
	// base64, as SHIPLOG_SECRET_KEY) the pod needs.
	Secret string
	// ServiceAccount is the pod's (default: the namespace's default); the
	// runner needs no Kubernetes API access, its token is not mounted.
	ServiceAccount string
	// Resources are the runner container's requests and limits.
	Resources corev1.ResourceRequirements
	// TTL is ttlSecondsAfterFinished (default 1h).
	TTL time.Duration
	// PhaseTimeout bounds a phase whose template and environment set no
	// timeout (default 1h), ReleaseTimeout a whole run (default 6h): the
	// Job's activeDeadlineSeconds is the smaller of their sum over the
	// release's phases and ReleaseTimeout, plus StartGrace.
	PhaseTimeout, ReleaseTimeout time.Duration
	// StartGrace is the time a pod has to be scheduled, pull its image and
	// start (default 10m): the claim's first lease, and added to the
	// deadline.
	StartGrace time.Duration
	// PollInterval is how often the queue is looked at without a
	// notification (default 5s).
	PollInterval time.Duration
	// MaxRunning caps releases IN_PROGRESS in the installation, as the
	// workers' --max-running does (0: no cap).
	MaxRunning int
	// Args are extra arguments of `shiplog runner` (worker flags such as
	// --lease, --grace, --tf-env).
	Args []string
}

func (o *JobOptions) defaults() {
	if o.TTL <= 0 {
		o.TTL = time.Hour
	}
	if o.PhaseTimeout <= 0 {
		o.PhaseTimeout = time.Hour
	}
	if o.ReleaseTimeout <= 0 {
		o.ReleaseTimeout = 6 * time.Hour
	}
	if o.StartGrace <= 0 {
		o.StartGrace = 10 * time.Minute
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
}

func (o JobOptions) validate() error {
	var missing []string
	if o.Image == "" {
		missing = append(missing, "the runner image (--runner-image)")
	}
	if o.Secret == "" {
		missing = append(missing, "the runner Secret's name (--runner-secret)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("--runner=job needs %s", strings.Join(missing, " and "))
	}
	return nil
}

// jobRunner claims job-runner releases and makes their Jobs.
type jobRunner struct {
	client client.Client
	store  *store.Store
	opts   Options
	index  *releaseIndex
	events eventer
	log    hclog.Logger
}

// run claims and starts releases until ctx ends: at each queue
// notification, every PollInterval, and then as long as there is one to
// claim. It also stops releases whose lease ran out (a pod that never
// started, a runner gone without its Job failing), as workers do.
func (j *jobRunner) run(ctx context.Context) error {
	wake := make(chan struct{}, 1)
	go j.store.ListenQueue(ctx, func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	t := time.NewTicker(j.opts.Job.PollInterval)
	defer t.Stop()
	for {
		if ids, err := j.store.ReapExpired(ctx); err != nil && ctx.Err() == nil {
			j.log.Warn("stopping releases with expired leases", "error", err)
		} else if len(ids) > 0 {
			j.log.Warn("releases stopped: their runner stopped renewing the lease", "releases", ids)
		}
		for ctx.Err() == nil {
			started, err := j.startOne(ctx)
			if err != nil && ctx.Err() == nil {
				j.log.Warn("starting a runner Job", "error", err)
			}
			if !started {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-t.C:
		}
	}
}

// startOne claims one release for a new Job and creates the Job. A Job
// that cannot be created ends its release FAILED saying why (the claim
// cannot be given back to the queue: its place there is gone).
func (j *jobRunner) startOne(ctx context.Context) (bool, error) {
	name := "shiplog-run-" + randomSuffix()
	owner := "job/" + name // the namespace is known only once claimed
	rel, err := j.store.ClaimForJob(ctx, owner, j.opts.Job.StartGrace, j.opts.Job.MaxRunning, j.opts.Namespaces)
	if err != nil || rel == nil {
		return false, err
	}
	env, err := j.store.GetEnvironment(ctx, rel.Environment)
	if err != nil {
		return true, j.fail(ctx, rel.ID, owner, fmt.Sprintf("reading its environment: %v", err))
	}
	job := j.jobFor(ctx, rel, env, name, owner)
	if err := j.client.Create(ctx, job); err != nil {
		return true, j.fail(ctx, rel.ID, owner, fmt.Sprintf("creating runner Job %s/%s: %v", env.Namespace, name, err))
	}
	j.log.Info("runner Job created", "release", rel.ID, "namespace", env.Namespace, "job", name)
	return true, nil
}

// fail ends a claimed release whose Job could not be made.
func (j *jobRunner) fail(ctx context.Context, id int64, owner, why string) error {
	_, err := j.store.EndLostRun(ctx, id, owner, release.StatusFailed, "release not started: "+why)
	if err != nil {
		return err
	}
	return errors.New(why)
}

// jobFor is the Job that runs rel: its pod runs `shiplog runner` with the
// database URL and key from the runner Secret.
func (j *jobRunner) jobFor(ctx context.Context, rel *release.Release, env *release.Environment, name, owner string) *batchv1.Job {
	o := j.opts.Job
	labels := map[string]string{
		"app.kubernetes.io/name":       "shiplog-runner",
		"app.kubernetes.io/managed-by": "shiplog",
		LabelReleaseID:                 strconv.FormatInt(rel.ID, 10),
	}
	secretEnv := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: o.Secret}, Key: key}}}
	}
	deadline := int64(runDeadline(rel, env, o).Seconds())
	ttl := int32(o.TTL.Seconds())
	backoff := int32(0)
	automount := false
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: env.Namespace, Labels: labels,
			Annotations: map[string]string{AnnotationLeaseOwner: owner},
		},
		Spec: batchv1.JobSpec{
			BackoffLimit:            &backoff,
			ActiveDeadlineSeconds:   &deadline,
			TTLSecondsAfterFinished: &ttl,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyNever,
					ServiceAccountName:           o.ServiceAccount,
					AutomountServiceAccountToken: &automount,
					Containers: []corev1.Container{{
						Name:    RunnerContainer,
						Image:   o.Image,
						Command: []string{"shiplog"},
						Args: append([]string{"runner", "--release", strconv.FormatInt(rel.ID, 10), "--lease-owner", owner},
							o.Args...),
						Env: []corev1.EnvVar{
							secretEnv("SHIPLOG_DATABASE_URL", "database-url"),
							secretEnv("SHIPLOG_SECRET_KEY", "secret-key"),
							{Name: "SHIPLOG_DATA_DIR", Value: RunnerDataDir},
						},
						Resources:    o.Resources,
						VolumeMounts: []corev1.VolumeMount{{Name: "work", MountPath: RunnerDataDir}},
					}},
					Volumes: []corev1.Volume{{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
	// Owned by the Release that stands for the release, when there is one
	// yet (a release made through the API gets its Release a moment later).
	// A Release's own release names it in triggered_by: the claim may come
	// before the reconcile that created it has indexed it.
	nn, ok := j.index.get(rel.ID)
	if by, cluster := strings.CutPrefix(rel.TriggeredBy, CallerPrefix); cluster && !ok {
		if ns, name, found := strings.Cut(by, "/"); found {
			nn, ok = types.NamespacedName{Namespace: ns, Name: name}, true
		}
	}
	if ok {
		var cr v1alpha1.Release
		if err := j.client.Get(ctx, nn, &cr); err == nil {
			isController := true
			job.OwnerReferences = []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "Release",
				Name: cr.Name, UID: cr.UID, Controller: &isController}}
		}
	}
	return job
}

// runDeadline is a runner Job's activeDeadlineSeconds: the sum of its
// phases' timeouts (the template's, else the environment's for the
// action, else the default), at most the release timeout, plus the time a
// pod has to start.
func runDeadline(rel *release.Release, env *release.Environment, o JobOptions) time.Duration {
	var sum time.Duration
	for _, p := range rel.Phases {
		d := p.Options.Timeout
		if d <= 0 {
			d = env.PhaseTimeouts[p.Action]
		}
		if d <= 0 {
			d = o.PhaseTimeout
		}
		sum += d
	}
	if sum <= 0 || sum > o.ReleaseTimeout {
		sum = o.ReleaseTimeout
	}
	return sum + o.StartGrace
}

func randomSuffix() string {
	b := make([]byte, 5)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// jobReconciler watches runner Jobs: a Job that failed (or finished while
// its release still ran under its lease) ends that release.
type jobReconciler struct {
	client client.Client
	reader client.Reader
	store  *store.Store
	index  *releaseIndex
	events eventer
	log    hclog.Logger
}

// runnerJobs selects the Jobs the controller made.
var runnerJobs = predicate.NewPredicateFuncs(func(o client.Object) bool {
	_, ok := o.GetLabels()[LabelReleaseID]
	return ok && o.GetAnnotations()[AnnotationLeaseOwner] != ""
})

func (r *jobReconciler) setup(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&batchv1.Job{}, builder.WithPredicates(runnerJobs)).
		Named("runnerjob").
		Complete(r)
}

func (r *jobReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var job batchv1.Job
	if err := r.client.Get(ctx, req.NamespacedName, &job); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	id, err := strconv.ParseInt(job.Labels[LabelReleaseID], 10, 64)
	if err != nil {
		return ctrl.Result{}, nil // not one of ours after all
	}
	owner := job.Annotations[AnnotationLeaseOwner]
	status, reason, done := r.outcome(ctx, &job)
	if !done {
		return ctrl.Result{}, nil
	}
	ended, err := r.store.EndLostRun(ctx, id, owner, status, reason)
	if err != nil {
		return ctrl.Result{}, err
	}
	if ended {
		r.log.Warn("release ended: its runner Job is gone", "release", id, "status", status, "reason", reason)
		if nn, ok := r.index.get(id); ok {
			var cr v1alpha1.Release
			if err := r.client.Get(ctx, nn, &cr); err == nil {
				r.events.warn(&cr, "RunnerLost", fmt.Sprintf("shiplog release %d %s: %s", id, status, reason))
			}
		}
	}
	return ctrl.Result{}, nil
}

// outcome is what a finished Job means for a release still running under
// its lease: TIMED_OUT past its deadline, STOPPED otherwise (a failed pod,
// or one that exited without ending its release), with the reason from the
// Job's condition and its pod's status. done is false while it runs.
func (r *jobReconciler) outcome(ctx context.Context, job *batchv1.Job) (release.Status, string, bool) {
	for _, c := range job.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobFailed:
			where := fmt.Sprintf("runner Job %s/%s", job.Namespace, job.Name)
			if c.Reason == batchv1.JobReasonDeadlineExceeded {
				d := int64(0)
				if job.Spec.ActiveDeadlineSeconds != nil {
					d = *job.Spec.ActiveDeadlineSeconds
				}
				return release.StatusTimedOut, fmt.Sprintf("release timed out: %s ran past its activeDeadlineSeconds (%ds)", where, d), true
			}
			msg := fmt.Sprintf("release stopped: %s failed (%s", where, c.Reason)
			if c.Message != "" {
				msg += ": " + c.Message
			}
			msg += ")"
			if pod := r.podReason(ctx, job); pod != "" {
				msg += "; " + pod
			}
			return release.StatusStopped, msg, true
		case batchv1.JobComplete:
			return release.StatusStopped, fmt.Sprintf("release stopped: the pod of runner Job %s/%s exited without ending it", job.Namespace, job.Name), true
		}
	}
	return "", "", false
}

// podReason says how the Job's pod ended, from the pod's status as the
// kubelet wrote it: evicted (status.reason), or its container's
// termination (OOMKilled, Error) with exit code. "" when no pod says.
func (r *jobReconciler) podReason(ctx context.Context, job *batchv1.Job) string {
	var pods corev1.PodList
	if err := r.reader.List(ctx, &pods, client.InNamespace(job.Namespace), client.MatchingLabels{"job-name": job.Name}); err != nil {
		if !apierrors.IsForbidden(err) {
			r.log.Warn("reading a runner Job's pods", "job", job.Name, "error", err)
		}
		return ""
	}
	var says []string
	for _, p := range pods.Items {
		if p.Status.Reason != "" {
			s := fmt.Sprintf("pod %s %s", p.Name, p.Status.Reason)
			if p.Status.Message != "" {
				s += ": " + p.Status.Message
			}
			says = append(says, s)
			continue
		}
		for _, cs := range p.Status.ContainerStatuses {
			if t := cs.State.Terminated; t != nil {
				says = append(says, fmt.Sprintf("pod %s container %s %s (exit code %d)", p.Name, cs.Name, t.Reason, t.ExitCode))
			}
		}
	}
	return strings.Join(says, "; ")
}
