package store

import (
	"fmt"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// This file seals and opens the credentials of a configuration source
// (git token, SSH key), as sealVariables does for sensitive variables.

// sourceSecrets are the credential fields of a source.
func sourceSecrets(src *release.Source) []struct {
	name string
	v    *string
} {
	return []struct {
		name string
		v    *string
	}{{"source.git_token", &src.GitToken}, {"source.git_ssh_key", &src.GitSSHKey}}
}

// sealSource returns src with its credentials sealed; a blank credential
// takes kept's (the stored, sealed value) when kept is not nil.
func (s *Store) sealSource(src release.Source, kept *release.Source) (release.Source, error) {
	out := src
	var old []struct {
		name string
		v    *string
	}
	if kept != nil {
		old = sourceSecrets(kept)
	}
	for i, f := range sourceSecrets(&out) {
		if *f.v == "" {
			if old != nil && out.Kind == kept.Kind {
				*f.v = *old[i].v
			}
			continue
		}
		if s.box == nil {
			return out, fmt.Errorf("%s is a credential but no secret key is configured to seal it", f.name)
		}
		sealed, err := s.box.Seal(*f.v)
		if err != nil {
			return out, fmt.Errorf("sealing %s: %w", f.name, err)
		}
		*f.v = sealed
	}
	return out, nil
}

// openSource opens a stored source's credentials in place.
func (s *Store) openSource(src *release.Source) error {
	for _, f := range sourceSecrets(src) {
		if *f.v == "" {
			continue
		}
		if s.box == nil {
			return fmt.Errorf("%s is sealed but no secret key is configured", f.name)
		}
		plain, err := s.box.Open(*f.v)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		*f.v = plain
	}
	return nil
}

// blankSource blanks a source's credentials for readers.
func blankSource(src *release.Source) {
	for _, f := range sourceSecrets(src) {
		*f.v = ""
	}
}
