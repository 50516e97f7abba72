# A schedule made elsewhere (shiplog schedule create), by <environment>/<id>
# (shiplog schedule list --env prod):
terraform import shiplog_schedule.nightly_drift prod/3
