//go:build !unix

package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"runtime"
)

// ErrUnsupported is Start's error where the embedded cluster cannot run: it
// needs Unix sockets, flock(2) and process credentials.
var ErrUnsupported = errors.New("the embedded PostgreSQL cluster is not supported on this OS")

// Cluster is never running on this OS.
type Cluster struct {
	// Started and Initialized are always false here.
	Started, Initialized bool
}

// Start fails with ErrUnsupported, naming the flag to use instead.
func Start(context.Context, Config) (*Cluster, error) {
	return nil, fmt.Errorf("%w (%s): point --database-url or SHIPLOG_DATABASE_URL at a PostgreSQL server", ErrUnsupported, runtime.GOOS)
}

// URL is empty: there is no cluster.
func (c *Cluster) URL(string) string { return "" }

// SocketDir is empty: there is no cluster.
func (c *Cluster) SocketDir() string { return "" }

// Close does nothing.
func (c *Cluster) Close(context.Context) error { return nil }
