package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

const stateJSON = `{"format_version":"1.0","terraform_version":"1.11.4","values":{
 "outputs":{
  "url":{"sensitive":false,"value":"https://shop.example","type":"string"},
  "dsn":{"sensitive":false,"value":"postgres://app:hunter22@db/app","type":"string"},
  "token":{"sensitive":true,"value":"t0k3n-value","type":"string"}},
 "root_module":{"resources":[
  {"address":"terraform_data.web","mode":"managed","type":"terraform_data","name":"web",
   "values":{"id":"4b1e","input":{"replicas":2,"password":"pw-secret","labels":{"team":"shop"}},"output":{"replicas":2,"password":"pw-secret","labels":{"team":"shop"}}},
   "sensitive_values":{"input":{"password":true,"labels":{}},"output":{"password":true,"labels":{}}}}],
  "child_modules":[{"address":"module.m","resources":[
   {"address":"module.m.terraform_data.x","mode":"managed","type":"terraform_data","name":"x","values":{"id":"77"},"sensitive_values":{}},
   {"address":"module.m.terraform_data.x","deposed_key":"abcd","mode":"managed","type":"terraform_data","name":"x","values":{"id":"66"},"sensitive_values":{}}]}]}}}`

func TestReadStateAndWithApplied(t *testing.T) {
	t.Parallel()
	st, err := ReadState(strings.NewReader(stateJSON), func(string) bool { return true }, []string{"hunter22"})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Resources) != 2 {
		t.Fatalf("resources %v, want web and module.m's x (not its deposed object)", st.Resources)
	}
	if id := st.Resources["module.m.terraform_data.x"].Values.(map[string]any)["id"]; id != "77" {
		t.Errorf("module.m.terraform_data.x id %v, want the current object's 77", id)
	}
	outs, _ := json.Marshal(st.Outputs)
	for _, secret := range []string{"t0k3n-value", "hunter22"} {
		if strings.Contains(string(outs), secret) {
			t.Errorf("outputs show %q: %s", secret, outs)
		}
	}
	if len(st.Outputs) != 3 || st.Outputs[0].Name != "dsn" || !st.Outputs[0].Sensitive || st.Outputs[2].Value != "https://shop.example" {
		t.Errorf("outputs %s", outs)
	}

	c := release.Change{Address: "terraform_data.web", Action: release.ChangeCreate, Fields: []release.Field{
		{Path: "id", Unknown: true, Changed: true},
		{Path: "input.replicas", After: json.Number("2"), Changed: true},
		{Path: "input.password", Sensitive: true, Changed: true},
		{Path: "output", Unknown: true, Changed: true},
		{Path: "gone", Before: "x", Changed: true},
	}}
	got := WithApplied(c, st.Resources["terraform_data.web"], nil)
	if !got.Applied {
		t.Error("not marked applied")
	}
	f := map[string]release.Field{}
	for _, x := range got.Fields {
		f[x.Path] = x
	}
	if f["id"].Applied != "4b1e" || !f["id"].Unknown {
		t.Errorf("id: %+v, want unknown in the plan and 4b1e applied", f["id"])
	}
	if f["input.replicas"].Applied != json.Number("2") || f["input.replicas"].After != json.Number("2") {
		t.Errorf("input.replicas: %+v", f["input.replicas"])
	}
	if x := f["input.password"]; !x.Sensitive || x.Applied != nil {
		t.Errorf("input.password: %+v, want masked", x)
	}
	if x := f["output"]; !x.Sensitive || x.Applied != nil || x.Before != nil || x.After != nil {
		t.Errorf("output holds a sensitive value, so its applied object is masked: %+v", x)
	}
	if x := f["gone"]; x.Applied != nil || x.Before != "x" {
		t.Errorf("a path the state lacks: %+v", x)
	}
	if c.Fields[0].Applied != nil {
		t.Error("WithApplied changed its argument's fields")
	}
}

func TestReadStateRefusesAnotherMajorFormat(t *testing.T) {
	t.Parallel()
	if _, err := ReadState(strings.NewReader(`{"format_version":"2.0"}`), nil, nil); err == nil {
		t.Fatal("format version 2.0 was read")
	}
	st, err := ReadState(strings.NewReader(`{"format_version":"1.0"}`), nil, nil)
	if err != nil || len(st.Outputs) != 0 || len(st.Resources) != 0 {
		t.Fatalf("an empty state: %+v %v", st, err)
	}
}
