package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/apiwire"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/client"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

type artifactCmd struct {
	Register artifactRegisterCmd `cmd:"" help:"Register a build output, to deploy with a release."`
	List     artifactListCmd     `cmd:"" help:"List artifacts, newest first."`
	Show     artifactShowCmd     `cmd:"" help:"Show an artifact by ID, or the newest of an app (--latest)."`
}

type artifactRegisterCmd struct {
	apiFlags
	URI     string   `arg:"" help:"Where the artifact is (image reference, URL)."`
	App     string   `help:"App name."`
	Stack   string   `help:"Stack name."`
	BuildID string   `name:"build-id" help:"Build that made it."`
	Meta    []string `help:"Registration metadata KEY=VALUE (repeatable)."`
}

func (c *artifactRegisterCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	meta, err := keyValues("meta", c.Meta)
	if err != nil {
		return err
	}
	req := apiwire.ArtifactRequest{URI: c.URI, AppName: c.App, StackName: c.Stack, BuildID: c.BuildID}
	if len(meta) > 0 {
		req.RegistrationMetadata = map[string]any{}
		for _, kv := range meta {
			req.RegistrationMetadata[kv[0]] = kv[1]
		}
	}
	a, err := s.c.RegisterArtifact(g.Context(), req)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(a)
	}
	fmt.Fprintf(s.out, "artifact %d registered: %s\n", a.ID, a.URI)
	return nil
}

type artifactListCmd struct {
	apiFlags
	App     string `help:"Only this app's artifacts."`
	Stack   string `help:"Only this stack's artifacts."`
	BuildID string `name:"build-id" help:"Only this build's artifacts."`
	Limit   int    `short:"n" default:"50" help:"How many at most."`
}

func (c *artifactListCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	f := client.ArtifactFilter{AppName: c.App, StackName: c.Stack, BuildID: c.BuildID}
	as := []release.Artifact{}
	for len(as) < c.Limit {
		f.Limit = min(c.Limit-len(as), 500)
		p, err := s.c.ListArtifacts(g.Context(), f)
		if err != nil {
			return err
		}
		as = append(as, p.Artifacts...)
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	if s.json {
		return s.printJSON(map[string]any{"artifacts": as})
	}
	return s.artifactTable(as)
}

func (s *apiSession) artifactTable(as []release.Artifact) error {
	tw := s.table("ID", "APP", "STACK", "BUILD", "CREATED", "URI")
	for _, a := range as {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", a.ID, orDash(a.AppName), orDash(a.StackName), orDash(a.BuildID), when(&a.CreatedAt), a.URI)
	}
	return tw.Flush()
}

type artifactShowCmd struct {
	apiFlags
	ID     int64  `arg:"" optional:"" help:"Artifact ID."`
	Latest bool   `help:"Show the newest artifact of --app (and --stack) instead."`
	App    string `help:"App name, with --latest."`
	Stack  string `help:"Stack name, with --latest."`
}

func (c *artifactShowCmd) Run(g *Globals) error {
	s, err := c.session(g)
	if err != nil {
		return err
	}
	var a *release.Artifact
	switch {
	case c.Latest && c.ID == 0:
		a, err = s.c.LatestArtifact(g.Context(), c.App, c.Stack)
	case !c.Latest && c.ID > 0:
		a, err = s.c.GetArtifact(g.Context(), c.ID)
	default:
		return fmt.Errorf("give an artifact ID, or --latest with --app (and --stack)")
	}
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(a)
	}
	if err := s.artifactTable([]release.Artifact{*a}); err != nil {
		return err
	}
	if len(a.RegistrationMetadata) > 0 {
		keys := make([]string, 0, len(a.RegistrationMetadata))
		for k := range a.RegistrationMetadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		fmt.Fprintln(s.out, "\nMetadata:")
		for _, k := range keys {
			v, _ := json.Marshal(a.RegistrationMetadata[k])
			fmt.Fprintf(s.out, "  %s = %s\n", k, strings.Trim(string(v), `"`))
		}
	}
	return nil
}
