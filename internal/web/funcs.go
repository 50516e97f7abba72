package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

func (p *Pages) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":          p.AssetPath,
		"statusWord":     statusWord,
		"badge":          badgeClass,
		"lower":          strings.ToLower,
		"ago":            p.ago,
		"rfc3339":        rfc3339,
		"utc":            utc,
		"inZone":         inZone,
		"dur":            duration,
		"durMS":          durationMS,
		"deref":          deref,
		"value":          fieldValue,
		"pathEscape":     url.PathEscape,
		"query":          query,
		"add":            func(a, b int) int { return a + b },
		"join":           strings.Join,
		"active":         func(st release.Status) bool { return !st.Terminal() },
		"phaseOf":        phaseOf,
		"runs":           runs,
		"plain":          plain,
		"hasEscape":      hasEscape,
		"actionWord":     actionWord,
		"deferredReason": deferredReason,
		"releaseTypes":   func() []release.Type { return release.Types },
		"policyView": func(checks []release.PolicyCheck, denied bool, overrides []string) map[string]any {
			return map[string]any{"Checks": checks, "Denied": denied, "Overrides": overrides}
		},
		"healthStatuses": func() []release.HealthStatus { return release.HealthStatuses },
		"list3":          func(a, b, c string) []string { return []string{a, b, c} },
	}
}

// statusWord is a status as people read it ("PENDING_APPROVAL" → "pending approval").
func statusWord(s any) string {
	return strings.ToLower(strings.ReplaceAll(fmt.Sprint(s), "_", " "))
}

func rfc3339(t any) string {
	if tt, ok := timeOf(t); ok {
		return tt.UTC().Format(time.RFC3339)
	}
	return ""
}

func utc(t any) string {
	if tt, ok := timeOf(t); ok {
		return tt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return "—"
}

func timeOf(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v, !v.IsZero()
	case *time.Time:
		if v != nil {
			return *v, !v.IsZero()
		}
	}
	return time.Time{}, false
}

// ago is how long before now a time was, coarsely ("3m ago").
func (p *Pages) ago(t any) string {
	tt, ok := timeOf(t)
	if !ok {
		return "—"
	}
	d := p.now().Sub(tt)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// duration writes a time taken as people read it ("1m 05s", "850ms").
func duration(d any) string {
	var v time.Duration
	switch x := d.(type) {
	case time.Duration:
		v = x
	case *time.Duration:
		if x == nil {
			return "—"
		}
		v = *x
	default:
		return "—"
	}
	switch {
	case v < time.Second:
		return fmt.Sprintf("%dms", v.Milliseconds())
	case v < time.Minute:
		return fmt.Sprintf("%.1fs", v.Seconds())
	case v < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(v.Minutes()), int(v.Seconds())%60)
	}
	return fmt.Sprintf("%dh %02dm", int(v.Hours()), int(v.Minutes())%60)
}

func durationMS(ms *int64) string {
	if ms == nil {
		return "—"
	}
	return duration(time.Duration(*ms) * time.Millisecond)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// fieldValue writes a planned value so that null, "", [] and {} stay
// distinct: strings quoted, numbers as stored, the rest as compact JSON.
func fieldValue(v any) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// query builds a query string from name/value pairs, leaving out empty
// values ("?a=1&b=2", or "" when all are empty).
func query(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func itoa(n int) string { return strconv.Itoa(n) }

// numbered is a log line with its number in the log shown.
type numbered struct {
	release.LogEntry
	N int64
}

// number numbers lines by their place in a phase's log.
func number(es []release.LogEntry, pl release.PhaseLog) []numbered {
	out := make([]numbered, len(es))
	for i, e := range es {
		out[i] = numbered{e, pl.LineOf(e.Seq)}
	}
	return out
}

// tailOf reads a phase's last n lines, numbered.
func (p *Pages) tailOf(ctx context.Context, id int64, pl release.PhaseLog, n int64) ([]numbered, error) {
	after := pl.FirstSeq - 1
	if pl.Lines > n {
		after = pl.SeqOf(pl.Lines - n)
	}
	es, err := p.store.ListLogs(ctx, id, pl.Phase, after, int(n))
	if err != nil {
		return nil, err
	}
	return number(es, pl), nil
}

// actionWord is a change action with its symbol, as Terraform shows it.
func actionWord(a release.ChangeAction) string {
	switch a {
	case release.ChangeCreate:
		return "+ create"
	case release.ChangeUpdate:
		return "~ update"
	case release.ChangeDelete:
		return "- delete"
	case release.ChangeReplace:
		return "-/+ replace"
	case release.ChangeRead:
		return "<= read"
	case release.ChangeForget:
		return ". forget"
	}
	return string(a)
}

// runs is a log's runs of seqs as JSON ("[[1,40],[45,80]]").
func runs(pl release.PhaseLog) string {
	if pl.Runs == nil {
		return "[]"
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, r := range pl.Runs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%d,%d]", r[0], r[1])
	}
	b.WriteByte(']')
	return b.String()
}

// deferredReason says why Terraform deferred a change, from its reason
// code in the plan's deferred_changes (Terraform's JSON output format
// documentation); an unknown code is shown as it is.
func deferredReason(code string) string {
	switch code {
	case "resource_config_unknown":
		return "its configuration uses values not known until apply"
	case "provider_config_unknown":
		return "its provider's configuration is not known until apply"
	case "absent_prereq":
		return "something it needs does not exist yet"
	case "deferred_prereq":
		return "something it depends on was deferred too"
	}
	return code
}

// inZone is t on the wall clock of IANA time zone tz ("2026-12-05 03:30
// CET"); in UTC when tz does not load.
func inZone(t time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}
