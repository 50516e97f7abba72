package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// The acceptance tests read real releases, run by the real worker, through
// a real API server (fixture_test.go): one file per data source, each
// checked with terraform-plugin-testing's typed state checks.

// errRe matches Terraform's error output, which wraps lines: the parts are
// literal, spaces match any white space, and parts may be far apart.
func errRe(parts ...string) *regexp.Regexp {
	for i, p := range parts {
		words := strings.Fields(p)
		for j, w := range words {
			words[j] = regexp.QuoteMeta(w)
		}
		parts[i] = strings.Join(words, `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

// step is one plan-and-apply of config whose state must pass checks.
func step(config string, checks ...statecheck.StateCheck) resource.TestStep {
	return resource.TestStep{Config: config, ConfigStateChecks: checks}
}

// fails is one step of config that must fail with an error matching re.
func fails(config string, re *regexp.Regexp) resource.TestStep {
	return resource.TestStep{Config: config, ExpectError: re}
}

func run(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories, Steps: steps})
}

// at turns a dotted attribute path ("artifacts.0.id") into a tfjsonpath:
// numbers index lists, names are keys.
func at(p string) tfjsonpath.Path {
	parts := strings.Split(p, ".")
	path := tfjsonpath.New(parts[0])
	for _, s := range parts[1:] {
		if i, err := strconv.Atoi(s); err == nil {
			path = path.AtSliceIndex(i)
		} else {
			path = path.AtMapKey(s)
		}
	}
	return path
}

// str checks that attribute p of data source name is the string v.
func str(name, p, v string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(name, at(p), knownvalue.StringExact(v))
}

// num checks that attribute p of data source name is the number v.
func num(name, p string, v int64) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(name, at(p), knownvalue.Int64Exact(v))
}

// flag checks that attribute p of data source name is the bool v.
func flag(name, p string, v bool) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(name, at(p), knownvalue.Bool(v))
}

// count checks that list p of data source name has n elements.
func count(name, p string, n int) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(name, at(p), knownvalue.ListSizeExact(n))
}

// null checks that attribute p of data source name is null.
func null(name, p string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(name, at(p), knownvalue.Null())
}

// set checks that attribute p of data source name is not null.
func set(name, p string) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(name, at(p), knownvalue.NotNull())
}

// fieldCheck finds the field at path in the changes of data source name
// and checks its attributes: want[k] is the value as text ("true", "3",
// `"x"`), "" meaning k must be null.
type fieldCheck struct {
	name, path string
	want       map[string]string
}

func checkField(name, path string, want map[string]string) statecheck.StateCheck {
	return fieldCheck{name: name, path: path, want: want}
}

func (c fieldCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	attrs, err := stateAttributes(req, c.name)
	if err != nil {
		resp.Error = err
		return
	}
	changes, _ := attrs["changes"].([]any)
	var paths []string
	for _, ch := range changes {
		fields, _ := ch.(map[string]any)["fields"].([]any)
		for _, f := range fields {
			field, _ := f.(map[string]any)
			p, _ := field["path"].(string)
			if p != c.path {
				paths = append(paths, p)
				continue
			}
			for k, wv := range c.want {
				got, isSet := field[k]
				isSet = isSet && got != nil
				switch {
				case wv == "" && isSet:
					resp.Error = fmt.Errorf("%s: field %s: %s = %v, want null", c.name, c.path, k, got)
					return
				case wv != "" && fmt.Sprint(got) != wv:
					resp.Error = fmt.Errorf("%s: field %s: %s = %v, want %s", c.name, c.path, k, got, wv)
					return
				}
			}
			return
		}
	}
	resp.Error = fmt.Errorf("%s: no field %s among %q", c.name, c.path, paths)
}

// noneHolds checks that no value anywhere in the state contains secret.
type noneHolds struct{ secret string }

func (c noneHolds) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	b, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = fmt.Errorf("encoding the state: %w", err)
		return
	}
	if strings.Contains(string(b), c.secret) {
		resp.Error = fmt.Errorf("the state holds the sensitive value")
	}
}

// stateAttributes returns the attribute values of resource (or data source)
// address in the state.
func stateAttributes(req statecheck.CheckStateRequest, address string) (map[string]any, error) {
	if req.State == nil || req.State.Values == nil || req.State.Values.RootModule == nil {
		return nil, fmt.Errorf("%s: the state is empty", address)
	}
	for _, r := range req.State.Values.RootModule.Resources {
		if r.Address == address {
			return r.AttributeValues, nil
		}
	}
	return nil, fmt.Errorf("%s is not in state", address)
}
