data "shiplog_release" "production" {
  environment  = "production"
  release_type = "APPLY"
  wait_timeout = "15m"
}

# A precondition stops the plan (a check block would only warn).
resource "terraform_data" "deploy_after_production" {
  input = data.shiplog_release.production.id

  lifecycle {
    precondition {
      condition     = data.shiplog_release.production.status == "SUCCEEDED"
      error_message = "The last deployment of production ended ${data.shiplog_release.production.status}."
    }
  }
}
