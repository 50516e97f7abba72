package secret

import (
	"bytes"
	"crypto/rand"
	"errors"
)

// bytesPrefix marks sealed binary data (plan files, states).
var bytesPrefix = []byte("sealed:b1:")

// SealBytes encrypts b: "sealed:b1:" followed by the 12-byte nonce and the
// AES-256-GCM ciphertext with its 16-byte tag (len(b)+38 bytes in all).
func (b *Box) SealBytes(data []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	out := make([]byte, len(bytesPrefix)+n, len(bytesPrefix)+n+len(data)+b.aead.Overhead())
	copy(out, bytesPrefix)
	nonce := out[len(bytesPrefix):]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return b.aead.Seal(out, nonce, data, nil), nil
}

// OpenBytes decrypts data made by SealBytes.
func (b *Box) OpenBytes(data []byte) ([]byte, error) {
	raw, ok := bytes.CutPrefix(data, bytesPrefix)
	if !ok {
		return nil, errors.New("data is not sealed")
	}
	n := b.aead.NonceSize()
	if len(raw) < n+b.aead.Overhead() {
		return nil, errors.New("sealed data is damaged")
	}
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return nil, errors.New("sealed data does not open with this key (was SHIPLOG_SECRET_KEY or the key file changed?)")
	}
	return plain, nil
}

// IsSealedBytes reports whether data was made by SealBytes.
func IsSealedBytes(data []byte) bool { return bytes.HasPrefix(data, bytesPrefix) }
