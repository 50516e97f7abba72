package release

import "testing"

func TestValidatePattern(t *testing.T) {
	for p, ok := range map[string]bool{
		"*": true, "prod": true, "prod-*": true, "eu-?": true, "env-[ab]": true,
		"": false, "A B": false, "PROD": false, "prod/*": false, "env-[": false, " prod": false, "pröd-*": false,
	} {
		if err := ValidatePattern(p); (err == nil) != ok {
			t.Errorf("ValidatePattern(%q) = %v, want valid %v", p, err, ok)
		}
	}
}
