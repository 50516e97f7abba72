// Package v1alpha1 holds shiplog's Kubernetes custom resources, group
// shiplog.dev, version v1alpha1: ReleaseTemplate (the release templates
// shiplog already reads from files, now also from a cluster) and Release (a
// request for one shiplog release, with a small status mirrored from the
// store). These Go types are the source: the CRD manifests in
// templates/releases/crd/ are generated from them with controller-gen
// (`make generate`), and TestCRDsAreGenerated fails when they drift.
//
// +kubebuilder:object:generate=true
// +groupName=shiplog.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

// GroupVersion is shiplog.dev/v1alpha1.
var GroupVersion = schema.GroupVersion{Group: "shiplog.dev", Version: "v1alpha1"}

// SchemeBuilder registers this package's types; AddToScheme adds them to a
// runtime.Scheme.
var (
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}
	AddToScheme   = SchemeBuilder.AddToScheme
)

func init() {
	SchemeBuilder.Register(&Release{}, &ReleaseList{}, &ReleaseTemplate{}, &ReleaseTemplateList{})
}
