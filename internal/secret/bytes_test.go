package secret

import (
	"bytes"
	"testing"
)

func TestSealBytes(t *testing.T) {
	t.Parallel()
	box, err := New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("state with hunter2 inside")
	sealed, err := box.SealBytes(plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("sealed data holds the clear text")
	}
	if !IsSealedBytes(sealed) {
		t.Fatal("sealed data is not recognised as sealed")
	}
	got, err := box.OpenBytes(sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("OpenBytes = %q, %v", got, err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := box.OpenBytes(sealed); err == nil {
		t.Fatal("opened tampered data")
	}
	if _, err := box.OpenBytes(plain); err == nil {
		t.Fatal("opened clear data")
	}
}
