package plan

import (
	"errors"
	"fmt"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// ActionOf maps Terraform's action list to shiplog's action and, for a
// replace, its order:
//
//	["create"] create, ["update"] update, ["delete"] delete, ["read"] read,
//	["no-op"] no-op, ["forget"] forget,
//	["delete","create"] replace (delete-then-create),
//	["create","delete"] replace (create-then-delete),
//	["create","forget"] and ["forget","create"] (OpenTofu) replace with no
//	order: a new object replaces the old one, which is forgotten rather
//	than destroyed;
//	a list repeating one action is that action; any other list (one with a
//	part a newer tool writes, ["open"]) is kept as the action, its names
//	joined by commas ("open"), with no modification.
func ActionOf(actions tfjson.Actions) (release.ChangeAction, release.ReplaceOrder, error) {
	if len(actions) == 0 {
		return "", "", errors.New("no actions")
	}
	// Read the list by its parts: each known part says what happens to an
	// object, whatever order a tool writes them in.
	var create, del, forget, unknown bool
	first := ""
	for _, a := range actions {
		switch a {
		case tfjson.ActionCreate:
			create = true
		case tfjson.ActionDelete:
			del = true
			if first == "" {
				first = "delete"
			}
		case tfjson.ActionForget:
			forget = true
		case tfjson.ActionUpdate, tfjson.ActionRead, tfjson.ActionNoop:
		default:
			unknown = true
		}
		if a == tfjson.ActionCreate && first == "" {
			first = "create"
		}
	}
	if !unknown {
		single := true
		for _, a := range actions[1:] {
			single = single && a == actions[0]
		}
		switch {
		case single:
			switch actions[0] {
			case tfjson.ActionCreate:
				return release.ChangeCreate, "", nil
			case tfjson.ActionUpdate:
				return release.ChangeUpdate, "", nil
			case tfjson.ActionDelete:
				return release.ChangeDelete, "", nil
			case tfjson.ActionRead:
				return release.ChangeRead, "", nil
			case tfjson.ActionNoop:
				return release.ChangeNoOp, "", nil
			case tfjson.ActionForget:
				return release.ChangeForget, "", nil
			}
		case create && del && !forget && len(actions) == 2:
			if first == "delete" {
				return release.ChangeReplace, release.DeleteThenCreate, nil
			}
			return release.ChangeReplace, release.CreateThenDelete, nil
		case create && forget && !del && len(actions) == 2:
			// A new object replaces the old one, which is forgotten rather
			// than destroyed: OpenTofu writes ["forget","create"],
			// Terraform ["create","forget"].
			return release.ChangeReplace, "", nil
		}
	}
	// A list with a part this reader does not know (a newer tool's, like
	// OpenTofu's ["open"] for an ephemeral resource), or known parts in a
	// combination no tool writes, is kept as it is: the plan's format
	// version is one shiplog reads, so the rest of it is read too.
	names := make([]string, len(actions))
	for i, a := range actions {
		if a == "" || len(a) > 64 || strings.ContainsAny(string(a), ",\x00") {
			return "", "", fmt.Errorf("action %s is not an action name", quoteShort(string(a)))
		}
		names[i] = string(a)
	}
	return release.ChangeAction(strings.Join(names, ",")), "", nil
}

// FromResourceChange converts an element of resource_changes (kind
// release.KindResource) or resource_drift (release.KindDrift) into a
// release.Change, with its changed fields (see Diff). Errors never quote
// attribute values.
func FromResourceChange(rc *tfjson.ResourceChange, kind release.ChangeKind) (release.Change, error) {
	return fromResource(rc, kind, Diff)
}

// fieldsFunc appends the fields of a change.
type fieldsFunc func(*tfjson.Change, []release.Field) []release.Field

func fromResource(rc *tfjson.ResourceChange, kind release.ChangeKind, diff fieldsFunc) (release.Change, error) {
	c := release.Change{
		Kind:       kind,
		Address:    rc.Address,
		Mode:       string(rc.Mode),
		Type:       rc.Type,
		Name:       rc.Name,
		Index:      rc.Index,
		Provider:   rc.ProviderName,
		DeposedKey: rc.DeposedKey,
		Fields:     []release.Field{},
	}
	if rc.Change == nil {
		return c, fmt.Errorf("resource change %s has no change", quoteAddr(rc.Address))
	}
	var err error
	c.Action, c.ReplaceOrder, err = ActionOf(rc.Change.Actions)
	if err != nil {
		return c, fmt.Errorf("resource change %s: %w", quoteAddr(rc.Address), err)
	}
	c.Modification = release.ModificationOf(c.Action)
	c.PreviousAddress = optional(rc.PreviousAddress)
	c.ModuleAddress = optional(rc.ModuleAddress)
	c.ActionReason = optional(string(rc.ActionReason))
	if imp := rc.Change.Importing; imp != nil {
		// An import by identity (Terraform 1.12+) has no id: it is still
		// an import, recorded with an empty id and the identity's
		// attributes, which say which object it is.
		id := imp.ID
		c.ImportID = &id
		if m, ok := imp.Identity.(map[string]any); ok && len(m) > 0 {
			c.ImportIdentity = m
		}
	}
	if len(rc.Change.ReplacePaths) > 0 {
		c.ReplacePaths = make([][]any, len(rc.Change.ReplacePaths))
		for i, p := range rc.Change.ReplacePaths {
			steps, ok := p.([]any)
			if !ok {
				return c, fmt.Errorf("resource change %s: replace_paths[%d] is not an array", quoteAddr(rc.Address), i)
			}
			c.ReplacePaths[i] = steps
		}
	}
	c.Fields = diff(rc.Change, c.Fields)
	return c, nil
}

// FromOutputChange converts an entry of output_changes into a
// release.Change of kind release.KindOutput, addressed "output.NAME". Its
// field paths are relative to the output's value: "" for the value itself,
// "a.b" or "[0]" inside it.
func FromOutputChange(name string, ch *tfjson.Change) (release.Change, error) {
	return fromOutput(name, ch, Diff)
}

func fromOutput(name string, ch *tfjson.Change, diff fieldsFunc) (release.Change, error) {
	c := release.Change{
		Kind:    release.KindOutput,
		Address: "output." + name,
		Name:    name,
		Fields:  []release.Field{},
	}
	if ch == nil {
		return c, fmt.Errorf("output change %s has no change", quoteShort(name))
	}
	var err error
	c.Action, c.ReplaceOrder, err = ActionOf(ch.Actions)
	if err != nil {
		return c, fmt.Errorf("output change %s: %w", quoteShort(name), err)
	}
	c.Modification = release.ModificationOf(c.Action)
	c.Fields = diff(ch, c.Fields)
	return c, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// quoteAddr quotes a resource address for an error message (addresses are
// not secret, but may be long).
func quoteAddr(a string) string {
	const max = 200
	if len(a) > max {
		return fmt.Sprintf("%q…", a[:max])
	}
	return fmt.Sprintf("%q", a)
}
