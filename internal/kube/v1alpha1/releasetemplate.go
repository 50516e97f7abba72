package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// ReleaseTemplate is the ordered list of phases a shiplog release runs. Its
// spec is internal/template's Spec, the same document shiplog reads from
// files; template.Parse validates it in full (FromReleaseTemplate).
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=rtpl;rtpls,categories=shiplog
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Phases",type=integer,JSONPath=`.status.phaseCount`
// +kubebuilder:printcolumn:name="Valid",type=string,JSONPath=`.status.conditions[?(@.type=="Valid")].status`
// +kubebuilder:printcolumn:name="Description",type=string,JSONPath=`.spec.description`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')",message="a template's name is 1-63 lower-case letters, digits and '-', starting and ending with a letter or digit"
type ReleaseTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec template.Spec `json:"spec"`
	// +optional
	Status ReleaseTemplateStatus `json:"status,omitempty"`
}

// ReleaseTemplateStatus says whether shiplog accepted the template.
type ReleaseTemplateStatus struct {
	// The generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// How many phases the template has.
	// +optional
	PhaseCount int `json:"phaseCount,omitempty"`
	// Valid: True when shiplog's own validation accepts the template, else
	// False with what to fix.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ReleaseTemplateList is a list of ReleaseTemplates.
//
// +kubebuilder:object:root=true
type ReleaseTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ReleaseTemplate `json:"items"`
}
