# The newest full apply that succeeded in staging...
data "shiplog_release" "staging" {
  environment  = "staging"
  release_type = "APPLY"
  status       = "SUCCEEDED"
}

# ...goes to production as it ran there: the same blueprint, artifacts and
# variables. A new staging release changes promote_from: a new promotion.
resource "shiplog_release" "production" {
  environment  = "production"
  promote_from = data.shiplog_release.staging.id

  lifecycle {
    precondition {
      condition     = data.shiplog_release.staging.sign_off.status == "APPROVED"
      error_message = "Release ${data.shiplog_release.staging.id} of staging is not signed off: sign it off first (shiplog release signoff ${data.shiplog_release.staging.id} --status APPROVED)."
    }
  }
}
