# Reports on an environment's newest release through the shiplog provider.
# Set SHIPLOG_ENDPOINT and SHIPLOG_TOKEN (a token with the read scope), then:
#
#   terraform plan -var environment=production
#
# The plan shows the outputs; data sources are read while planning.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    shiplog = {
      source  = "shiplog-dev/shiplog"
      version = ">= 0.1.0"
    }
  }
}

provider "shiplog" {}

variable "environment" {
  description = "The environment to report on."
  type        = string
  default     = "production"
}

variable "app_name" {
  description = "The application whose newest artifact to show."
  type        = string
  default     = "web"
}

data "shiplog_release" "latest" {
  environment = var.environment
}

data "shiplog_release_changes" "latest" {
  release_id = data.shiplog_release.latest.id
}

data "shiplog_releases" "recent" {
  environment = var.environment
  limit       = 10
}

data "shiplog_resource_status" "all" {
  environment = var.environment
}

data "shiplog_artifact" "app" {
  app_name = var.app_name
}

output "latest_release" {
  value = {
    id       = data.shiplog_release.latest.id
    status   = data.shiplog_release.latest.status
    template = data.shiplog_release.latest.template
    phases   = [for p in data.shiplog_release.latest.phases : "${p.name}:${p.status}"]
    changes  = data.shiplog_release.latest.summary.total
  }
}

output "changed_addresses" {
  value = sort([for c in data.shiplog_release_changes.latest.changes : c.address])
}

output "recent_statuses" {
  value = [for r in data.shiplog_releases.recent.releases : r.status]
}

output "out_of_sync" {
  value = [for r in data.shiplog_resource_status.all.resources : r.address if r.sync_status == "OUT_OF_SYNC"]
}

output "app_artifact" {
  value = data.shiplog_artifact.app.artifact_uri
}
