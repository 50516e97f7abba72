// Package plan reads the JSON that `terraform show -json PLANFILE` prints
// and turns it into shiplog's change model (release.Change).
//
// The reader is a stream parser: it never holds the whole plan. It walks
// the top-level object with its own validating byte scanner, skips the big
// parts shiplog does not record — prior_state, planned_values,
// configuration, variables — without materializing them, and decodes one
// element of resource_drift, resource_changes or output_changes at a time
// (into the hashicorp/terraform-json types for NextEntry, into a flat node
// arena for Next), which it then converts and diffs into a release.Change.
// Memory is bounded by the largest single change (at most
// DefaultMaxChangeSize, 64 MiB, by default), not by the plan's size;
// nesting is capped at DefaultMaxDepth.
//
// Sensitive values never leave the package: a field Terraform marks
// sensitive is reported without its values, and so is any field showing
// the text of a value marked sensitive (see Diff and mask.go). Error
// messages never quote values from the plan body.
//
// Entry points:
//
//   - NewReader and (*Reader).Next for consumers that store changes one at a
//     time (the database COPY path);
//   - Read for small plans and the command line: it collects everything and
//     counts a release.Summary;
//   - JSONWriter and TableWriter (with Render) print changes as
//     `shiplog plan diff` does.
package plan
