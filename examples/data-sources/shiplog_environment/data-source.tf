data "shiplog_environment" "production" {
  name = "production"
}

# Gate: every resource of production in sync and none degraded.
check "production_is_healthy" {
  assert {
    condition     = lookup(data.shiplog_environment.production.resources.by_sync, "OUT_OF_SYNC", 0) == 0
    error_message = "production has resources out of sync"
  }
  assert {
    condition     = lookup(data.shiplog_environment.production.resources.by_health, "DEGRADED", 0) == 0
    error_message = "production has degraded resources"
  }
}
