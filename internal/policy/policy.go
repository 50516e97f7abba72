// Package policy checks and evaluates the Rego policies a release's policy
// phase runs, with the OPA Go library (github.com/open-policy-agent/opa,
// its v1 packages; the language is Rego v1, https://www.openpolicyagent.org/docs/policy-language).
//
// A policy is one Rego module. Its package's rules `deny` and `warn` are
// sets of messages: a message in `deny` blocks the release, one in `warn`
// is recorded and shown. A message is a string, or an object whose `msg`
// field is one (conftest's form); anything else is shown as JSON.
//
// Policies run inside shiplog's processes, so they get no way out: the
// builtins that reach the network or the process (http.send,
// net.lookup_ip_addr, opa.runtime) are not available, and an evaluation is
// bounded in time and in the memory it may allocate (Limits).
package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/metrics"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Verdict is what one policy said of a release.
type Verdict string

// The verdicts: pass (no message), warn (warnings only), deny (at least
// one denial).
const (
	VerdictPass Verdict = "pass"
	VerdictWarn Verdict = "warn"
	VerdictDeny Verdict = "deny"
)

// Policy is a stored policy as evaluation needs it.
type Policy struct {
	Name    string
	Version int
	// Module is the Rego source.
	Module string
	// Overridable: a denial of this policy may be overridden by an
	// approval; otherwise it fails the release.
	Overridable bool
}

// Result is one policy's verdict and messages.
type Result struct {
	Policy      string   `json:"policy"`
	Version     int      `json:"version"`
	Verdict     Verdict  `json:"verdict"`
	Overridable bool     `json:"overridable"`
	Denials     []string `json:"denials"`
	Warnings    []string `json:"warnings"`
}

// Limits bound one policy's evaluation.
type Limits struct {
	// Time is the longest an evaluation may run (default 10 s).
	Time time.Duration
	// Memory is the most heap (bytes) the process may grow by while it
	// runs (default 1 GiB), sampled every few milliseconds.
	Memory uint64
}

func (l Limits) withDefaults() Limits {
	if l.Time <= 0 {
		l.Time = 10 * time.Second
	}
	if l.Memory == 0 {
		l.Memory = 1 << 30
	}
	return l
}

// SourceError is a Rego module that does not parse or compile: each
// problem with its line and column (1-based) in the source.
type SourceError struct {
	Problems []SourceProblem
}

// SourceProblem is one problem of a Rego module.
type SourceProblem struct {
	Line, Column int
	Message      string
}

func (e *SourceError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "line %d, column %d: ", p.Line, p.Column)
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// LimitError is an evaluation that ran past one of its Limits.
type LimitError struct {
	Policy string
	// What ran out: "time" or "memory"; Limit says how much there was.
	What, Limit string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("policy %s ran past its %s limit of %s and was stopped", e.Policy, e.What, e.Limit)
}

// denied are the builtins a policy may not call: they reach the network or
// the process's environment.
var denied = []string{"http.send", "net.lookup_ip_addr", "opa.runtime"}

// capabilities are this OPA's builtins but the denied ones.
func capabilities() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	c.Builtins = slices.DeleteFunc(c.Builtins, func(b *ast.Builtin) bool { return slices.Contains(denied, b.Name) })
	return c
}

// Check parses and compiles a policy's Rego source (named name, for
// messages) and returns its package path (e.g. "shiplog.prod"); a
// *SourceError when it is not a valid module, calls a builtin policies may
// not use, or defines neither deny nor warn.
func Check(name, src string) (string, error) {
	m, err := compile(name, src)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(m.Package.Path.String(), "data."), nil
}

func compile(name, src string) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(name+".rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, sourceError(err)
	}
	if m == nil {
		return nil, &SourceError{Problems: []SourceProblem{{Message: "the module is empty: it needs a package and deny or warn rules"}}}
	}
	c := ast.NewCompiler().WithCapabilities(capabilities())
	c.Compile(map[string]*ast.Module{name: m})
	if c.Failed() {
		return nil, sourceError(c.Errors)
	}
	has := false
	for _, r := range m.Rules {
		n := r.Head.Name.String()
		if len(r.Head.Reference) > 0 {
			n = r.Head.Reference[0].String()
		}
		has = has || n == "deny" || n == "warn"
	}
	if !has {
		return nil, &SourceError{Problems: []SourceProblem{{Line: m.Package.Location.Row, Column: m.Package.Location.Col,
			Message: "the module defines neither deny nor warn: a policy says something through them (deny contains msg if { ... })"}}}
	}
	return m, nil
}

func sourceError(err error) error {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		return &SourceError{Problems: []SourceProblem{{Message: err.Error()}}}
	}
	out := &SourceError{}
	for _, e := range errs {
		p := SourceProblem{Message: e.Message}
		if e.Location != nil {
			p.Line, p.Column = e.Location.Row, e.Location.Col
		}
		out.Problems = append(out.Problems, p)
	}
	return out
}

// Evaluate runs each policy over input (any JSON-encodable value; it is
// the policies' `input`) and returns their results in order. A policy that
// fails to compile or to evaluate is an error naming it; one that runs past
// limits is a *LimitError.
func Evaluate(ctx context.Context, policies []Policy, input any, limits Limits) ([]Result, error) {
	limits = limits.withDefaults()
	// one conversion of the input for every policy
	raw, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("encoding the policy input: %w", err)
	}
	var in any
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("encoding the policy input: %w", err)
	}
	out := make([]Result, 0, len(policies))
	for _, p := range policies {
		r, err := evaluate(ctx, p, in, limits)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

var errMemory = errors.New("memory limit")

func evaluate(ctx context.Context, p Policy, input any, limits Limits) (Result, error) {
	res := Result{Policy: p.Name, Version: p.Version, Overridable: p.Overridable, Denials: []string{}, Warnings: []string{}}
	m, err := compile(p.Name, p.Module)
	if err != nil {
		return res, fmt.Errorf("policy %s (version %d) does not compile: %w", p.Name, p.Version, err)
	}
	ectx, cancel := context.WithTimeoutCause(ctx, limits.Time, context.DeadlineExceeded)
	defer cancel()
	mctx, stopWatch := watchMemory(ectx, limits.Memory)
	defer stopWatch()
	pq, err := rego.New(
		rego.ParsedModule(m),
		rego.Query("result := "+m.Package.Path.String()),
		rego.Capabilities(capabilities()),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(mctx)
	if err == nil {
		var rs rego.ResultSet
		rs, err = pq.Eval(mctx, rego.EvalInput(input))
		if err == nil && len(rs) == 1 {
			doc, _ := rs[0].Bindings["result"].(map[string]any)
			res.Denials, res.Warnings = messages(doc["deny"]), messages(doc["warn"])
		}
	}
	switch {
	case errors.Is(context.Cause(mctx), errMemory):
		return res, &LimitError{Policy: p.Name, What: "memory", Limit: fmt.Sprintf("%d MiB", limits.Memory>>20)}
	case ctx.Err() == nil && ectx.Err() != nil:
		return res, &LimitError{Policy: p.Name, What: "time", Limit: limits.Time.String()}
	case err != nil:
		return res, fmt.Errorf("evaluating policy %s (version %d): %w", p.Name, p.Version, err)
	}
	switch {
	case len(res.Denials) > 0:
		res.Verdict = VerdictDeny
	case len(res.Warnings) > 0:
		res.Verdict = VerdictWarn
	default:
		res.Verdict = VerdictPass
	}
	return res, nil
}

// messages reads a deny or warn document: a set (an array in JSON) of
// strings or of objects with a msg; sorted, as a set has no order.
func messages(v any) []string {
	out := []string{}
	var add func(x any)
	add = func(x any) {
		switch x := x.(type) {
		case nil:
		case string:
			out = append(out, x)
		case map[string]any:
			if s, ok := x["msg"].(string); ok {
				out = append(out, s)
				return
			}
			b, _ := json.Marshal(x)
			out = append(out, string(b))
		case []any:
			for _, e := range x {
				add(e)
			}
		default:
			b, _ := json.Marshal(x)
			out = append(out, string(b))
		}
	}
	add(v)
	sort.Strings(out)
	return out
}

// watchMemory cancels the returned context with errMemory when the
// process's heap grows by more than limit bytes over where it stood.
func watchMemory(ctx context.Context, limit uint64) (context.Context, func()) {
	mctx, cancel := context.WithCancelCause(ctx)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	base := read()
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-mctx.Done():
				return
			case <-tick.C:
				if h := read(); h > base && h-base > limit {
					cancel(errMemory)
					return
				}
			}
		}
	}()
	return mctx, func() { close(done); cancel(nil) }
}
