package web

import "strings"

// naturalCompare orders addresses as people count: runs of digits compare
// by their value, so node[2] comes before node[10] and node[100]; the
// rest compares byte by byte. It returns -1, 0 or +1.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		if da && db {
			na, ra := digitRun(a)
			nb, rb := digitRun(b)
			// the same value written with leading zeros: fewer zeros first
			va, vb := strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
			if len(va) != len(vb) {
				return sign(len(va) - len(vb))
			}
			if c := strings.Compare(va, vb); c != 0 {
				return c
			}
			if len(na) != len(nb) {
				return sign(len(na) - len(nb))
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return sign(int(a[0]) - int(b[0]))
		}
		a, b = a[1:], b[1:]
	}
	return sign(len(a) - len(b))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitRun splits s into its leading digits and the rest.
func digitRun(s string) (string, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
