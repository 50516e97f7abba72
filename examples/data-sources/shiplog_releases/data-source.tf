# The last ten failed releases of production.
data "shiplog_releases" "failures" {
  environment = "production"
  status      = "FAILED"
  limit       = 10
}

output "failed_release_ids" {
  value = [for r in data.shiplog_releases.failures.releases : r.id]
}
