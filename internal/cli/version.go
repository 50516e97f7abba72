package cli

import "runtime/debug"

// Version is the version to report: v as goreleaser's ldflags set it
// (-X main.version=1.2.3), or, for "dev" builds, the module version `go
// install` recorded, or the VCS revision a `go build` in a checkout
// recorded ("dev+<12 hex>", "+dirty" when the tree had changes).
func Version(v string) string {
	if v != "dev" && v != "" {
		return v
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if m := info.Main.Version; m != "" && m != "(devel)" {
		return m
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "dev"
	}
	return "dev+" + rev + dirty
}
