data "shiplog_release" "last" {
  environment = "production"
}

# What the newest production release replaced, in the network module.
data "shiplog_release_changes" "replaced" {
  release_id = data.shiplog_release.last.id
  action     = "replace"
  module     = "module.network"
}

output "replaced_addresses" {
  value = [for c in data.shiplog_release_changes.replaced.changes : c.address]
}

# Values are JSON; sensitive ones are never shown (before and after are null).
output "changed_fields" {
  value = {
    for c in data.shiplog_release_changes.replaced.changes : c.address => {
      for f in c.fields : f.path => f.sensitive ? "(sensitive)" : f.after if f.changed
    }
  }
}
