package worker

// DefaultTerraformUser is the system user a worker running as root creates
// (when missing) and runs terraform as, unless told otherwise.
const DefaultTerraformUser = "shiplog-terraform"
