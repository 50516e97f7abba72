package provider_test

import (
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/provider"
)

func TestLaunched(t *testing.T) {
	cases := []struct {
		args         []string
		cookie       string
		serve, debug bool
	}{
		{nil, "", false, false},                        // shiplog with no arguments: the CLI's help
		{nil, "d602bf8f470bc67c", true, false},         // Terraform starting the provider
		{[]string{"db", "migrate"}, "x", false, false}, // a command run from a provider's environment
		{[]string{"-debug"}, "", true, true},
		{[]string{"--debug"}, "", true, true},
		{[]string{"-debug=true"}, "", true, true},
		{[]string{"-debug", "x"}, "", false, false},
		{[]string{"plan", "diff", "-"}, "", false, false},
	}
	for _, c := range cases {
		t.Setenv("TF_PLUGIN_MAGIC_COOKIE", c.cookie)
		serve, debug := provider.Launched(c.args)
		if serve != c.serve || debug != c.debug {
			t.Errorf("Launched(%q) with cookie %q = %v, %v; want %v, %v", c.args, c.cookie, serve, debug, c.serve, c.debug)
		}
	}
}
