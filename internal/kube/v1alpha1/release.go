package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Release asks shiplog for one release of an environment with a template.
// The controller (`shiplog controller`) creates exactly one shiplog release
// per Release (keyed by its UID) and mirrors the release's status into
// .status. Logs, changes and plans stay in shiplog's database: the status is
// small whatever the release (MaxStatusBytes).
//
// Annotations the controller acts on (each once, then it removes it):
//
//	shiplog.dev/approve: "<comment>"   approve a release waiting for approval
//	shiplog.dev/reject:  "<comment>"   reject it
//	shiplog.dev/abort:   "<comment>"   abort it
//
// Deleting a Release whose release has not ended aborts it (a finalizer).
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=rel;srel,categories=shiplog
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Environment",type=string,JSONPath=`.spec.environment`
// +kubebuilder:printcolumn:name="Template",type=string,JSONPath=`.spec.templateRef.name`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Release",type=integer,JSONPath=`.status.releaseID`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.currentPhase`
// +kubebuilder:printcolumn:name="Page",type=string,JSONPath=`.status.url`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Release struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ReleaseSpec `json:"spec"`
	// +optional
	Status ReleaseStatus `json:"status,omitempty"`
}

// ReleaseSpec is what to release. It is immutable once the release is
// created: a changed spec is a new Release.
//
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="a Release's spec cannot change once created: create another Release"
type ReleaseSpec struct {
	// The shiplog environment to release.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`
	Environment string `json:"environment"`
	// The ReleaseTemplate to run; empty means the environment's default
	// template.
	// +optional
	TemplateRef TemplateRef `json:"templateRef,omitempty"`
	// Resource addresses a plan phase with targets: fromRelease covers.
	// +optional
	// +kubebuilder:validation:MaxItems=1000
	Targets []string `json:"targets,omitempty"`
	// terraform input variables. A sensitive value is given only through
	// valueFrom.secretKeyRef, never in the spec.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=500
	Variables []Variable `json:"variables,omitempty"`
	// Artifacts the release deploys.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	Artifacts []Artifact `json:"artifacts,omitempty"`
	// REGULAR (default) or CUSTOM.
	// +kubebuilder:validation:Enum=REGULAR;CUSTOM
	// +optional
	DeploymentType string `json:"deploymentType,omitempty"`
}

// TemplateRef names a ReleaseTemplate: a template in the cluster
// (namespace/name in shiplog's catalog) or a built-in or file template
// (namespace "default").
type TemplateRef struct {
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`
	// +optional
	Name string `json:"name,omitempty"`
	// Defaults to the Release's namespace; when no template of that name
	// is there, the built-in and file templates (namespace "default") are
	// looked at.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// Variable is one terraform input variable.
//
// +kubebuilder:validation:XValidation:rule="has(self.value) != has(self.valueFrom)",message="give a variable either value or valueFrom"
// +kubebuilder:validation:XValidation:rule="!has(self.sensitive) || !self.sensitive || has(self.valueFrom)",message="a sensitive variable's value comes from valueFrom.secretKeyRef, never from the spec"
type Variable struct {
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// +optional
	Value *string `json:"value,omitempty"`
	// +optional
	ValueFrom *VariableSource `json:"valueFrom,omitempty"`
	// Sensitive values are masked in logs and changes. A value from a
	// Secret is always sensitive.
	// +optional
	Sensitive bool `json:"sensitive,omitempty"`
	// HCL marks a value to be parsed as an HCL expression (lists, maps).
	// +optional
	HCL bool `json:"hcl,omitempty"`
}

// VariableSource is where a variable's value comes from.
type VariableSource struct {
	SecretKeyRef SecretKeySelector `json:"secretKeyRef"`
}

// SecretKeySelector names a key of a Secret in the Release's namespace.
type SecretKeySelector struct {
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
}

// Artifact is what a release deploys: a new one (uri) or one shiplog has
// registered (id).
//
// +kubebuilder:validation:XValidation:rule="has(self.id) != has(self.uri)",message="give an artifact either id (a registered one) or uri (a new one)"
type Artifact struct {
	// +optional
	ID int64 `json:"id,omitempty"`
	// +kubebuilder:validation:MaxLength=2048
	// +optional
	URI string `json:"uri,omitempty"`
	// +optional
	BuildID string `json:"buildID,omitempty"`
	// +optional
	StackName string `json:"stackName,omitempty"`
	// +optional
	AppName string `json:"appName,omitempty"`
	// Addresses or module prefixes of the resources it deploys to.
	// +optional
	DeploysTo []string `json:"deploysTo,omitempty"`
}

// ReleaseStatus is the release as shiplog's store has it, kept small.
type ReleaseStatus struct {
	// The generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// shiplog's release id.
	// +optional
	ReleaseID int64 `json:"releaseID,omitempty"`
	// The release's status.
	// +kubebuilder:validation:Enum=QUEUED;IN_PROGRESS;PENDING_APPROVAL;SUCCEEDED;FAILED;ABORTED;REJECTED;TIMED_OUT;STOPPED
	// +optional
	Status string `json:"status,omitempty"`
	// The template as namespace/name.
	// +optional
	Template string `json:"template,omitempty"`
	// The phase running, waiting or last ended.
	// +optional
	CurrentPhase string `json:"currentPhase,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxItems=100
	Phases []PhaseStatus `json:"phases,omitempty"`
	// How many phases are left out of phases to keep the status within
	// 8 KiB (the release page has them all).
	// +optional
	PhasesOmitted int `json:"phasesOmitted,omitempty"`
	// Counts of the plan's changes; absent when the release never planned.
	// +optional
	Changes *ChangeCounts `json:"changes,omitempty"`
	// The release's page.
	// +optional
	URL string `json:"url,omitempty"`
	// Who approved or rejected it, when it needed approval.
	// +optional
	ApprovedBy string `json:"approvedBy,omitempty"`
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// +optional
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	// The first 512 bytes of what went wrong, when it failed.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Error string `json:"error,omitempty"`
	// Accepted (the spec was valid and the release exists), Ready (the
	// release ended SUCCEEDED), and others as their reasons say.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// PhaseStatus is one phase of the release.
type PhaseStatus struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Status string `json:"status"`
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// +optional
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
}

// ChangeCounts counts the resource changes of the release's plan.
type ChangeCounts struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Delete  int `json:"delete"`
	Replace int `json:"replace"`
}

// ReleaseList is a list of Releases.
//
// +kubebuilder:object:root=true
type ReleaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Release `json:"items"`
}
