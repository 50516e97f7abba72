package release

import "testing"

func TestArtifactDeploysToAddress(t *testing.T) {
	t.Parallel()
	a := Artifact{URI: "oci://web:2", DeploysTo: []string{"module.web", "aws_instance.app"}}
	for addr, want := range map[string]bool{
		"module.web":                         true,
		"module.web.aws_s3_bucket.assets":    true,
		"module.web[0].aws_s3_bucket.assets": true,
		`module.web["eu"].x.y`:               true,
		"aws_instance.app":                   true,
		"aws_instance.app[1]":                true,
		"module.webhooks.aws_sqs_queue.q":    false,
		"aws_instance.application":           false,
		"module.api.aws_instance.app":        false,
		"":                                   false,
	} {
		if got := a.DeploysToAddress(addr); got != want {
			t.Errorf("DeploysToAddress(%q) = %v, want %v", addr, got, want)
		}
	}
	if (Artifact{URI: "oci://x"}).DeploysToAddress("aws_instance.app") {
		t.Error("an artifact that names no address is linked to none")
	}
	arts := []Artifact{{URI: "a", DeploysTo: []string{"x.one"}}, {URI: "b", DeploysTo: []string{"x"}}}
	if got := ArtifactFor(arts, "x.one"); got == nil || got.URI != "a" {
		t.Errorf("ArtifactFor(x.one) = %+v, want the first linked artifact", got)
	}
	if got := ArtifactFor(arts, "y.two"); got != nil {
		t.Errorf("ArtifactFor(y.two) = %+v, want none", got)
	}
}
