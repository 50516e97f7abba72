package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

type comparePage struct {
	Base, Head *release.Release
	Facts      []compareFact
	// OnlyBase and OnlyHead are addresses one release changes and the
	// other does not; Differ are addresses both change differently.
	OnlyBase, OnlyHead []store.StoredChange
	Differ             []changePair
	Same               int
	// PreviousOfHead is the head environment's last successful release
	// before head (0 if none), offered as another base.
	PreviousOfHead int64
}

type compareFact struct {
	Name, Base, Head string
}

// Differs reports whether the two sides differ.
func (f compareFact) Differs() bool { return f.Base != f.Head }

type changePair struct {
	Base, Head store.StoredChange
}

// maxCompared is how many changes of each release a comparison reads.
const maxCompared = 5000

func artifactsText(as []release.Artifact) string {
	var out []string
	for _, a := range as {
		out = append(out, a.AppName+"/"+a.StackName+" "+a.URI+" ("+a.BuildID+")")
	}
	return strings.Join(out, "\n")
}

func variablesText(vs []release.Variable) string {
	var out []string
	for _, v := range vs {
		if v.Sensitive {
			out = append(out, v.Name+" = (sensitive)")
		} else {
			out = append(out, v.Name+" = "+v.Value)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func phasesText(ps []release.Phase) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name+" ("+string(p.Action)+")")
	}
	return strings.Join(out, ", ")
}

func (p *Pages) compare(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	var rels [2]*release.Release
	for i, name := range []string{"base", "head"} {
		v := q.Get(name)
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			p.fail(w, r, badRequest(name, "%s %q is not a release id: compare with /compare?base=ID&head=ID", name, v))
			return
		}
		if rels[i], err = p.api.Release(ctx, id); err != nil {
			p.fail(w, r, err)
			return
		}
		if err := callerOf(r).Authorize(apiwire.RoleViewer, rels[i].Environment, "comparing releases"); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	b, h := rels[0], rels[1]
	pg := comparePage{Base: b, Head: h, Facts: []compareFact{
		{"Environment", b.Environment, h.Environment},
		{"Status", string(b.Status), string(h.Status)},
		{"Template", b.TemplateNamespace + "/" + b.Template, h.TemplateNamespace + "/" + h.Template},
		{"Phases", phasesText(b.Phases), phasesText(h.Phases)},
		{"Deployment type", string(b.DeploymentType), string(h.DeploymentType)},
		{"Blueprint", b.BlueprintVersion, h.BlueprintVersion},
		{"Artifacts", artifactsText(b.Artifacts), artifactsText(h.Artifacts)},
		{"Targets", strings.Join(b.Targets, ", "), strings.Join(h.Targets, ", ")},
		{"Variables", variablesText(b.Variables), variablesText(h.Variables)},
		{"Triggered by", b.TriggeredBy, h.TriggeredBy},
	}}
	prev, err := p.previousSucceeded(ctx, h)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if prev != b.ID {
		pg.PreviousOfHead = prev
	}
	var sets [2]map[string]store.StoredChange
	for i, rel := range rels {
		cs, err := p.store.ListChanges(ctx, rel.ID, store.ChangeFilter{Limit: maxCompared})
		if err != nil {
			p.fail(w, r, err)
			return
		}
		sets[i] = map[string]store.StoredChange{}
		for _, c := range cs {
			sets[i][c.Address] = c
		}
	}
	for _, addr := range sortedKeys(sets[0]) {
		bc := sets[0][addr]
		hc, ok := sets[1][addr]
		switch {
		case !ok:
			pg.OnlyBase = append(pg.OnlyBase, bc)
		case bc.Action != hc.Action || fieldValue(bc.Fields) != fieldValue(hc.Fields):
			pg.Differ = append(pg.Differ, changePair{bc, hc})
		default:
			pg.Same++
		}
	}
	for _, addr := range sortedKeys(sets[1]) {
		if _, ok := sets[0][addr]; !ok {
			pg.OnlyHead = append(pg.OnlyHead, sets[1][addr])
		}
	}
	p.render(w, r, http.StatusOK, "compare", view{Title: "Compare #" + strconv.FormatInt(b.ID, 10) + " and #" + strconv.FormatInt(h.ID, 10), Nav: "releases", Data: pg})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
