package service_test

import (
	"testing"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
