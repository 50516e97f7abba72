package kube

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/kube/v1alpha1"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// ConditionValid is a ReleaseTemplate's condition: True when shiplog's
// validation (template.Parse) accepts it, False with what to fix.
const ConditionValid = "Valid"

// FromReleaseTemplate turns a ReleaseTemplate custom resource into the
// template shiplog's catalog holds, validated exactly as a file's template
// is (template.Parse): its namespace is the resource's, its source
// "cluster ReleaseTemplate <namespace>/<name>".
func FromReleaseTemplate(rt *v1alpha1.ReleaseTemplate) (*template.Template, error) {
	doc := map[string]any{
		"apiVersion": template.APIVersion,
		"kind":       template.Kind,
		"metadata":   map[string]any{"name": rt.Name, "namespace": rt.Namespace},
		"spec":       rt.Spec,
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	ts, err := template.Parse(fmt.Sprintf("cluster ReleaseTemplate %s/%s", rt.Namespace, rt.Name), data)
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// templateReconciler keeps a catalog's cluster templates equal to the
// ReleaseTemplates of the watched namespaces. With writeStatus (the
// controller, which holds the leader lease) it also sets each template's
// Valid condition; a server only reads.
type templateReconciler struct {
	client      client.Client
	catalog     *template.Catalog
	writeStatus bool
	events      eventer
}

func (r *templateReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var rt v1alpha1.ReleaseTemplate
	if err := r.client.Get(ctx, req.NamespacedName, &rt); err != nil {
		if apierrors.IsNotFound(err) {
			r.catalog.Delete(req.Namespace, req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !rt.DeletionTimestamp.IsZero() {
		r.catalog.Delete(req.Namespace, req.Name)
		return ctrl.Result{}, nil
	}
	t, perr := FromReleaseTemplate(&rt)
	cond := metav1.Condition{Type: ConditionValid, Status: metav1.ConditionTrue, Reason: "Valid",
		Message: fmt.Sprintf("releases name it as %s/%s", rt.Namespace, rt.Name), ObservedGeneration: rt.Generation}
	if perr != nil {
		// An invalid template is not served: a release naming it is told
		// the template is unknown rather than run with the old phases.
		r.catalog.Delete(req.Namespace, req.Name)
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, "Invalid", perr.Error()
	} else {
		r.catalog.Put(t)
	}
	if !r.writeStatus {
		return ctrl.Result{}, nil
	}
	before := rt.DeepCopy()
	meta.SetStatusCondition(&rt.Status.Conditions, cond)
	rt.Status.ObservedGeneration = rt.Generation
	rt.Status.PhaseCount = len(rt.Spec.Phases)
	if equalJSON(before.Status, rt.Status) {
		return ctrl.Result{}, nil
	}
	if perr != nil {
		r.events.warn(&rt, "InvalidTemplate", perr.Error())
	}
	return ctrl.Result{}, client.IgnoreNotFound(r.client.Status().Patch(ctx, &rt, client.MergeFrom(before)))
}

// equalJSON reports whether a and b encode alike (statuses hold times,
// whose in-memory forms differ after a round trip).
func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
