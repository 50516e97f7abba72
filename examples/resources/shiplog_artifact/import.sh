# An artifact registered elsewhere (shiplog artifact register), by its ID:
terraform import shiplog_artifact.web 7
