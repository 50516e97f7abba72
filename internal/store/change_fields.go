package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Fields are stored compactly, one JSON array per field —
// [path, before, after, flags] with flags 1 unknown, 2 sensitive, 4 changed —
// about half the bytes of the API's objects, which matters at 100,000 fields
// a plan. The API shape is rebuilt on read.
const (
	flagUnknown   = 1
	flagSensitive = 2
	flagChanged   = 4
)

func encodeFields(fs []release.Field) (string, error) {
	rows := make([][4]any, len(fs))
	for i, f := range fs {
		flags := 0
		if f.Unknown {
			flags |= flagUnknown
		}
		if f.Sensitive {
			flags |= flagSensitive
		}
		if f.Changed {
			flags |= flagChanged
		}
		rows[i] = [4]any{f.Path, f.Before, f.After, flags}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return "", fmt.Errorf("encoding fields: %w", err)
	}
	return string(b), nil
}

func decodeFields(s string) ([]release.Field, error) {
	var rows [][4]json.RawMessage
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, err
	}
	out := make([]release.Field, len(rows))
	for i, r := range rows {
		f := &out[i]
		if err := json.Unmarshal(r[0], &f.Path); err != nil {
			return nil, err
		}
		for j, dst := range []*any{&f.Before, &f.After} {
			d := json.NewDecoder(strings.NewReader(string(r[1+j])))
			d.UseNumber() // numbers come back exactly as terraform wrote them
			if err := d.Decode(dst); err != nil {
				return nil, err
			}
		}
		var flags int
		if err := json.Unmarshal(r[3], &flags); err != nil {
			return nil, errors.New("bad flags")
		}
		f.Unknown, f.Sensitive, f.Changed = flags&flagUnknown != 0, flags&flagSensitive != 0, flags&flagChanged != 0
	}
	return out, nil
}
