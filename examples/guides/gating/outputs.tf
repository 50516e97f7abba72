# What production's last successful apply left in its outputs.
data "shiplog_outputs" "production" {
  environment = "production"
}

resource "terraform_data" "web_client" {
  input = data.shiplog_outputs.production.nonsensitive_values.web_image
}
