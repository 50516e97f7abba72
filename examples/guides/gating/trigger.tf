variable "app_version" {
  type    = string
  default = "2.1.0"
}

resource "shiplog_artifact" "web" {
  artifact_uri = "registry.example.com/shop/web:${var.app_version}"
  app_name     = "web"
}

# Queued at apply; the apply waits for it and fails when it does not succeed.
resource "shiplog_release" "staging" {
  environment      = "staging"
  template         = "terraform-apply"
  artifacts        = [shiplog_artifact.web.id]
  abort_on_timeout = true
  timeouts = {
    create = "30m"
  }
}
