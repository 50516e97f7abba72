package cli

import (
	"runtime/debug"
	"testing"
)

func TestVersionOfBuildInfo(t *testing.T) {
	t.Parallel()
	const rev = "f2f494b1a2b3c4d5e6f708192a3b4c5d6e7f8091"
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		name     string
		version  string
		settings []debug.BuildSetting
		want     string
	}{
		{"clean checkout at an untagged commit", "v0.0.0-20261203063000-f2f494b1a2b3", vcs("false"), "dev+f2f494b1a2b3"},
		{"modified checkout", "v0.0.0-20261203063000-f2f494b1a2b3+dirty", vcs("true"), "dev+f2f494b1a2b3-dirty"},
		{"checkout after a tag", "v1.4.3-0.20261203063000-f2f494b1a2b3", vcs("false"), "dev+f2f494b1a2b3"},
		{"checkout at a tag", "v1.4.2", vcs("false"), "v1.4.2+f2f494b1a2b3"},
		{"older Go: (devel)", "(devel)", vcs("true"), "dev+f2f494b1a2b3-dirty"},
		{"go install module@version", "v1.4.2", nil, "v1.4.2"},
		{"no version, no commit (-buildvcs=false)", "(devel)", nil, "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/shiplog-dev/terraform-provider-shiplog", Version: tc.version}, Settings: tc.settings}
			if got := versionOf(info); got != tc.want {
				t.Errorf("versionOf(%s) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}
