terraform {
  required_version = ">= 1.5.0"
  required_providers {
    shiplog = {
      source  = "shiplog-dev/shiplog"
      version = ">= 0.1.0"
    }
  }
}

# endpoint and token may also come from SHIPLOG_ENDPOINT and SHIPLOG_TOKEN.
provider "shiplog" {
  endpoint = "https://shiplog.example.com"
  token    = var.shiplog_token
  timeout  = "30s"
}

variable "shiplog_token" {
  type      = string
  sensitive = true
}
