// Package matchtest checks a hand-written string matcher against the regular
// expression it replaces: on a table of edge cases, and on random strings
// drawn near the rule.
package matchtest

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// Case is one string and whether the rule accepts it.
type Case struct {
	Name string
	In   string
	Want bool
}

// Check checks match against the table, the table against re, and then
// match against re over random strings from gen, which must include both
// accepted and refused ones for the comparison to mean anything.
func Check(t *testing.T, match func(string) bool, re *regexp.Regexp, cases []Case, gen func(*rand.Rand) string) {
	t.Helper()
	for _, c := range cases {
		if got := match(c.In); got != c.Want {
			t.Errorf("%s: match(%q) = %v, want %v", c.Name, c.In, got, c.Want)
		}
		if got := re.MatchString(c.In); got != c.Want {
			t.Errorf("%s: table is wrong: regexp on %q = %v, table says %v", c.Name, c.In, got, c.Want)
		}
	}
	const n = 5000
	r := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for range n {
		s := gen(r)
		got, want := match(s), re.MatchString(s)
		if got != want {
			t.Errorf("match(%q) = %v, regexp says %v", s, got, want)
		}
		if want {
			accepted++
		}
	}
	t.Logf("random strings: %d of %d accepted", accepted, n)
	if accepted < n/50 || accepted > n-n/50 {
		t.Errorf("random strings: %d of %d accepted; the generator no longer probes both sides", accepted, n)
	}
}

// Run returns lo to hi characters from good; half the runs also carry the
// odd stray.
func Run(r *rand.Rand, good string, strays []string, lo, hi int) string {
	var b strings.Builder
	dirty := r.IntN(2) == 0
	for range lo + r.IntN(hi-lo+1) {
		if dirty && r.IntN(10) == 0 {
			b.WriteString(strays[r.IntN(len(strays))])
		} else {
			b.WriteByte(good[r.IntN(len(good))])
		}
	}
	return b.String()
}

// Pick returns one of choices.
func Pick(r *rand.Rand, choices ...string) string { return choices[r.IntN(len(choices))] }

// Cases turns a test's own table into Cases.
func Cases[C interface{ Case() Case }](table []C) []Case {
	out := make([]Case, len(table))
	for i, c := range table {
		out[i] = c.Case()
	}
	return out
}
