# One resource.
data "shiplog_resource_status" "web" {
  environment = "production"
  address     = "aws_instance.web"
}

# Every resource of the environment.
data "shiplog_resource_status" "all" {
  environment = "production"
}

output "web_in_sync" {
  value = data.shiplog_resource_status.web.sync_status == "IN_SYNC"
}

output "out_of_sync" {
  value = [for r in data.shiplog_resource_status.all.resources : r.address if r.sync_status == "OUT_OF_SYNC"]
}
