package store

// This file holds the LISTEN/NOTIFY channels the store's writes are
// announced on.

// LogChannel is the LISTEN/NOTIFY channel announcing new log lines; the
// payload is "<release id>:<highest seq written>".
const LogChannel = "shiplog_logs"

// ReleaseChannel announces every change to what a release looks like
// (status, phases, changes and summary, approval, sign-off, blueprint,
// migration outcomes); the payload is the id. Triggers on releases,
// release_phases and release_changes (migration 0009) send it at commit,
// so readers may cache a release until it is announced and no writer has
// to remember to.
const ReleaseChannel = "shiplog_releases"

// TokenChannel announces token revocations so that processes caching
// tokens drop them at once; the payload is the token's name.
const TokenChannel = "shiplog_tokens"
