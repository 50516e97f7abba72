# A small configuration shiplog can release anywhere: it uses only Terraform's
# built-in terraform_data resource, so no provider needs to be downloaded.

variable "shiplog_artifacts" {
  description = "Artifacts of the release, filled in by shiplog."
  type = list(object({
    artifact_uri          = string
    build_id              = string
    stack_name            = string
    app_name              = string
    registration_metadata = map(string)
  }))
  default = []
}

variable "replicas" {
  type    = number
  default = 2
}

locals {
  image = length(var.shiplog_artifacts) > 0 ? var.shiplog_artifacts[0].artifact_uri : "registry.example.com/shop/web:1.0.0"
}

resource "terraform_data" "network" {
  input = {
    cidr    = "10.10.0.0/16"
    subnets = ["10.10.1.0/24", "10.10.2.0/24"]
  }
}

resource "terraform_data" "database" {
  input = {
    engine  = "postgres"
    version = "15"
    network = terraform_data.network.id
  }
}

resource "terraform_data" "web" {
  input = {
    image    = local.image
    replicas = var.replicas
    labels   = { team = "shop", tier = "frontend" }
    database = terraform_data.database.id
  }
}

output "web_image" {
  value = terraform_data.web.output.image
}
