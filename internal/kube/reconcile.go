package kube

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/hashicorp/go-hclog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/service"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// releaseReconciler brings a Release and its shiplog release together:
// creates the release once, acts on the annotations, aborts on delete and
// copies the release's status onto the Release.
type releaseReconciler struct {
	client  client.Client
	reader  client.Reader // uncached: Secrets are read, never watched
	store   *store.Store
	svc     *service.Service
	catalog *template.Catalog
	opts    Options
	events  eventer
	index   *releaseIndex
	log     hclog.Logger
	// unbound holds the ids of releases announced that no Release stands
	// for and none will (their namespace is not watched or not there).
	unbound sync.Map
}

// problem is why a Release cannot be released: a condition reason and a
// message saying what to fix.
type problem struct{ reason, message string }

func (r *releaseReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var cr v1alpha1.Release
	if err := r.client.Get(ctx, req.NamespacedName, &cr); err != nil {
		if apierrors.IsNotFound(err) {
			r.index.forgetName(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	id := releaseIDOf(&cr)
	if !cr.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, &cr, id)
	}
	if !controllerutil.ContainsFinalizer(&cr, Finalizer) {
		patch := client.MergeFrom(cr.DeepCopy())
		controllerutil.AddFinalizer(&cr, Finalizer)
		if err := r.client.Patch(ctx, &cr, patch); err != nil {
			return ctrl.Result{}, err
		}
	}
	if id == 0 {
		rel, bad, err := r.create(ctx, &cr)
		if err != nil {
			return ctrl.Result{}, err
		}
		if bad != nil {
			return ctrl.Result{RequeueAfter: r.opts.Requeue}, r.refuse(ctx, &cr, bad)
		}
		id = rel.ID
		r.events.normal(&cr, "Created", fmt.Sprintf("shiplog release %d queued", id))
	}
	r.index.put(id, req.NamespacedName)
	if err := r.actOnAnnotations(ctx, &cr, id); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.mirror(ctx, &cr, id)
}

// releaseIDOf is the release a Release stands for, 0 when none yet.
func releaseIDOf(cr *v1alpha1.Release) int64 {
	if cr.Status.ReleaseID != 0 {
		return cr.Status.ReleaseID
	}
	id, _ := strconv.ParseInt(cr.Annotations[AnnotationReleaseID], 10, 64)
	return id
}

// mirror copies release id's status onto the Release, if it changed.
func (r *releaseReconciler) mirror(ctx context.Context, cr *v1alpha1.Release, id int64) error {
	rel, err := r.store.GetRelease(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r.refuse(ctx, cr, &problem{"ReleaseGone", fmt.Sprintf("shiplog release %d no longer exists (its environment was deleted with its history)", id)})
	}
	if err != nil {
		return err
	}
	before := cr.DeepCopy()
	cr.Status = statusOf(rel, cr.Generation, r.opts.PageURL, cr.Status.Conditions)
	if equalJSON(before.Status, cr.Status) {
		return nil
	}
	if before.Status.Status != cr.Status.Status && cr.Status.Status != "" {
		kind := corev1.EventTypeNormal
		if rel.Status.Terminal() && rel.Status != release.StatusSucceeded {
			kind = corev1.EventTypeWarning
		}
		r.events.record(cr, kind, reasonOf(rel.Status), fmt.Sprintf("shiplog release %d is %s", id, rel.Status))
	}
	return client.IgnoreNotFound(r.client.Status().Patch(ctx, cr, client.MergeFrom(before)))
}

// refuse records on the Release why it cannot be released (condition
// Accepted False and a warning event, once per message).
func (r *releaseReconciler) refuse(ctx context.Context, cr *v1alpha1.Release, p *problem) error {
	before := cr.DeepCopy()
	meta.SetStatusCondition(&cr.Status.Conditions, metav1.Condition{Type: ConditionAccepted, Status: metav1.ConditionFalse,
		Reason: p.reason, Message: p.message, ObservedGeneration: cr.Generation})
	cr.Status.ObservedGeneration = cr.Generation
	if equalJSON(before.Status, cr.Status) {
		return nil
	}
	r.events.warn(cr, p.reason, p.message)
	return client.IgnoreNotFound(r.client.Status().Patch(ctx, cr, client.MergeFrom(before)))
}

// create makes the Release's release, or says what in its spec stops it
// (problem), or fails for a reason worth retrying (error).
func (r *releaseReconciler) create(ctx context.Context, cr *v1alpha1.Release) (*release.Release, *problem, error) {
	req := apiwire.CreateReleaseRequest{
		Environment:    cr.Spec.Environment,
		Template:       r.templateRef(cr),
		Targets:        cr.Spec.Targets,
		DeploymentType: release.DeploymentType(cr.Spec.DeploymentType),
	}
	for i, v := range cr.Spec.Variables {
		rv := release.Variable{Name: v.Name, Sensitive: v.Sensitive, HCL: v.HCL}
		switch {
		case v.Value != nil:
			rv.Value = *v.Value
		case v.ValueFrom != nil:
			val, bad, err := r.secretValue(ctx, cr.Namespace, v.Name, v.ValueFrom.SecretKeyRef)
			if err != nil || bad != nil {
				return nil, bad, err
			}
			rv.Value, rv.Sensitive = val, true
		default:
			return nil, &problem{"InvalidSpec", fmt.Sprintf("spec.variables[%d] %q: give value or valueFrom.secretKeyRef", i, v.Name)}, nil
		}
		req.Variables = append(req.Variables, rv)
	}
	for _, a := range cr.Spec.Artifacts {
		req.Artifacts = append(req.Artifacts, apiwire.ArtifactRef{ID: a.ID, URI: a.URI, BuildID: a.BuildID,
			StackName: a.StackName, AppName: a.AppName, DeploysTo: a.DeploysTo})
	}
	rel, _, err := r.svc.CreateRelease(ctx, callerFor(cr.Namespace, cr.Name),
		service.NewRelease{CreateReleaseRequest: req, Namespace: cr.Namespace, Key: string(cr.UID)})
	var se *service.Error
	if errors.As(err, &se) && (se.Kind == service.Invalid || se.Kind == service.NotFound) {
		reason := "InvalidSpec"
		switch se.Field {
		case "environment":
			reason = "UnknownEnvironment"
		case "template":
			reason = "UnknownTemplate"
		}
		return nil, &problem{reason, specField(se.Field) + se.Message}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return rel, nil, nil
}

// specField names the Release's field an error of the use case's field is
// about, for the message.
func specField(field string) string {
	switch field {
	case "":
		return ""
	case "template":
		return "spec.templateRef: "
	case "deployment_type":
		return "spec.deploymentType: "
	case "key":
		return "metadata.uid: "
	default:
		return "spec." + field + ": "
	}
}

// templateRef is the template reference a Release names, as the use case
// reads it: its namespace defaults to the Release's, then (a name only) to
// the environment's and the built-in ones.
func (r *releaseReconciler) templateRef(cr *v1alpha1.Release) string {
	ref := cr.Spec.TemplateRef
	switch {
	case ref.Name == "":
		return "" // the environment's default template
	case ref.Namespace != "":
		return ref.Namespace + "/" + ref.Name
	}
	if _, err := r.catalog.Get(cr.Namespace, ref.Name); err == nil {
		return cr.Namespace + "/" + ref.Name
	}
	return ref.Name
}

// secretValue reads key of a Secret in ns for variable name.
func (r *releaseReconciler) secretValue(ctx context.Context, ns, name string, ref v1alpha1.SecretKeySelector) (string, *problem, error) {
	var s corev1.Secret
	err := r.reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: ref.Name}, &s)
	if apierrors.IsNotFound(err) {
		return "", &problem{"MissingSecret", fmt.Sprintf("variable %q: Secret %q does not exist in namespace %q", name, ref.Name, ns)}, nil
	}
	if apierrors.IsForbidden(err) {
		return "", &problem{"MissingSecret", fmt.Sprintf("variable %q: the controller may not read Secret %q in namespace %q (grant it get on secrets there)", name, ref.Name, ns)}, nil
	}
	if err != nil {
		return "", nil, err
	}
	v, ok := s.Data[ref.Key]
	if !ok {
		return "", &problem{"MissingSecret", fmt.Sprintf("variable %q: Secret %q in namespace %q has no key %q", name, ref.Name, ns, ref.Key)}, nil
	}
	return string(v), nil, nil
}

// actOnAnnotations runs the approve, reject and abort a Release's
// annotations ask for, then removes them; refusals become warning events.
func (r *releaseReconciler) actOnAnnotations(ctx context.Context, cr *v1alpha1.Release, id int64) error {
	caller := callerFor(cr.Namespace, cr.Name)
	acts := []struct {
		annotation, verb, reason string
		do                       func(comment string) error
	}{
		{AnnotationApprove, "approved", "Approved", func(c string) error { return r.svc.Approve(ctx, caller, id, c) }},
		{AnnotationReject, "rejected", "Rejected", func(c string) error { return r.svc.Reject(ctx, caller, id, c) }},
		{AnnotationAbort, "abort requested", "AbortRequested", func(c string) error { return r.svc.Abort(ctx, caller, id, c) }},
	}
	before := cr.DeepCopy()
	for _, a := range acts {
		comment, ok := cr.Annotations[a.annotation]
		if !ok {
			continue
		}
		err := a.do(comment)
		var se *service.Error
		switch {
		case err == nil:
			r.events.normal(cr, a.reason, fmt.Sprintf("shiplog release %d %s (%s)", id, a.verb, a.annotation))
		case errors.As(err, &se):
			r.events.warn(cr, "AnnotationRefused", fmt.Sprintf("%s: %s", a.annotation, se.Message))
		default:
			return err
		}
		delete(cr.Annotations, a.annotation)
	}
	if len(before.Annotations) == len(cr.Annotations) {
		return nil
	}
	return client.IgnoreNotFound(r.client.Patch(ctx, cr, client.MergeFrom(before)))
}

// finalize aborts the release of a Release being deleted if it has not
// ended, then lets the Release go.
func (r *releaseReconciler) finalize(ctx context.Context, cr *v1alpha1.Release, id int64) error {
	if !controllerutil.ContainsFinalizer(cr, Finalizer) {
		return nil
	}
	if id != 0 {
		rel, err := r.store.GetRelease(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		case !rel.Status.Terminal() && rel.AbortRequested == nil:
			err := r.svc.Abort(ctx, callerFor(cr.Namespace, cr.Name), id, "the Release was deleted")
			var se *service.Error
			if err != nil && !(errors.As(err, &se) && se.Kind == service.Conflict) {
				return err
			}
			r.log.Info("release aborted: its Release was deleted", "release", id, "namespace", cr.Namespace, "name", cr.Name)
		}
		r.index.forget(id)
	}
	patch := client.MergeFrom(cr.DeepCopy())
	controllerutil.RemoveFinalizer(cr, Finalizer)
	return client.IgnoreNotFound(r.client.Patch(ctx, cr, patch))
}
