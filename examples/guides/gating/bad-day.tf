# plantimestamp() is known at plan time, so the list is read during the plan;
# timestamp() would defer the read to the apply.
data "shiplog_releases" "bad_day" {
  environment   = "production"
  statuses      = ["FAILED", "TIMED_OUT"]
  created_after = timeadd(plantimestamp(), "-24h")
}

resource "terraform_data" "deploy_after_a_good_day" {
  input = length(data.shiplog_releases.bad_day.releases)

  lifecycle {
    precondition {
      condition     = length(data.shiplog_releases.bad_day.releases) == 0
      error_message = "production had ${length(data.shiplog_releases.bad_day.releases)} failed or timed-out releases in the last day."
    }
  }
}
