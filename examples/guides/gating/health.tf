data "shiplog_environment" "production" {
  name = "production"
}

resource "terraform_data" "deploy_when_healthy" {
  input = data.shiplog_environment.production.name

  lifecycle {
    precondition {
      condition     = lookup(data.shiplog_environment.production.resources.by_sync, "OUT_OF_SYNC", 0) == 0
      error_message = "production has resources out of sync."
    }
    precondition {
      condition     = lookup(data.shiplog_environment.production.resources.by_health, "DEGRADED", 0) == 0
      error_message = "production has degraded resources."
    }
  }
}
