// Package releases embeds shiplog's built-in release templates, the
// ReleaseTemplate documents in this directory, and the CustomResourceDefinition
// that describes them. Package internal/template loads and validates them.
package releases

import "embed"

// FS holds the built-in release templates: every *.yaml file in this
// directory. The CRD lives in the crd/ subdirectory and is deliberately not
// part of FS, so it is never loaded as a template.
//
//go:embed *.yaml
var FS embed.FS

// CRD is the apiextensions.k8s.io/v1 CustomResourceDefinition manifest for
// the ReleaseTemplate kind (crd/shiplog.dev_releasetemplates.yaml),
// generated from internal/kube/v1alpha1 by `make generate`.
//
//go:embed crd/shiplog.dev_releasetemplates.yaml
var CRD []byte

// ReleaseCRD is the CustomResourceDefinition manifest for the Release kind
// (crd/shiplog.dev_releases.yaml), generated alike.
//
//go:embed crd/shiplog.dev_releases.yaml
var ReleaseCRD []byte

// CRDs holds every CustomResourceDefinition manifest (crd/*.yaml), for
// installing them (the Helm chart, tests).
//
//go:embed crd/*.yaml
var CRDs embed.FS
