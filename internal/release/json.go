package release

import "encoding/json"

// MarshalJSON adds duration_ms, the phase's time taken.
func (p Phase) MarshalJSON() ([]byte, error) {
	type plain Phase
	return json.Marshal(struct {
		plain
		DurationMS *int64 `json:"duration_ms"`
	}{plain(p), p.DurationMS()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *Phase) UnmarshalJSON(b []byte) error {
	type plain Phase
	var v struct {
		plain
		DurationMS *int64 `json:"duration_ms"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = Phase(v.plain)
	if v.DurationMS != nil {
		d := msToDuration(*v.DurationMS)
		p.Duration = &d
	}
	return nil
}

// MarshalJSON adds duration_ms, the release's time taken.
func (r Release) MarshalJSON() ([]byte, error) {
	type plain Release
	return json.Marshal(struct {
		plain
		DurationMS *int64 `json:"duration_ms"`
	}{plain(r), r.DurationMS()})
}
