# The configuration the Kubernetes example releases (environment "shop"):
# only Terraform's built-in terraform_data, so nothing is downloaded.

variable "replicas" {
  type    = number
  default = 2
}

variable "api_token" {
  type      = string
  sensitive = true
  default   = "unset"
}

resource "terraform_data" "web" {
  input = {
    replicas = var.replicas
    token    = sha256(var.api_token)
  }
}

output "replicas" {
  value = terraform_data.web.output.replicas
}
