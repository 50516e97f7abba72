package release

// Output is one output value of an environment as its last successful
// apply left it in the state. A sensitive output never carries its value:
// Value is nil and Sensitive true.
type Output struct {
	Name string `json:"name"`
	// Value is the output's value as JSON decodes it (numbers exactly as
	// terraform wrote them); nil when sensitive.
	Value any `json:"value"`
	// Type is terraform's type constraint of the value in its JSON form
	// ("string", ["list", "number"], ["object", {...}]), as `terraform show
	// -json` writes it; nil when terraform gave none.
	Type      any   `json:"type"`
	Sensitive bool  `json:"sensitive"`
	ReleaseID int64 `json:"release_id"`
}
