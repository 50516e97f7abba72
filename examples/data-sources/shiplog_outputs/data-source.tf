# The outputs production's last successful apply left, as tfe_outputs reads a
# workspace's.
data "shiplog_outputs" "production" {
  environment = "production"
}

resource "terraform_data" "web_client" {
  input = data.shiplog_outputs.production.nonsensitive_values.web_image
}

output "production_sensitive_outputs" {
  value = data.shiplog_outputs.production.sensitive_outputs
}
