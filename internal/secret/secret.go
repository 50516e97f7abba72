// Package secret seals values that must never sit in the database in clear:
// sensitive Terraform variables. It uses AES-256-GCM with a key kept outside
// the database (a file in shiplog's data directory, or SHIPLOG_SECRET_KEY).
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// prefix marks a sealed value so it is never mistaken for a clear one.
const prefix = "sealed:v1:"

// Box seals and opens values with one key.
type Box struct{ aead cipher.AEAD }

// New makes a Box from a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// FromEnvOrFile reads the key from the base64 value env (if non-empty), or
// from path, creating path with a new random key (mode 0600) if missing.
func FromEnvOrFile(env, path string) (*Box, error) {
	if env != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(env))
		if err != nil {
			return nil, fmt.Errorf("SHIPLOG_SECRET_KEY is not base64: %w", err)
		}
		return New(key)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("creating secret key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			return FromEnvOrFile("", path) // another process won the race
		}
		if err != nil {
			return nil, fmt.Errorf("creating secret key: %w", err)
		}
		if _, err := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n"); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing secret key %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("writing secret key %s: %w", path, err)
		}
		return New(key)
	}
	if err != nil {
		return nil, fmt.Errorf("reading secret key: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s is not base64: %w", path, err)
	}
	return New(key)
}

// Seal encrypts v.
func (b *Box) Seal(v string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := b.aead.Seal(nonce, nonce, []byte(v), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal.
func (b *Box) Open(s string) (string, error) {
	raw, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", errors.New("value is not sealed")
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", errors.New("sealed value is damaged")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, data[:n], data[n:], nil)
	if err != nil {
		return "", errors.New("sealed value does not open with this key (was SHIPLOG_SECRET_KEY or the key file changed?)")
	}
	return string(plain), nil
}

// IsSealed reports whether s was made by Seal.
func IsSealed(s string) bool { return strings.HasPrefix(s, prefix) }
