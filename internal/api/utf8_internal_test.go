package api

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// utf8Reader passes valid text whole however the reads cut its sequences,
// and refuses the first invalid byte with its offset.
func TestUTF8ReaderAcrossReads(t *testing.T) {
	valid := []byte("plan é€𝄞 ok")
	for _, one := range []bool{false, true} {
		var src io.Reader = bytes.NewReader(valid)
		if one {
			src = iotest.OneByteReader(src)
		}
		got, err := io.ReadAll(&utf8Reader{r: src, field: "plan"})
		if err != nil || !bytes.Equal(got, valid) {
			t.Errorf("one byte a read %v: got %q, %v; want the text whole", one, got, err)
		}
	}
	for _, tc := range []struct {
		in  string
		off string
	}{
		{"abc\xffdef", "offset 3"},
		{"ab\xe2\x82", "offset 2"},     // cut at the end
		{"ab\xe2Adef", "offset 2"},     // a start byte without its continuation
		{"é\x80é", "offset 2"},         // a continuation byte alone
		{"𝄞𝄞\xf0\x9d\x84", "offset 8"}, // a four-byte sequence cut at the end
	} {
		for _, one := range []bool{false, true} {
			var src io.Reader = bytes.NewReader([]byte(tc.in))
			if one {
				src = iotest.OneByteReader(src)
			}
			_, err := io.ReadAll(&utf8Reader{r: src, field: "plan"})
			var he *httpError
			if !errors.As(err, &he) || he.Field != "plan" || !bytes.Contains([]byte(he.Message), []byte(tc.off)) {
				t.Errorf("%q (one byte a read %v): %v, want a 400 naming the plan at %s", tc.in, one, err, tc.off)
			}
		}
	}
}
