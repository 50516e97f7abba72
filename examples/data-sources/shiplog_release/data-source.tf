# The newest successful deployment of production.
data "shiplog_release" "last_good" {
  environment  = "production"
  status       = "SUCCEEDED"
  release_type = "APPLY" # not a plan-only release: one that deployed
}

# One release by ID.
data "shiplog_release" "by_id" {
  id = 42
}

output "production_blueprint_version" {
  value = data.shiplog_release.last_good.blueprint_version
}

output "apply_phase_duration_ms" {
  value = one([for p in data.shiplog_release.last_good.phases : p.duration_ms if p.action == "apply"])
}

output "deployed_artifacts" {
  value = [for a in data.shiplog_release.last_good.artifacts : a.artifact_uri]
}
