package testutil

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/statebackend"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// TamperState changes resource terraform_data.<name>'s input and output in
// environment env's (id envID) state "outside" terraform: through shiplog's http state
// backend (as a terraform of release rel would), serial+1, same lineage.
// terraform_data does not refresh, so the next plan sees the difference
// from its configuration as a change.
func TamperState(t testing.TB, st *store.Store, envID int64, env string, rel int64, name, value string) {
	t.Helper()
	be, err := statebackend.Start(statebackend.Config{Store: st, EnvironmentID: envID, Environment: env, ReleaseID: rel})
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	creds := be.Env()
	call := func(method string, body []byte) []byte {
		req, err := http.NewRequest(method, be.Address(), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(creds["TF_HTTP_USERNAME"], creds["TF_HTTP_PASSWORD"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s of the state: %s: %s", method, resp.Status, b)
		}
		return b
	}
	var state map[string]any
	if err := json.Unmarshal(call("GET", nil), &state); err != nil {
		t.Fatal(err)
	}
	state["serial"] = state["serial"].(float64) + 1
	found := false
	for _, r := range state["resources"].([]any) {
		r := r.(map[string]any)
		if r["type"] != "terraform_data" || r["name"] != name {
			continue
		}
		for _, in := range r["instances"].([]any) {
			attrs := in.(map[string]any)["attributes"].(map[string]any)
			attrs["input"] = map[string]any{"value": value, "type": "string"}
			attrs["output"] = map[string]any{"value": value, "type": "string"}
			found = true
		}
	}
	if !found {
		t.Fatalf("the state has no terraform_data.%s", name)
	}
	b, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	call("POST", b)
}
