data "shiplog_artifacts" "checkout" {
  app_name = "checkout"
  limit    = 5
}

output "recent_checkout_builds" {
  value = [for a in data.shiplog_artifacts.checkout.artifacts : a.build_id]
}
