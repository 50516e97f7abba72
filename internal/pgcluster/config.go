// Package pgcluster runs shiplog's embedded PostgreSQL: a private cluster
// under shiplog's data directory, reachable only through a Unix socket,
// started on demand, shared by every shiplog process that uses the same
// directory, and stopped by the last of them to leave.
package pgcluster

import "github.com/hashicorp/go-hclog"

// Superuser is the database role initdb creates; trust auth over a socket
// only its owner can reach.
const Superuser = "shiplog"

// Config says where and how to run the cluster.
type Config struct {
	// Dir holds the cluster: data/, run/ (the socket), postgres.log and locks.
	Dir string
	// BinDir overrides the search for server binaries.
	BinDir string
	// RunAs is the OS user the server runs as when shiplog runs as root
	// (PostgreSQL refuses root). Default: "postgres", then "nobody".
	RunAs string
	// NoSync skips fsync (initdb --no-sync, fsync=off): for test clusters only.
	NoSync bool
	// Database is created on start if missing (default "shiplog").
	Database string
	Logger   hclog.Logger
}
