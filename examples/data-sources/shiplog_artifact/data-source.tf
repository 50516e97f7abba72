# The newest artifact of the checkout app in the eu stack.
data "shiplog_artifact" "checkout" {
  app_name   = "checkout"
  stack_name = "eu"
}

# Or by build.
data "shiplog_artifact" "build" {
  build_id = "build-1234"
}

output "checkout_image" {
  value = data.shiplog_artifact.checkout.artifact_uri
}

# registration_metadata is a JSON object.
output "checkout_commit" {
  value = try(jsondecode(data.shiplog_artifact.checkout.registration_metadata).commit, null)
}
