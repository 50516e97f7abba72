# Plan prod every night at 02:30 Berlin time: resources changed outside
# Terraform show as drift on the home page, in the resource status and as
# release.drift_detected to webhook subscribers.
resource "shiplog_schedule" "nightly_drift" {
  environment = "prod"
  name        = "nightly-drift"
  cron        = "30 2 * * *"
  time_zone   = "Europe/Berlin"
  template    = "full-plan"
}
