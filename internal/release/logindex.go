package release

// PhaseLog is where one phase's lines are in a release's log: Lines lines
// with seqs from FirstSeq to LastSeq, in Runs of consecutive seqs (one run
// unless other lines came between, as the release's own lines do around a
// wait for approval).
type PhaseLog struct {
	Phase    string     `json:"phase"`
	FirstSeq int64      `json:"first_seq"`
	LastSeq  int64      `json:"last_seq"`
	Lines    int64      `json:"lines"`
	Runs     [][2]int64 `json:"runs"`
}

// LineOf is the phase-relative line number (from 1) of a seq of the
// phase, 0 when the seq is not the phase's.
func (p PhaseLog) LineOf(seq int64) int64 {
	var before int64
	for _, r := range p.Runs {
		if seq >= r[0] && seq <= r[1] {
			return before + seq - r[0] + 1
		}
		before += r[1] - r[0] + 1
	}
	return 0
}

// SeqOf is the seq of the phase's line n (from 1); 0 when there is no
// such line.
func (p PhaseLog) SeqOf(n int64) int64 {
	for _, r := range p.Runs {
		if size := r[1] - r[0] + 1; n > size {
			n -= size
		} else if n >= 1 {
			return r[0] + n - 1
		}
	}
	return 0
}

// LogMatch is one log line holding a searched text.
type LogMatch struct {
	Seq   int64  `json:"seq"`
	Phase string `json:"phase"`
}
