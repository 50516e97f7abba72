package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shiplog-dev/terraform-provider-shiplog/internal/release"
)

// Fields are stored compactly, one JSON array per field —
// [path, before, after, flags] with flags 1 unknown, 2 sensitive, 4 changed,
// 8 absent before, 16 absent after (release.Field.Absent),
// and [path, before, after, flags, applied] once applied values are known —
// about half the bytes of the API's objects, which matters at 100,000 fields
// a plan. The API shape is rebuilt on read.
const (
	flagUnknown   = 1
	flagSensitive = 2
	flagChanged   = 4
	flagNoBefore  = 8
	flagNoAfter   = 16
)

func encodeFields(fs []release.Field) (string, error) {
	rows := make([][4]any, len(fs))
	var applied [][]any // only once an apply's values are known
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
		switch f.Absent {
		case "before":
			flags |= flagNoBefore
		case "after":
			flags |= flagNoAfter
		}
		rows[i] = [4]any{f.Path, f.Before, f.After, flags}
		if f.Applied != nil && applied == nil {
			applied = make([][]any, len(fs))
		}
	}
	var v any = rows
	if applied != nil {
		for i, f := range fs {
			applied[i] = rows[i][:]
			if f.Applied != nil {
				applied[i] = append(applied[i], f.Applied)
			}
		}
		v = applied
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding fields: %w", err)
	}
	return string(b), nil
}

func decodeFields(s string) ([]release.Field, error) {
	var rows [][5]json.RawMessage
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
		switch {
		case flags&flagNoBefore != 0:
			f.Absent = "before"
		case flags&flagNoAfter != 0:
			f.Absent = "after"
		}
		if len(r[4]) > 0 {
			d := json.NewDecoder(strings.NewReader(string(r[4])))
			d.UseNumber()
			if err := d.Decode(&f.Applied); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
