package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/plan"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
	"github.com/shiplog-dev/terraform-provider-shiplog/internal/store"
)

// PostgreSQL's text cannot hold U+0000 (NUL) nor invalid UTF-8, so no
// string that reaches the database may carry either: request bodies, query
// parameters (names and values) and path values are checked on the way
// in, and refused with a 400 naming the field.

// nulError is the 400 for a NUL in field (where says what the field is).
func nulError(field, where string) *httpError {
	return invalid(field, "%s contains U+0000 (NUL), which shiplog cannot store", where)
}

// textError is the 400 for a value s of field (where says what the field
// is) that holds U+0000 or is not valid UTF-8, or nil.
func textError(field, where, s string) *httpError {
	if strings.ContainsRune(s, 0) {
		return nulError(field, where)
	}
	if i := invalidUTF8(s); i >= 0 {
		return utf8Error(field, where, s[i], i)
	}
	return nil
}

// utf8Error is the 400 for invalid UTF-8 in field: b is the first byte
// that is not, at offset off of the value.
func utf8Error(field, where string, b byte, off int) *httpError {
	return invalid(field, "%s is not valid UTF-8 (byte 0x%02X at offset %d), which shiplog cannot store", where, b, off)
}

// invalidUTF8 is the offset of the first byte of s that does not start a
// valid UTF-8 sequence, or -1.
func invalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// checkUTF8 names the first string (member name or value) of a JSON
// document that is not valid UTF-8 (encoding/json would silently turn its
// bytes into U+FFFD). Valid documents cost one scan; a document that is
// not JSON is left to the typed decode to report.
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	bad := int64(invalidUTF8(string(data)))
	path, ok := utf8Path(data, bad)
	if !ok {
		return nil
	}
	if path == "" {
		return utf8Error("", "the request body", data[bad], int(bad))
	}
	// the path shows the bad bytes as U+FFFD, as the JSON answer would
	return invalid(path, "field %s is not valid UTF-8 (byte 0x%02X at offset %d of the body), which shiplog cannot store", path, data[bad], bad)
}

// utf8Path walks the JSON document's tokens up to the one holding byte
// offset bad and returns that token's path ("artifacts[0].app_name"; a
// member name gives the path it names). It holds one frame per open
// object or array, whatever the nesting.
func utf8Path(data []byte, bad int64) (string, bool) {
	type frame struct {
		path    string
		obj     bool
		key     string
		wantKey bool
		n       int
	}
	var stack []frame
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := &stack[len(stack)-1]
		if top.obj {
			return join(top.path, top.key)
		}
		return top.path + "[" + strconv.Itoa(top.n) + "]"
	}
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.obj {
			top.wantKey = true
		} else {
			top.n++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		past := dec.InputOffset() > bad
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				afterValue()
				continue
			}
			key, _ := tok.(string)
			if past {
				return join(stack[n-1].path, key), true
			}
			stack[n-1].key, stack[n-1].wantKey = key, false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, frame{path: valuePath(), obj: tok == json.Delim('{'), wantKey: true})
			continue
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			afterValue()
			continue
		}
		if past {
			return valuePath(), true
		}
		afterValue()
	}
}

// utf8Reader passes a request body on and fails, with a 400 naming field,
// at the first byte that is not part of valid UTF-8, for bodies read as a
// stream (plans) rather than decoded whole. It keeps at most the 3 bytes
// of a sequence cut by a read.
type utf8Reader struct {
	r     io.Reader
	field string  // "plan"
	carry [4]byte // the start of a sequence the last read cut
	nc    int     // bytes in carry
	off   int64   // offset of the first byte of carry (of the next read when nc is 0)
	err   error   // the refusal, once made
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	n, err := u.r.Read(p)
	data := p[:n]
	i := 0
	for u.nc > 0 && i < len(data) { // finish the cut sequence
		u.carry[u.nc] = data[i]
		u.nc++
		i++
		if utf8.FullRune(u.carry[:u.nc]) {
			if r, size := utf8.DecodeRune(u.carry[:u.nc]); r == utf8.RuneError && size == 1 {
				return 0, u.refuse(u.carry[0], u.off)
			}
			u.off += int64(u.nc)
			u.nc = 0
		}
	}
	if u.nc == 0 {
		end := len(data)
		for k := len(data) - 1; k >= i && k >= len(data)-3; k-- {
			if utf8.RuneStart(data[k]) {
				if !utf8.FullRune(data[k:]) {
					end = k
				}
				break
			}
		}
		if bad := invalidUTF8(string(data[i:end])); bad >= 0 {
			return 0, u.refuse(data[i+bad], u.off+int64(bad))
		}
		u.off += int64(end - i)
		u.nc = copy(u.carry[:], data[end:])
	}
	if err == io.EOF && u.nc > 0 {
		return 0, u.refuse(u.carry[0], u.off)
	}
	return n, err
}

func (u *utf8Reader) refuse(b byte, off int64) error {
	u.err = invalid(u.field, "the %s is not valid UTF-8 (byte 0x%02X at offset %d), which shiplog cannot store", u.field, b, off)
	return u.err
}

// checkNUL finds the first string (member name or value) of a JSON
// document that holds U+0000 and names it as a path ("artifacts[0].app_name").
// JSON can only carry NUL as the escape \u0000, so documents without one
// are passed at the cost of one scan.
func checkNUL(data []byte) error {
	if !bytes.Contains(data, []byte(`\u0000`)) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil // the typed decode reports what is wrong
	}
	if path, ok := nulPath(v, ""); ok {
		if path == "" {
			return nulError("", "the request body")
		}
		return nulError(path, "field "+path)
	}
	return nil
}

// nulPath is the path of the first string in v holding NUL.
func nulPath(v any, path string) (string, bool) {
	switch v := v.(type) {
	case string:
		return path, strings.ContainsRune(v, 0)
	case []any:
		for i, e := range v {
			if p, ok := nulPath(e, path+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	case map[string]any:
		for k, e := range v {
			name := join(path, k)
			if strings.ContainsRune(k, 0) {
				return strings.ReplaceAll(name, "\x00", `\u0000`), true
			}
			if p, ok := nulPath(e, name); ok {
				return p, true
			}
		}
	}
	return "", false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return fmt.Sprintf("%s.%s", path, key)
}

// nulFreeChanges passes a plan's changes on to the store, refusing the
// first whose stored text holds U+0000 (the fields are stored as JSON, with
// NUL escaped, and need no check).
type nulFreeChanges struct {
	src store.ChangeSource
	n   int
}

func (c *nulFreeChanges) Next() (release.Change, error) {
	ch, err := c.src.Next()
	if errors.Is(err, plan.ErrReread) {
		c.n = 0 // the changes come again from the first
	}
	if err != nil {
		return ch, err
	}
	c.n++
	texts := []struct {
		name string
		v    *string
	}{{"address", &ch.Address}, {"previous_address", ch.PreviousAddress}, {"module_address", ch.ModuleAddress},
		{"mode", &ch.Mode}, {"type", &ch.Type}, {"name", &ch.Name}, {"provider_name", &ch.Provider},
		{"deposed", &ch.DeposedKey}, {"action_reason", ch.ActionReason}, {"importing.id", ch.ImportID}}
	for _, t := range texts {
		if t.v != nil && strings.ContainsRune(*t.v, 0) {
			return ch, invalid("plan", "change %d of the plan (%q): its %s contains U+0000 (NUL), which shiplog cannot store",
				c.n, strings.ReplaceAll(ch.Address, "\x00", `\u0000`), t.name)
		}

	}
	return ch, nil
}
