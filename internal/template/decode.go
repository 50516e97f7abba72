package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// This file decodes one YAML document of a file strictly: documents split
// by "---", YAML and JSON errors turned into line-numbered messages, and
// unknown fields found by walking the decoded value against the types.

// document is one YAML document of a file.
type document struct {
	data   []byte
	offset int // lines of the file before data's first line
	line   int // line of the file where the document's content starts
}

// splitDocuments splits a YAML stream at its "---" lines and drops the
// documents that hold nothing but blank lines and comments. Anything after
// "---" on a separator line stays in the following document, and each
// document keeps its line numbering within the file.
func splitDocuments(data []byte) []document {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var (
		docs    []document
		cur     document
		content bool
	)
	flush := func() {
		if content {
			docs = append(docs, cur)
		}
	}
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		if isSeparator(line) {
			flush()
			cur, content = document{offset: n}, false
			line = append(bytes.Repeat([]byte(" "), 3), line[3:]...)
		}
		cur.data = append(cur.data, line...)
		if !content && hasContent(line) {
			content, cur.line = true, n+1
		}
	}
	flush()
	return docs
}

// isSeparator reports whether line starts a new YAML document.
func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	return ok && (len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r')
}

// hasContent reports whether line holds more than blanks, a comment or a
// document end marker.
func hasContent(line []byte) bool {
	s := bytes.TrimSpace(line)
	return len(s) > 0 && s[0] != '#' && !bytes.Equal(s, []byte("..."))
}

// syntaxError is a YAML error the library located in the file.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

var (
	yamlLineRE        = regexp.MustCompile(`\bline (\d+)`)
	yamlSyntaxErrorRE = regexp.MustCompile(`^line (\d+): ([^\n]*)$`)
)

// decode decodes one document strictly.
func decode(d document) (*Template, error) {
	// Converting to JSON first reports YAML syntax errors and duplicate
	// keys, with lines, on their own.
	j, err := yaml.YAMLToJSONStrict(d.data)
	if err != nil {
		return nil, yamlError(err, d.offset)
	}
	var generic any
	if err := json.Unmarshal(j, &generic); err != nil {
		return nil, fmt.Errorf("decoding YAML: %w", err)
	}
	if _, ok := generic.(map[string]any); !ok {
		return nil, fmt.Errorf("the document is not a mapping (apiVersion: %s, kind: %s, ...)", APIVersion, Kind)
	}
	// encoding/json matches field names case-insensitively and reports only
	// the first unknown field, without its path; look for them ourselves.
	var c fieldCheck
	c.walk(generic, reflect.TypeFor[Template](), "")
	if err := c.err(); err != nil {
		return nil, err
	}
	var t Template
	if err := yaml.UnmarshalStrict(d.data, &t); err != nil {
		return nil, jsonError(err)
	}
	return &t, nil
}

// yamlError turns an error of the YAML library into one whose lines count
// from the start of the file rather than of the document.
func yamlError(err error, offset int) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = yamlLineRE.ReplaceAllStringFunc(msg, func(s string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
		return fmt.Sprintf("line %d", n+offset)
	})
	// A list of one: "unmarshal errors:\n  line 3: key \"a\" already set in map".
	if head, rest, ok := strings.Cut(msg, ":\n  "); ok && !strings.Contains(rest, "\n") && strings.HasPrefix(head, "unmarshal errors") {
		msg = rest
	}
	if m := yamlSyntaxErrorRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &syntaxError{line: n, msg: m[2]}
	}
	// "unmarshal errors:\n  line 3: ...\n  line 5: ..." and the like.
	return fmt.Errorf("invalid YAML: %s", strings.Join(strings.Fields(strings.ReplaceAll(msg, ":\n", ": ")), " "))
}

// jsonError reports a decoding error of sigs.k8s.io/yaml by the field it
// concerns, without the library's layers of prefixes.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("field %q: got %s, want %s", te.Field, jsonValue(te.Value), jsonKind(te.Type))
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, "json: "); i >= 0 {
		msg = msg[i+len("json: "):]
	}
	return errors.New(msg)
}

// jsonValue names the kind of a JSON value, as encoding/json's
// UnmarshalTypeError gives it, in YAML's terms.
func jsonValue(v string) string {
	switch {
	case v == "object":
		return "a mapping"
	case v == "array":
		return "a list"
	case v == "bool":
		return "a boolean"
	case v == "string", strings.HasPrefix(v, "number"):
		return "a " + v
	}
	return v
}

// jsonKind names a Go type as a template author knows it.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return t.String()
}

// fieldCheck finds what encoding/json would let pass in a document decoded
// from YAML: keys with no field (json matches names case-insensitively, and
// reports only the first unknown field, without its path), and booleans
// where a string is wanted, which json would get from YAML 1.1 reading an
// unquoted yes, no, on, off, y or n as a boolean.
type fieldCheck struct {
	unknown []string // paths of unknown fields
	boolean []string // paths of booleans given for strings
}

// walk checks v, decoded from JSON, against t. Values of the wrong kind
// are otherwise left to the decoder.
func (c *fieldCheck) walk(v any, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		if _, ok := v.(bool); ok {
			c.boolean = append(c.boolean, path)
		}
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ft, ok := fields[k]
			if !ok {
				c.unknown = append(c.unknown, p)
				continue
			}
			c.walk(m[k], ft, p)
		}
	case reflect.Map:
		m, _ := v.(map[string]any)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			c.walk(m[k], t.Elem(), path+"."+k)
		}
	case reflect.Slice:
		s, _ := v.([]any)
		for i, e := range s {
			c.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// err reports what walk found, or nil.
func (c *fieldCheck) err() error {
	var msgs []string
	switch len(c.unknown) {
	case 0:
	case 1:
		msgs = append(msgs, fmt.Sprintf("unknown field %q", c.unknown[0]))
	default:
		msgs = append(msgs, "unknown fields "+quoteAll(c.unknown))
	}
	if len(c.boolean) > 0 {
		msgs = append(msgs, quoteAll(c.boolean)+": got a boolean, want a string "+
			"(YAML reads an unquoted yes, no, on, off, y or n as a boolean: quote it)")
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}

// jsonFields maps the JSON names of t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fields[name] = f.Type
	}
	return fields
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
