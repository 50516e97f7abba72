data "shiplog_artifact" "in_production" {
  app_name    = "web"
  environment = "production"
  deployed    = true # only artifacts of a SUCCEEDED apply there
}

output "web_in_production" {
  value = data.shiplog_artifact.in_production.artifact_uri
}
