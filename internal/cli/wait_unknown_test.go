package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A release in a status this shiplog does not know (a newer server's) ends
// `release wait` at once with exit code 1, never 0 and never a wait until
// --within runs out. A fake server: the real one cannot store a status its
// own release package lacks.
func TestWaitOnAnUnknownStatusNeverExitsZero(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/releases/7" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id": 7, "environment": "prod", "status": "EXPIRED", "phases": []}`)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"SHIPLOG_ENDPOINT": srv.URL, "SHIPLOG_TOKEN": "shp_test"}
	code, _, errOut := run(t, env, "release", "wait", "7", "--within", "1m")
	if code != 1 {
		t.Fatalf("release wait on status EXPIRED: exit %d, want 1\n%s", code, errOut)
	}
	if !strings.Contains(errOut, `status "EXPIRED", which this shiplog does not know`) {
		t.Errorf("release wait on status EXPIRED says %q, want it to name the unknown status", errOut)
	}
}
