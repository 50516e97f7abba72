# A release queued elsewhere (shiplog release create, the web UI), by its ID:
terraform import shiplog_release.production 42
