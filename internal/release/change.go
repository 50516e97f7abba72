package release

// ChangeAction is what Terraform plans to do to one resource instance.
type ChangeAction string

const (
	ChangeCreate  ChangeAction = "create"
	ChangeUpdate  ChangeAction = "update"
	ChangeDelete  ChangeAction = "delete"
	ChangeReplace ChangeAction = "replace"
	ChangeRead    ChangeAction = "read"
	ChangeNoOp    ChangeAction = "no-op"
	ChangeForget  ChangeAction = "forget"
)

// Known reports whether a is one of the actions above. Newer tools write
// action lists shiplog has not seen ("open" for an ephemeral resource):
// such a change keeps them, comma-joined, as its action.
func (a ChangeAction) Known() bool {
	switch a {
	case ChangeCreate, ChangeUpdate, ChangeDelete, ChangeReplace, ChangeRead, ChangeNoOp, ChangeForget:
		return true
	}
	return false
}

// ReplaceOrder says how a replace is carried out.
type ReplaceOrder string

const (
	DeleteThenCreate ReplaceOrder = "delete-then-create"
	CreateThenDelete ReplaceOrder = "create-then-delete"
)

// Modification is the release page's word for a change.
type Modification string

const (
	ModCreated  Modification = "created"
	ModUpdated  Modification = "updated"
	ModDeleted  Modification = "deleted"
	ModReplaced Modification = "replaced"
	ModNone     Modification = ""
)

// ModificationOf maps a change action to the release page's modification
// type; read, no-op and forget change nothing in the infrastructure.
func ModificationOf(a ChangeAction) Modification {
	switch a {
	case ChangeCreate:
		return ModCreated
	case ChangeUpdate:
		return ModUpdated
	case ChangeDelete:
		return ModDeleted
	case ChangeReplace:
		return ModReplaced
	}
	return ModNone
}

// ChangeKind says what a recorded change is about.
type ChangeKind string

const (
	KindResource ChangeKind = "resource" // a planned resource change
	KindOutput   ChangeKind = "output"   // a planned output change
	KindDrift    ChangeKind = "drift"    // a change made outside Terraform
)

// Change is one resource instance's (or output's) planned change.
type Change struct {
	Kind            ChangeKind   `json:"-"`
	Address         string       `json:"address"`
	PreviousAddress *string      `json:"previous_address"`
	ModuleAddress   *string      `json:"module_address"`
	Mode            string       `json:"mode"`
	Type            string       `json:"type"`
	Name            string       `json:"name"`
	Index           any          `json:"index"`
	Provider        string       `json:"provider"`
	DeposedKey      string       `json:"deposed_key,omitempty"`
	Action          ChangeAction `json:"action"`
	ReplaceOrder    ReplaceOrder `json:"replace_order,omitempty"`
	Modification    Modification `json:"modification"`
	ActionReason    *string      `json:"action_reason"`
	ImportID        *string      `json:"import_id"`
	// ImportIdentity is the identity of the object an import by identity
	// (Terraform 1.12+) takes under management: its attributes as the plan
	// gives them (importing.identity), where ImportID is empty; nil
	// otherwise.
	ImportIdentity map[string]any `json:"import_identity,omitempty"`
	ReplacePaths   [][]any        `json:"replace_paths,omitempty"`
	Fields         []Field        `json:"fields"`
	// Applied is set once the release's apply succeeded and the fields
	// carry the values it left in the state (Field.Applied).
	Applied bool `json:"applied,omitempty"`
}

// Field is one changed leaf value. A sensitive field never carries its
// values: Before and After (and Applied) stay nil and Changed says whether
// it changed.
type Field struct {
	Path      string `json:"path"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	Unknown   bool   `json:"unknown"`
	Sensitive bool   `json:"sensitive"`
	Changed   bool   `json:"changed"`
	// Absent tells null from absent where it matters: "before" for an
	// attribute or map key that appears with the value null (Terraform
	// shows `+ extra = null`), "after" for one that goes away while null;
	// empty otherwise (Before and After nil then mean null).
	Absent string `json:"absent,omitempty"`
	// Applied is the value the apply left at Path (what was unknown,
	// resolved), once the change is Applied; nil before, for a sensitive
	// field, and where the state has no value (or null) at Path.
	Applied any `json:"applied,omitempty"`
}

// Moved reports whether the change moves its object from another address.
func (c Change) Moved() bool { return c.PreviousAddress != nil && *c.PreviousAddress != c.Address }

// Listed reports whether a change is listed by default: it is news when it
// changes anything (any action but no-op), moves, imports or concerns a
// deposed object. Only a plain no-op is left out (and still counted).
func (c Change) Listed() bool {
	return c.Action != ChangeNoOp || c.Moved() || c.ImportID != nil || c.DeposedKey != ""
}

// Summary counts a plan's changes. NoOp counts the plain no-ops only (the
// changes Listed leaves out), so that what is listed and what is counted
// unchanged never overlap.
type Summary struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Delete  int `json:"delete"`
	Replace int `json:"replace"`
	Read    int `json:"read"`
	NoOp    int `json:"no_op"`
	Forget  int `json:"forget"`
	Import  int `json:"import"`
	Move    int `json:"move"`
}

// Add counts one resource change.
func (s *Summary) Add(c Change) {
	switch c.Action {
	case ChangeCreate:
		s.Create++
	case ChangeUpdate:
		s.Update++
	case ChangeDelete:
		s.Delete++
	case ChangeReplace:
		s.Replace++
	case ChangeRead:
		s.Read++
	case ChangeNoOp:
		// A no-op that moves, imports or concerns a deposed object is
		// listed and counted as that, not also as unchanged.
		if !c.Listed() {
			s.NoOp++
		}
	case ChangeForget:
		s.Forget++
	}
	if c.ImportID != nil {
		s.Import++
	}
	if c.Moved() {
		s.Move++
	}
}

// Total is the number of resources that change in the infrastructure.
func (s Summary) Total() int { return s.Create + s.Update + s.Delete + s.Replace }
