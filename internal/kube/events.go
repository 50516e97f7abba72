package kube

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
)

// eventer records Kubernetes events (events.k8s.io/v1) about shiplog's
// resources, as "shiplog-controller".
type eventer struct{ rec recorder.EventRecorder }

func newEventer(mgr manager.Manager) eventer {
	return eventer{rec: mgr.GetEventRecorder("shiplog-controller")}
}

// record records an event of kind (corev1.EventTypeNormal or Warning) with
// a reason (CamelCase) and a message saying what happened or what to fix.
func (e eventer) record(obj runtime.Object, kind, reason, message string) {
	if e.rec == nil {
		return
	}
	e.rec.Eventf(obj, nil, kind, reason, reason, "%s", message)
}

func (e eventer) normal(obj runtime.Object, reason, message string) {
	e.record(obj, corev1.EventTypeNormal, reason, message)
}

func (e eventer) warn(obj runtime.Object, reason, message string) {
	e.record(obj, corev1.EventTypeWarning, reason, message)
}
