package cli

import (
	"regexp"
	"runtime/debug"
	"strings"
)

// Version is the version to report: v as goreleaser's ldflags set it
// (-X main.version=1.2.3), or, for other builds ("dev"), what Go's build
// info recorded (runtime/debug.ReadBuildInfo).
//
// A `go build` in a checkout records the commit (vcs.revision) and whether
// the tree had uncommitted changes (vcs.modified): it reports
// "dev+<first 12 hex of the commit>", with "-dirty" appended for a modified
// tree, or "<tag>+<12 hex>" when the commit is a release tag. A `go install
// module@version` records no commit and reports that module version; a
// build with neither reports "dev".
func Version(v string) string {
	if v != "dev" && v != "" {
		return v
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return versionOf(info)
}

// pseudoVersion matches the pseudo-versions Go gives untagged commits
// (v0.0.0-20060102150405-abcdef123456, vX.Y.Z-0.2006…-abcdef123456): they
// name no release, so a checkout build at one is "dev".
var pseudoVersion = regexp.MustCompile(`\d{14}-[0-9a-f]{12}$`)

// versionOf is Version for a "dev" build with build info info.
func versionOf(info *debug.BuildInfo) string {
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	mod, _, _ := strings.Cut(info.Main.Version, "+") // Go adds "+dirty" to a modified tree's version
	if rev == "" {
		if mod != "" && mod != "(devel)" {
			return info.Main.Version
		}
		return "dev"
	}
	base := "dev"
	if mod != "" && mod != "(devel)" && !pseudoVersion.MatchString(mod) {
		base = mod
	}
	v := base + "+" + rev[:min(len(rev), 12)]
	if dirty {
		v += "-dirty"
	}
	return v
}
