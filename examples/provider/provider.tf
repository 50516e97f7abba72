terraform {
  required_providers {
    shiplog = {
      source = "shiplog-dev/shiplog"
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
