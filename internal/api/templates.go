package api

import (
	"net/http"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/template"
)

// templateInfo is t as the API shows it.
func templateInfo(t *template.Template) apiwire.TemplateInfo {
	info := apiwire.TemplateInfo{Name: t.Name(), Namespace: t.Namespace(), Description: t.Spec.Description,
		ReleaseType: t.Type(), Builtin: t.Builtin(), Phases: []apiwire.TemplatePhase{}}
	for _, p := range t.Phases() {
		info.Phases = append(info.Phases, apiwire.TemplatePhase{Name: p.Name, Action: p.Action, ApprovalRequired: p.Options.ApprovalRequired})
	}
	return info
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	out := apiwire.TemplateList{Templates: []apiwire.TemplateInfo{}}
	for _, t := range s.catalog.List() {
		out.Templates = append(out.Templates, templateInfo(t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := s.catalog.Get(r.PathValue("namespace"), r.PathValue("name"))
	if err != nil {
		s.fail(w, r, notFound("%s", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, templateInfo(t))
}
