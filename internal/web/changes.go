package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// changesPerPage is how many changes one changes page shows; openUpTo
// the most a page shows expanded (more show as one line each, a click or
// "Expand all" away: 203 expanded changes were 12,678 elements).
const (
	changesPerPage = 100
	openUpTo       = 20
)

type changesPage struct {
	R                                   *release.Release
	Kind, Action, Type, Module, Address string
	All                                 bool
	Groups                              []changeGroup
	Count                               int
	Next                                string
	// Open: the page is short enough to show every change expanded.
	Open               bool
	Kinds, ActionNames []string
	// Facets count the kind's changes by action, module and type.
	Facets store.ChangeCounts
}

type changeGroup struct {
	Module  string
	Changes []changeView
}

type changeView struct {
	store.StoredChange
	Fields []fieldView
}

// fieldView is one field row: Before and After as shown, or a line diff.
type fieldView struct {
	release.Field
	Forces        bool
	Before, After string
	// NoBefore/NoAfter mark a side that does not exist (create, delete).
	NoBefore, NoAfter bool
	Diff              []diffLine
	// Spans split a one-line update into the common start, the changed
	// middle and the common end of each side (nil otherwise).
	BeforeSpans, AfterSpans []string
}

// foldAt is the length beyond which a value shows folded.
const foldAt = 2048

// Fold reports whether a value is long enough to show folded.
func (fieldView) Fold(v string) bool { return len(v) > foldAt }

// spans splits two texts into common prefix, differing middles and common
// suffix (on rune boundaries).
func spans(a, b string) ([]string, []string) {
	ra, rb := []rune(a), []rune(b)
	p := 0
	for p < len(ra) && p < len(rb) && ra[p] == rb[p] {
		p++
	}
	q := 0
	for q < len(ra)-p && q < len(rb)-p && ra[len(ra)-1-q] == rb[len(rb)-1-q] {
		q++
	}
	return []string{string(ra[:p]), string(ra[p : len(ra)-q]), string(ra[len(ra)-q:])},
		[]string{string(rb[:p]), string(rb[p : len(rb)-q]), string(rb[len(rb)-q:])}
}

type diffLine struct {
	Kind string // " ", "-", "+", "~" (a leaf of a JSON document), or "…" (a gap, where a long value differs)
	Text string
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// tfPath writes a replace_paths entry as Terraform writes a path
// (`tags["kubernetes.io/name"]`, `ebs_block_device[0].size`).
func tfPath(steps []any) string {
	var b strings.Builder
	for i, s := range steps {
		switch v := s.(type) {
		case string:
			if identRE.MatchString(v) {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(v)
			} else {
				b.WriteString("[" + strconv.Quote(v) + "]")
			}
		default:
			fmt.Fprintf(&b, "[%v]", v)
		}
	}
	return b.String()
}

// viewChange prepares a change's fields: replacement-forcing fields
// first, sides that do not exist marked, multi-line strings as a diff.
func viewChange(c store.StoredChange) changeView {
	var forcing []string
	for _, p := range c.ReplacePaths {
		forcing = append(forcing, tfPath(p))
	}
	cv := changeView{StoredChange: c}
	var first, rest []fieldView
	for _, f := range c.Fields {
		fv := fieldView{Field: f}
		for _, fp := range forcing {
			if f.Path == fp || strings.HasPrefix(f.Path, fp+".") || strings.HasPrefix(f.Path, fp+"[") {
				fv.Forces = true
			}
		}
		switch {
		case f.Sensitive:
			fv.Before, fv.After = "(sensitive)", "(sensitive)"
		default:
			// Escaped as Terraform shows them: no invisible or
			// direction character reaches the page raw.
			fv.Before, fv.After = plan.Display(f.Before), plan.Display(f.After)
			if f.Unknown {
				fv.After = "(known after apply)"
			}
			switch f.Absent {
			case "before":
				fv.Before = "(absent)"
			case "after":
				fv.After = "(absent)"
			}
		}
		fv.NoBefore = c.Action == release.ChangeCreate
		fv.NoAfter = c.Action == release.ChangeDelete
		if !f.Sensitive && !f.Unknown && f.Absent == "" && c.Action != release.ChangeCreate && c.Action != release.ChangeDelete {
			// A JSON document, several lines or a long value: how it
			// changed (plan.Readable), else the changed middle marked.
			if lines := plan.Readable(f.Before, f.After); lines != nil {
				for _, l := range lines {
					fv.Diff = append(fv.Diff, diffLine{Kind: l.Kind, Text: l.Text})
				}
			} else if _, ok := f.Before.(string); ok && len(fv.Before) <= foldAt && len(fv.After) <= foldAt {
				if _, ok := f.After.(string); ok {
					fv.BeforeSpans, fv.AfterSpans = spans(fv.Before, fv.After)
				}
			}
		}
		if fv.Forces {
			first = append(first, fv)
		} else {
			rest = append(rest, fv)
		}
	}
	cv.Fields = append(first, rest...)
	return cv
}

func (p *Pages) changes(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rel, err := p.releaseOf(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	id := rel.ID
	q := r.URL.Query()
	pg := changesPage{R: rel, Kind: q.Get("kind"), Action: q.Get("action"), Type: q.Get("type"), Module: q.Get("module"),
		Address: q.Get("address"), All: q.Get("all") == "1",
		Kinds:       []string{"resource", "output", "drift"},
		ActionNames: []string{"create", "update", "replace", "delete", "read", "no-op", "forget"}}
	if pg.Kind == "" {
		pg.Kind = "resource"
	}
	f := store.ChangeFilter{Kind: release.ChangeKind(pg.Kind), Action: pg.Action, Type: pg.Type, Module: pg.Module,
		AddressPrefix: pg.Address, IncludeNoOp: pg.All, Limit: changesPerPage + 1}
	switch f.Kind {
	case release.KindResource, release.KindOutput, release.KindDrift:
	default:
		p.fail(w, r, badRequest("kind", "kind %q is not resource, output or drift", pg.Kind))
		return
	}
	if pg.Action != "" && !strings.Contains(strings.Join(pg.ActionNames, ","), pg.Action) {
		p.fail(w, r, badRequest("action", "action %q is not one of %s", pg.Action, strings.Join(pg.ActionNames, ", ")))
		return
	}
	if after := q.Get("after"); after != "" {
		ph, seq, ok := strings.Cut(after, ":")
		n, err := strconv.Atoi(seq)
		if !ok || err != nil {
			p.fail(w, r, badRequest("after", "after %q is not PHASE:SEQ of the last change seen", after))
			return
		}
		f.AfterPhase, f.AfterSeq = ph, n
	}
	if pg.Facets, err = p.store.ChangeFacets(ctx, id, f.Kind); err != nil {
		p.fail(w, r, err)
		return
	}
	cs, err := p.store.ListChanges(ctx, id, f)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	if len(cs) > changesPerPage {
		cs = cs[:changesPerPage]
		nq := r.URL.Query()
		last := cs[len(cs)-1]
		nq.Set("after", last.Phase+":"+strconv.Itoa(last.Seq))
		pg.Next = "?" + nq.Encode()
	}
	byModule := map[string]int{}
	for _, c := range cs {
		mod := deref(c.ModuleAddress)
		i, ok := byModule[mod]
		if !ok {
			i = len(pg.Groups)
			byModule[mod] = i
			pg.Groups = append(pg.Groups, changeGroup{Module: mod})
		}
		pg.Groups[i].Changes = append(pg.Groups[i].Changes, viewChange(c))
		pg.Count++
	}
	pg.Open = pg.Count <= openUpTo
	p.render(w, r, http.StatusOK, "changes", view{Title: "Changes · release #" + strconv.FormatInt(id, 10), Nav: "releases", Data: pg})
}
