# Register the image a build produced, so a release can deploy it.
resource "shiplog_artifact" "web" {
  artifact_uri = "registry.example.com/shop/web:${var.version}"
  app_name     = "web"
  stack_name   = "shop"
  build_id     = var.build_id
  registration_metadata = jsonencode({
    commit = var.commit
  })
}

variable "version" { type = string }
variable "build_id" { type = string }
variable "commit" { type = string }
