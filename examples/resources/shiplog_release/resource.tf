# Trigger a release of production with the new build and wait for it: the
# apply fails if the release does not succeed.
resource "shiplog_release" "production" {
  environment = "production"
  template    = "terraform-apply"
  artifacts   = [shiplog_artifact.web.id]
  variables = {
    replicas = "3"
  }

  timeouts = {
    create = "45m"
  }
}

output "release_status" {
  value = shiplog_release.production.status
}

# A short-lived environment: destroying the resource releases it with
# terraform-destroy and waits for that release to succeed.
resource "shiplog_release" "preview" {
  environment      = "preview"
  template         = "terraform-apply"
  destroy_template = "terraform-destroy"
  abort_on_timeout = true
}
