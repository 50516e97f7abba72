package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// nextCases are post-login destinations and where sign-in must send the
// browser: a same-origin path is kept; anything a browser could read as
// another origin, or as script, goes to "/". The values are as the form
// field carries them (already decoded once).
var nextCases = []struct{ next, want string }{
	{"/releases?status=FAILED", "/releases?status=FAILED"},
	{"/environments/prod/resources/aws_s3_bucket.b", "/environments/prod/resources/aws_s3_bucket.b"},
	{"/releases/1/logs?q=100%", "/releases/1/logs?q=100%"},
	{"/releases/1/logs?q=a%20b", "/releases/1/logs?q=a%20b"},
	{"/\t/evil.example", "/"},        // ?next=/%09/evil.example, the reported case
	{"/%09/evil.example", "/"},       // the same, encoded once more
	{"/\n/evil.example", "/"},        // newline, dropped by browsers
	{"/\r/evil.example", "/"},        // carriage return
	{"/\x00/evil.example", "/"},      // NUL
	{"/\x7f/evil.example", "/"},      // DEL
	{"/\\evil.example", "/"},         // backslash read as a slash
	{"/x\\..\\..\\evil", "/"},        // backslash further on
	{"/%5Cevil.example", "/"},        // encoded backslash
	{"//evil.example", "/"},          // network path
	{"//evil.example/x", "/"},        // network path with a path
	{"/%2F%2Fevil.example", "/"},     // encoded network path
	{"/%2f/evil.example", "/"},       // half-encoded network path
	{"/%252F%252Fevil", "/"},         // encoded twice
	{"https://evil.example", "/"},    // absolute URL
	{"http:/evil.example", "/"},      // scheme, one slash
	{"javascript:alert(1)", "/"},     // script
	{"JavaScript:alert(1)", "/"},     // script, other case
	{"evil.example", "/"},            // relative
	{"", "/"},                        // nothing
	{" /releases", "/"},              // leading space
	{"/\u2028/evil.example", "/"},    // a Unicode line separator is no path of ours either
	{"/\xff/evil.example", "/"},      // invalid UTF-8
	{"/%ff/evil.example", "/"},       // encoded invalid UTF-8
	{"/%E2%80%A8/evil.example", "/"}, // encoded line separator
}

func TestSignInRedirectsOnlyToThisOrigin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range nextCases {
		t.Run(url.QueryEscape(tc.next), func(t *testing.T) {
			resp, err := h.browser().c.PostForm(h.srv.URL+"/login", url.Values{"token": {h.tokens["reader"]}, "next": {tc.next}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign-in answered %d, want 303", resp.StatusCode)
			}
			if got := resp.Header.Get("Location"); got != tc.want {
				t.Errorf("sign-in with next=%q sends to %q, want %q", tc.next, got, tc.want)
			}
		})
	}
}

// The form itself carries only a same-origin destination.
func TestSignInFormKeepsOnlyThisOrigin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range nextCases {
		t.Run(url.QueryEscape(tc.next), func(t *testing.T) {
			status, body, doc := h.browser().get("/login?next=" + url.QueryEscape(tc.next))
			if status != http.StatusOK {
				t.Fatalf("GET /login: %d: %s", status, body)
			}
			var got []string
			for _, in := range find(doc, byTag("input")) {
				if attr(in, "name") == "next" {
					got = append(got, attr(in, "value"))
				}
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("the form's next is %q, want [%q]", got, tc.want)
			}
		})
	}
}

// Invalid UTF-8 or NUL in a page's path or query is a 400 naming the
// parameter, never a 500 from the database.
func TestPagesRefuseInvalidText(t *testing.T) {
	t.Parallel()
	h := newHarness(t).seed()
	b := h.browser()
	b.signIn("reader")
	for _, tc := range []struct{ path, names string }{
		{"/releases?triggered_by=%FF", "triggered_by"},
		{"/releases?environment=%FF", "environment"},
		{"/releases?triggered_by=a%00b", "triggered_by"},
		{"/releases/1/changes?address=%FF", "address"},
		{"/releases/1/logs?q=%FF", "q"},
		{"/environments/prod?q=%FF", "q"},
		{"/environments/prod/resources/%FF", "path"},
		{"/environments/%FF", "path"},
		{"/releases?%FF=1", "query"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, body, _ := b.get(tc.path)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", status, body)
			}
			if !strings.Contains(body, tc.names+": ") {
				t.Errorf("the page does not name %q: %s", tc.names, body)
			}
		})
	}
}
