package webhook_test

import (
	"testing"
	"time"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/webhook"
)

// The Standard Webhooks specification's own example signs to its value.
func TestSignMatchesTheSpecificationExample(t *testing.T) {
	t.Parallel()
	got, err := webhook.Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature %s, want the specification's %s", got, want)
	}
}

// While a rotated-out secret still signs, each request carries both
// signatures, the current one first.
func TestSignWithTwoSecrets(t *testing.T) {
	t.Parallel()
	a, _ := webhook.NewSecret()
	b, _ := webhook.NewSecret()
	one, _ := webhook.Sign([]string{a}, "msg_1", time.Unix(1, 0), []byte("{}"))
	two, err := webhook.Sign([]string{a, b}, "msg_1", time.Unix(1, 0), []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if len(two) <= len(one) || two[:len(one)] != one || two[len(one)] != ' ' {
		t.Errorf("two secrets signed %q, want %q then a second signature", two, one)
	}
}
