package store

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// StateLockedError is returned when an environment's state is locked by
// someone else; Holder names the lock and the release that holds it.
type StateLockedError struct {
	Environment string
	Holder      release.StateLock
	// Info is the lock's JSON as terraform sent it, with Who and Info
	// naming the holding release (terraform prints them).
	Info []byte
}

func (e *StateLockedError) Error() string {
	return fmt.Sprintf("the state of environment %s is locked by release %d (lock %s, %s since %s)",
		e.Environment, e.Holder.ReleaseID, e.Holder.ID, e.Holder.Operation, e.Holder.CreatedAt.UTC().Format(time.RFC3339))
}

// NewStateVersion is a state terraform wrote, to be stored sealed.
type NewStateVersion struct {
	EnvironmentID int64
	ReleaseID     int64  // 0: none (an import)
	LockID        string // the lock the writer holds ("" when it took none)
	// Body is the state document. For one too large to hold, leave it nil
	// and set Open instead.
	Body []byte
	// Open gives the state document from its start, each time it is
	// called (a spooled upload): SaveStateVersion reads it twice, to check
	// it and to store it, holding at most one chunk of it.
	Open func() (io.ReadCloser, error)
	// Secrets are the sensitive values the writing release knew; sealed
	// with the state so later releases mask them after a rotation.
	Secrets []string
}

// stateChunk is how many bytes of a state one sealed chunk holds.
const stateChunk = 1 << 20

func (s *Store) sealState(body []byte, secrets []string) (sealedBody, sealedSecrets []byte, err error) {
	if s.box == nil {
		return nil, nil, errors.New("storing terraform state needs the secret key: none is configured")
	}
	if body != nil {
		if sealedBody, err = s.box.SealBytes(body); err != nil {
			return nil, nil, fmt.Errorf("sealing the state: %w", err)
		}
	}
	if len(secrets) > 0 {
		b, _ := json.Marshal(secrets)
		if sealedSecrets, err = s.box.SealBytes(b); err != nil {
			return nil, nil, fmt.Errorf("sealing the state's secrets: %w", err)
		}
	}
	return sealedBody, sealedSecrets, nil
}

const stateVersionColumns = `id, serial, lineage, release_id, source, size_bytes, resources, created_at`

func scanStateVersion(row pgx.Row) (release.StateVersion, error) {
	var v release.StateVersion
	err := row.Scan(&v.ID, &v.Serial, &v.Lineage, &v.ReleaseID, &v.Source, &v.SizeBytes, &v.Resources, &v.CreatedAt)
	return v, err
}

// SaveStateVersion stores a state terraform wrote as the environment's
// newest version, in sealed chunks of at most 1 MiB (state_version_chunks)
// with its size and MD5: memory holds one chunk, whatever the state's size.
// It is refused (wrapping release.ErrInvalidState) when the document is not
// a state or does not follow the stored one, and with a *StateLockedError
// when another lock than v.LockID holds the environment. Writes of one
// environment are serialized (its row is locked for the transaction).
func (s *Store) SaveStateVersion(ctx context.Context, v NewStateVersion) (release.StateVersion, error) {
	open := v.Open
	if open == nil {
		body := v.Body
		open = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	rc, err := open()
	if err != nil {
		return release.StateVersion{}, fmt.Errorf("reading the state: %w", err)
	}
	meta, err := release.ScanState(rc)
	rc.Close()
	if err != nil {
		return release.StateVersion{}, err
	}
	_, sealedSecrets, err := s.sealState(nil, v.Secrets)
	if err != nil {
		return release.StateVersion{}, err
	}
	var out release.StateVersion
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var envName string
		// one writer per environment at a time
		if err := tx.QueryRow(ctx, `SELECT name FROM environments WHERE id = $1 FOR UPDATE`, v.EnvironmentID).Scan(&envName); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("environment %d: %w", v.EnvironmentID, ErrNotFound)
			}
			return err
		}
		if held, err := lockHolder(ctx, tx, v.EnvironmentID); err != nil {
			return err
		} else if held != nil && held.Holder.ID != v.LockID {
			held.Environment = envName
			return held
		}
		prev, err := scanStateVersion(tx.QueryRow(ctx, `SELECT `+stateVersionColumns+` FROM state_versions
			WHERE environment_id = $1 ORDER BY id DESC LIMIT 1`, v.EnvironmentID))
		var prevp *release.StateVersion
		if err == nil {
			prevp = &prev
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := release.CheckSuccessor(prevp, meta); err != nil {
			return err
		}
		var rel *int64
		if v.ReleaseID != 0 {
			rel = &v.ReleaseID
		}
		source := "backend"
		if v.ReleaseID == 0 {
			source = "import"
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO state_versions
			(environment_id, serial, lineage, release_id, source, size_bytes, resources, sealed_secrets)
			VALUES ($1, $2, $3, $4, $5, 0, $6, $7) RETURNING id`,
			v.EnvironmentID, meta.Serial, meta.Lineage, rel, source, meta.Resources, sealedSecrets).Scan(&id); err != nil {
			return err
		}
		rc, err := open()
		if err != nil {
			return fmt.Errorf("reading the state: %w", err)
		}
		defer rc.Close()
		src := &chunkSource{box: s, r: rc, id: id, buf: make([]byte, stateChunk), sum: md5.New()}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"state_version_chunks"}, []string{"state_version_id", "n", "sealed"}, src); err != nil {
			return fmt.Errorf("storing the state's chunks: %w", err)
		}
		out, err = scanStateVersion(tx.QueryRow(ctx, `UPDATE state_versions SET size_bytes = $2, md5 = $3 WHERE id = $1
			RETURNING `+stateVersionColumns, id, src.size, src.sum.Sum(nil)))
		return err
	})
	if err != nil {
		return release.StateVersion{}, fmt.Errorf("saving the state of environment %d: %w", v.EnvironmentID, err)
	}
	return out, nil
}

// chunkSource feeds COPY one sealed chunk of the state at a time.
type chunkSource struct {
	box  *Store
	r    io.Reader
	id   int64
	buf  []byte
	n    int
	size int64
	sum  hash.Hash
	row  []any
	err  error
	done bool
}

func (c *chunkSource) Next() bool {
	if c.done || c.err != nil {
		return false
	}
	k, err := io.ReadFull(c.r, c.buf)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		c.done = true
	} else if err != nil {
		c.err = fmt.Errorf("reading the state: %w", err)
		return false
	}
	if k == 0 {
		return false
	}
	c.sum.Write(c.buf[:k])
	c.size += int64(k)
	plain := make([]byte, 8+k)
	binary.BigEndian.PutUint64(plain, uint64(c.n))
	copy(plain[8:], c.buf[:k])
	sealed, err := c.box.box.SealBytes(plain)
	if err != nil {
		c.err = fmt.Errorf("sealing the state: %w", err)
		return false
	}
	c.row = []any{c.id, c.n, sealed}
	c.n++
	return true
}

func (c *chunkSource) Values() ([]any, error) { return c.row, nil }
func (c *chunkSource) Err() error             { return c.err }

// OpenLatestState returns the environment's newest state version, the MD5
// of its document (nil for a version stored before chunks) and the
// document, opened chunk by chunk as it is read (one query and at most
// 1 MiB held per chunk; a missing, reordered or extra chunk is an error).
// No state: all nil.
func (s *Store) OpenLatestState(ctx context.Context, environmentID int64) (*release.StateVersion, []byte, io.Reader, error) {
	var sealed, sum []byte
	var v release.StateVersion
	err := s.pool.QueryRow(ctx, `SELECT `+stateVersionColumns+`, sealed_state, md5 FROM state_versions
		WHERE environment_id = $1 ORDER BY id DESC LIMIT 1`, environmentID).
		Scan(&v.ID, &v.Serial, &v.Lineage, &v.ReleaseID, &v.Source, &v.SizeBytes, &v.Resources, &v.CreatedAt, &sealed, &sum)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading the state of environment %d: %w", environmentID, err)
	}
	if s.box == nil {
		return nil, nil, nil, errors.New("reading terraform state needs the secret key: none is configured")
	}
	if sealed != nil {
		body, err := s.box.OpenBytes(sealed)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("state version %d of environment %d: %w", v.ID, environmentID, err)
		}
		return &v, nil, bytes.NewReader(body), nil
	}
	return &v, sum, &chunkReader{ctx: ctx, s: s, v: v}, nil
}

// chunkReader reads a chunked state version one chunk at a time.
type chunkReader struct {
	ctx  context.Context
	s    *Store
	v    release.StateVersion
	n    int
	read int64
	buf  []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.buf) == 0 {
		if c.read == c.v.SizeBytes {
			return 0, io.EOF
		}
		var sealed []byte
		err := c.s.pool.QueryRow(c.ctx, `SELECT sealed FROM state_version_chunks WHERE state_version_id = $1 AND n = $2`, c.v.ID, c.n).Scan(&sealed)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("state version %d lacks chunk %d (%d of %d bytes read)", c.v.ID, c.n, c.read, c.v.SizeBytes)
		}
		if err != nil {
			return 0, fmt.Errorf("reading chunk %d of state version %d: %w", c.n, c.v.ID, err)
		}
		plain, err := c.s.box.OpenBytes(sealed)
		if err != nil {
			return 0, fmt.Errorf("chunk %d of state version %d: %w", c.n, c.v.ID, err)
		}
		if len(plain) < 8 || binary.BigEndian.Uint64(plain) != uint64(c.n) || c.read+int64(len(plain)-8) > c.v.SizeBytes {
			return 0, fmt.Errorf("chunk %d of state version %d is not the one stored there", c.n, c.v.ID)
		}
		c.buf = plain[8:]
		c.n++
	}
	k := copy(p, c.buf)
	c.buf = c.buf[k:]
	c.read += int64(k)
	return k, nil
}

// LatestState returns the environment's newest state version and its
// document, opened, whole; nil and no error when it has none.
func (s *Store) LatestState(ctx context.Context, environmentID int64) (*release.StateVersion, []byte, error) {
	v, _, r, err := s.OpenLatestState(ctx, environmentID)
	if err != nil || v == nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	return v, body, nil
}

// StateSecrets returns the sensitive values known to the last two releases
// that wrote the environment's state (their newest versions): values a
// rotation replaced that the prior state may still hold.
func (s *Store) StateSecrets(ctx context.Context, environmentID int64) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT sealed_secrets FROM (
			SELECT DISTINCT ON (release_id) release_id, sealed_secrets FROM state_versions
			WHERE environment_id = $1 AND sealed_secrets IS NOT NULL AND release_id IS NOT NULL
			ORDER BY release_id DESC, id DESC) v
		ORDER BY release_id DESC LIMIT 2`, environmentID)
	if err != nil {
		return nil, fmt.Errorf("reading the state's secrets of environment %d: %w", environmentID, err)
	}
	sealed, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("reading the state's secrets of environment %d: %w", environmentID, err)
	}
	var out []string
	for _, b := range sealed {
		if s.box == nil {
			return nil, errors.New("reading the state's secrets needs the secret key: none is configured")
		}
		plain, err := s.box.OpenBytes(b)
		if err != nil {
			return nil, fmt.Errorf("the state's secrets of environment %d: %w", environmentID, err)
		}
		var vs []string
		if err := json.Unmarshal(plain, &vs); err != nil {
			return nil, fmt.Errorf("the state's secrets of environment %d: %w", environmentID, err)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// ListStateVersions returns an environment's state versions, newest first,
// at most limit of them.
func (s *Store) ListStateVersions(ctx context.Context, environment string, limit int) ([]release.StateVersion, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+stateVersionColumns+` FROM state_versions
		WHERE environment_id = (SELECT id FROM environments WHERE name = $1) ORDER BY id DESC LIMIT $2`, environment, limit)
	if err != nil {
		return nil, fmt.Errorf("listing the state versions of %s: %w", environment, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (release.StateVersion, error) { return scanStateVersion(r) })
	if err != nil {
		return nil, fmt.Errorf("listing the state versions of %s: %w", environment, err)
	}
	return out, nil
}

func lockHolder(ctx context.Context, q Querier, environmentID int64) (*StateLockedError, error) {
	var e StateLockedError
	err := q.QueryRow(ctx, `SELECT lock_id, release_id, info->>'Operation', created_at, info FROM state_locks WHERE environment_id = $1`, environmentID).
		Scan(&e.Holder.ID, &e.Holder.ReleaseID, &e.Holder.Operation, &e.Holder.CreatedAt, &e.Info)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the state lock of environment %d: %w", environmentID, err)
	}
	return &e, nil
}

// LockState takes the environment's state lock for a release, with the
// lock info terraform sent (a JSON object with "ID"). When someone holds
// it, the error is a *StateLockedError naming them.
func (s *Store) LockState(ctx context.Context, environmentID, releaseID int64, info []byte) error {
	var li map[string]any
	if err := json.Unmarshal(info, &li); err != nil {
		return fmt.Errorf("%w: lock info is not a JSON object: %v", release.ErrInvalidState, err)
	}
	id, _ := li["ID"].(string)
	if id == "" {
		return fmt.Errorf("%w: lock info has no \"ID\"", release.ErrInvalidState)
	}
	var envName string
	if err := s.pool.QueryRow(ctx, `SELECT name FROM environments WHERE id = $1`, environmentID).Scan(&envName); err != nil {
		return fmt.Errorf("environment %d: %w", environmentID, ErrNotFound)
	}
	// terraform prints Who and Info of a lock it cannot take: name the release.
	li["Info"] = fmt.Sprintf("held by shiplog release %d of environment %s", releaseID, envName)
	li["Who"] = fmt.Sprintf("shiplog release %d", releaseID)
	stored, _ := json.Marshal(li)
	tag, err := s.pool.Exec(ctx, `INSERT INTO state_locks (environment_id, lock_id, release_id, info) VALUES ($1, $2, $3, $4)
		ON CONFLICT (environment_id) DO NOTHING`, environmentID, id, releaseID, stored)
	if err != nil {
		return fmt.Errorf("locking the state of environment %s: %w", envName, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	held, err := lockHolder(ctx, s.pool, environmentID)
	if err != nil {
		return err
	}
	if held == nil {
		return s.LockState(ctx, environmentID, releaseID, info) // released meanwhile
	}
	held.Environment = envName
	return held
}

// UnlockState releases the environment's lock lockID. Releasing a lock
// nobody holds is not an error; another holder's lock is a *StateLockedError.
func (s *Store) UnlockState(ctx context.Context, environmentID int64, lockID string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM state_locks WHERE environment_id = $1 AND lock_id = $2`, environmentID, lockID)
	if err != nil {
		return fmt.Errorf("unlocking the state of environment %d: %w", environmentID, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	held, err := lockHolder(ctx, s.pool, environmentID)
	if err != nil || held == nil {
		return err
	}
	s.pool.QueryRow(ctx, `SELECT name FROM environments WHERE id = $1`, environmentID).Scan(&held.Environment)
	return held
}

// ReleaseStateLocks drops every state lock the releases hold (a release
// that ended, or one the reaper stopped) and returns how many there were.
func (s *Store) ReleaseStateLocks(ctx context.Context, releaseIDs []int64) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM state_locks WHERE release_id = ANY($1)`, releaseIDs)
	if err != nil {
		return 0, fmt.Errorf("releasing the state locks of releases %v: %w", releaseIDs, err)
	}
	return tag.RowsAffected(), nil
}

// ImportLegacyState takes over, once per environment, the state the pg
// backend kept in schema release.LegacyStateSchema(name). It returns what
// happened, for the release log: "" when there was nothing to do.
// A schema two environments' names share (names cut at 63 bytes) is not
// imported into either: which one wrote it cannot be known.
func (s *Store) ImportLegacyState(ctx context.Context, environmentID int64) (string, error) {
	var note string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM environments WHERE id = $1 FOR UPDATE`, environmentID).Scan(&name); err != nil {
			return fmt.Errorf("environment %d: %w", environmentID, err)
		}
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM state_imports WHERE environment_id = $1)
			OR EXISTS (SELECT 1 FROM state_versions WHERE environment_id = $1)`, environmentID).Scan(&done); err != nil || done {
			return err
		}
		schema := release.LegacyStateSchema(name)
		record := func(outcome string) error {
			_, err := tx.Exec(ctx, `INSERT INTO state_imports (environment_id, schema_name, outcome) VALUES ($1, $2, $3)`, environmentID, schema, outcome)
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, pgx.Identifier{schema, "states"}.Sanitize()).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return record("none")
		}
		rows, err := tx.Query(ctx, `SELECT name FROM environments WHERE id <> $1`, environmentID)
		if err != nil {
			return err
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, other := range names {
			if release.LegacyStateSchema(other) == schema {
				note = fmt.Sprintf("state schema %s is shared with environment %s (names cut at 63 bytes): not imported; import the right state by hand", schema, other)
				return record("shared with " + other)
			}
		}
		var body []byte
		err = tx.QueryRow(ctx, `SELECT data FROM `+pgx.Identifier{schema, "states"}.Sanitize()+` WHERE name = 'default'`).Scan(&body)
		if errors.Is(err, pgx.ErrNoRows) {
			return record("empty")
		}
		if err != nil {
			return err
		}
		meta, err := release.ParseState(body)
		if err != nil {
			note = fmt.Sprintf("state in schema %s not imported: %v", schema, err)
			return record("refused")
		}
		sealedBody, _, err := s.sealState(body, nil)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO state_versions (environment_id, serial, lineage, source, size_bytes, resources, sealed_state)
			VALUES ($1, $2, $3, 'import', $4, $5, $6)`, environmentID, meta.Serial, meta.Lineage, len(body), meta.Resources, sealedBody); err != nil {
			return err
		}
		note = fmt.Sprintf("imported the state of pg-backend schema %s (serial %d, %d resources); the schema is left as it was", schema, meta.Serial, meta.Resources)
		return record("imported")
	})
	if err != nil {
		return "", fmt.Errorf("importing the pg-backend state of environment %d: %w", environmentID, err)
	}
	return note, nil
}
