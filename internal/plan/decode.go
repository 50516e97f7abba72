package plan

import (
	"fmt"

	tfjson "github.com/hashicorp/terraform-json"
)

// This file decodes the elements of resource_changes, resource_drift and
// output_changes into the terraform-json types without reflection. It
// follows encoding/json's rules for those types (null leaves a field at its
// zero value, a repeated key overwrites, unknown keys are ignored) except
// that keys match exactly, not case-insensitively.

// elemName names the element being decoded, for error messages.
func (p *parser) elemName() string {
	if p.outName != "" {
		return fmt.Sprintf("output_changes[%s]", quoteShort(p.outName))
	}
	return fmt.Sprintf("%s[%d]", p.section, p.index)
}

// typeErr reports that the value at p.i has the wrong JSON type.
func (p *parser) typeErr(field, want string) error {
	name := p.elemName()
	if field != "" {
		name += "." + field
	}
	return p.errAt(ErrNotPlan, p.i, "%s is %s, want %s", name, kindAt(p.peek()), want)
}

// isNull consumes a null if one comes next.
func (p *parser) isNull() bool {
	if p.peek() == 'n' && p.literal("null") == nil {
		return true
	}
	return false
}

func (p *parser) stringField(field string) (string, error) {
	if p.isNull() {
		return "", nil
	}
	if p.peek() != '"' {
		return "", p.typeErr(field, "a string")
	}
	return p.str()
}

func (p *parser) boolField(field string) (bool, error) {
	switch p.peek() {
	case 't':
		return true, p.literal("true")
	case 'f':
		return false, p.literal("false")
	case 'n':
		return false, p.literal("null")
	}
	return false, p.typeErr(field, "a boolean")
}

// beginObject consumes the '{' of an object field; ok is false for null.
func (p *parser) beginObject(field string) (ok bool, err error) {
	if p.isNull() {
		return false, nil
	}
	if p.peek() != '{' {
		return false, p.typeErr(field, "an object")
	}
	p.i++
	return true, nil
}

// resourceChange decodes one element of resource_changes or
// resource_drift.
func (p *parser) resourceChange() (*tfjson.ResourceChange, error) {
	if p.peek() != '{' {
		return nil, p.typeErr("", "an object")
	}
	p.i++
	rc := new(tfjson.ResourceChange)
	for first := true; ; first = false {
		key, ok, err := p.member(first)
		if err != nil {
			return nil, err
		}
		if !ok {
			return rc, nil
		}
		var s string
		switch key {
		case "address":
			rc.Address, err = p.stringField(key)
		case "previous_address":
			rc.PreviousAddress, err = p.stringField(key)
		case "module_address":
			rc.ModuleAddress, err = p.stringField(key)
		case "mode":
			s, err = p.stringField(key)
			rc.Mode = tfjson.ResourceMode(s)
		case "type":
			rc.Type, err = p.stringField(key)
		case "name":
			rc.Name, err = p.stringField(key)
		case "index":
			rc.Index, err = p.value()
		case "provider_name":
			rc.ProviderName, err = p.stringField(key)
		case "deposed":
			rc.DeposedKey, err = p.stringField(key)
		case "action_reason":
			s, err = p.stringField(key)
			rc.ActionReason = tfjson.ActionReason(s)
		case "change":
			rc.Change, err = p.change("change")
		default:
			err = p.skip()
		}
		if err != nil {
			return nil, err
		}
	}
}

// change decodes a change object; field is its name in the element ("" for
// an output change, which is the element itself).
func (p *parser) change(field string) (*tfjson.Change, error) {
	ok, err := p.beginObject(field)
	if !ok || err != nil {
		return nil, err
	}
	sub := func(name string) string {
		if field == "" {
			return name
		}
		return field + "." + name
	}
	c := new(tfjson.Change)
	p.refs = noRefs()
	for first := true; ; first = false {
		key, ok, err := p.member(first)
		if err != nil {
			return nil, err
		}
		if !ok {
			return c, nil
		}
		switch key {
		case "actions":
			c.Actions, err = p.actions(sub(key))
		case "before":
			c.Before, err = p.diffValue(refBefore)
		case "after":
			c.After, err = p.diffValue(refAfter)
		case "after_unknown":
			c.AfterUnknown, err = p.diffValue(refAfterUnknown)
		case "before_sensitive":
			c.BeforeSensitive, err = p.diffValue(refBeforeSensitive)
		case "after_sensitive":
			c.AfterSensitive, err = p.diffValue(refAfterSensitive)
		case "importing":
			c.Importing, err = p.importing(sub(key))
		case "generated_config":
			c.GeneratedConfig, err = p.stringField(sub(key))
		case "replace_paths":
			if p.isNull() {
				c.ReplacePaths = nil
			} else if p.peek() != '[' {
				err = p.typeErr(sub(key), "an array")
			} else {
				c.ReplacePaths, err = p.array()
			}
		case "before_identity":
			c.BeforeIdentity, err = p.value()
		case "after_identity":
			c.AfterIdentity, err = p.value()
		default:
			err = p.skip()
		}
		if err != nil {
			return nil, err
		}
	}
}

// diffValue decodes one of the values Diff compares: into p.tree (leaving
// the tfjson.Change's field nil) when decoding for Next, as a Go value
// otherwise.
func (p *parser) diffValue(i int) (any, error) {
	if p.tree == nil {
		return p.value()
	}
	r, err := p.node(p.tree)
	p.refs[i] = r
	return nil, err
}

func (p *parser) actions(field string) (tfjson.Actions, error) {
	if p.isNull() {
		return nil, nil
	}
	if p.peek() != '[' {
		return nil, p.typeErr(field, "an array")
	}
	p.i++
	var as tfjson.Actions
	for first := true; ; first = false {
		c := p.peek()
		if c == ']' {
			p.i++
			return as, nil
		}
		if !first {
			if c != ',' {
				return nil, p.internal()
			}
			p.i++
		}
		if p.peek() != '"' {
			return nil, p.typeErr(field+"[]", "a string")
		}
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		as = append(as, tfjson.Action(s))
	}
}

func (p *parser) importing(field string) (*tfjson.Importing, error) {
	ok, err := p.beginObject(field)
	if !ok || err != nil {
		return nil, err
	}
	imp := new(tfjson.Importing)
	for first := true; ; first = false {
		key, ok, err := p.member(first)
		if err != nil {
			return nil, err
		}
		if !ok {
			return imp, nil
		}
		switch key {
		case "id":
			imp.ID, err = p.stringField(field + ".id")
		case "unknown":
			imp.Unknown, err = p.boolField(field + ".unknown")
		case "identity":
			imp.Identity, err = p.value()
		default:
			err = p.skip()
		}
		if err != nil {
			return nil, err
		}
	}
}
