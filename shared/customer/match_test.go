package customer

import (
	"github.com/xcloud/customers/internal/matchtest"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The rules the hand-written matchers replace, compiled here only, to check
// that the matchers accept exactly the same strings.
var (
	idRegexp     = regexp.MustCompile(IDRule)
	tzNameRegexp = regexp.MustCompile(`^[A-Z][A-Za-z0-9._+-]*(/[A-Z][A-Za-z0-9._+-]*)*$`)
)

type matchCase struct {
	name string
	in   string
	want bool
}

func (c matchCase) Case() matchtest.Case { return matchtest.Case{Name: c.name, In: c.in, Want: c.want} }

var idCases = []matchCase{
	{"8 digits", "FST-12345678-a", true},
	{"14 digits", "FST-12345678901234-a", true},
	{"7 digits", "FST-1234567-a", false},
	{"15 digits", "FST-123456789012345-a", false},
	{"no digits", "FST--a", false},
	{"1-char name", "FST-12345678-Z", true},
	{"64-char name", "FST-12345678-" + strings.Repeat("a", 64), true},
	{"65-char name", "FST-12345678-" + strings.Repeat("a", 65), false},
	{"longest id", "FST-12345678901234-" + strings.Repeat("Z", 64), true},
	{"name starts with digit", "FST-12345678-9abc", true},
	{"name starts with upper", "FST-12345678-Abc", true},
	{"name with _ and -", "FST-12345678-a_b-c", true},
	{"name ends with -", "FST-12345678-a-", true},
	{"name ends with _", "FST-12345678-a_", true},
	{"name all digits", "FST-12345678-12345678", true},
	{"name starts with _", "FST-12345678-_abc", false},
	{"name starts with -", "FST-12345678--abc", false},
	{"empty name", "FST-12345678-", false},
	{"no name", "FST-12345678", false},
	{"no dash after digits", "FST-12345678a", false},
	{"underscore after digits", "FST-12345678_a", false},
	{"letter in digits", "FST-1234a678-a", false},
	{"name with .", "FST-12345678-a.b", false},
	{"name with /", "FST-12345678-a/b", false},
	{"name with space", "FST-12345678-a b", false},
	{"empty", "", false},
	{"prefix only", "FST-", false},
	{"lower-case prefix", "fst-12345678-a", false},
	{"prefix without dash", "FST12345678-a", false},
	{"prefix with _", "FST_12345678-a", false},
	{"text before prefix", "xFST-12345678-a", false},
	{"leading space", " FST-12345678-a", false},
	{"trailing space", "FST-12345678-a ", false},
	{"trailing newline", "FST-12345678-a\n", false},
	{"leading newline", "\nFST-12345678-a", false},
	{"trailing NUL", "FST-12345678-a\x00", false},
	{"non-ASCII letter in name", "FST-12345678-caf\u00e9", false},
	{"Kelvin sign in name", "FST-12345678-\u212a", false},
	{"full-width letter in name", "FST-12345678-\uff21", false},
	{"Arabic-Indic digit", "FST-1234567\u0660-a", false},
	{"invalid UTF-8 in name", "FST-12345678-a\xff", false},
}

var tzNameCases = []matchCase{
	{"one letter", "A", true},
	{"UTC", "UTC", true},
	{"area/location", "America/Chicago", true},
	{"three components", "America/Argentina/Buenos_Aires", true},
	{"plus sign", "Etc/GMT+5", true},
	{"minus sign", "Etc/GMT-14", true},
	{"hyphen in name", "America/Port-au-Prince", true},
	{"digits", "EST5EDT", true},
	{"dot", "A./B.", true},
	{"Local (refused by checkTimezone itself)", "Local", true},
	{"empty", "", false},
	{"slash only", "/", false},
	{"leading slash", "/America/Chicago", false},
	{"trailing slash", "America/Chicago/", false},
	{"double slash", "America//Chicago", false},
	{"dot component", "./UTC", false},
	{"dot-dot component", "../UTC", false},
	{"lower-case name", "localtime", false},
	{"lower-case area", "posix/America/Chicago", false},
	{"lower-case location", "America/chicago", false},
	{"starts with digit", "1UTC", false},
	{"component starts with _", "America/_Chicago", false},
	{"component starts with -", "Etc/-GMT", false},
	{"backslash", "America\\Chicago", false},
	{"asterisk", "Etc/GMT*5", false},
	{"comma", "UTC,GMT", false},
	{"inner space", "America/ Chicago", false},
	{"leading space", " UTC", false},
	{"trailing space", "UTC ", false},
	{"trailing newline", "UTC\n", false},
	{"non-ASCII letter", "Europe/Z\u00fcrich", false},
	{"non-ASCII first letter", "\u00c9tc/UTC", false},
	{"Kelvin sign", "\u212a", false},
	{"full-width letter", "\uff35TC", false},
	{"invalid UTF-8", "UTC\xff", false},
}

func TestValidIDMatchesRule(t *testing.T) {
	matchtest.Check(t, ValidID, idRegexp, matchtest.Cases(idCases), randomID)
}

func TestValidTZNameMatchesRule(t *testing.T) {
	matchtest.Check(t, validTZName, tzNameRegexp, matchtest.Cases(tzNameCases), randomTZName)
}

// TestIDRuleMessage pins the message clients compare: it used to be built
// from the compiled pattern's String, which is its source text.
func TestIDRuleMessage(t *testing.T) {
	const want = "must match ^FST-[0-9]{8,14}-[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
	if got := checkID(Value{Str: "FST-1-x"}); got != want {
		t.Errorf("checkID message = %q, want %q", got, want)
	}
	if got := idRegexp.String(); got != IDRule {
		t.Errorf("regexp source %q differs from IDRule %q", got, IDRule)
	}
}

// FuzzValidID compares ValidID with the rule's regular expression. Without
// -fuzz it runs the table only.
func FuzzValidID(f *testing.F) {
	for _, c := range idCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidID(s), idRegexp.MatchString(s); got != want {
			t.Errorf("ValidID(%q) = %v, regexp says %v", s, got, want)
		}
	})
}

// strays are characters that no rule allows, or that only some do: space and
// control characters, non-ASCII letters and digits (the Kelvin sign folds to
// 'k' under (?i) only), invalid UTF-8, and punctuation.
var strays = []string{" ", "\n", "\t", "\x00", "\xff", "\u00e9", "\u0660", "\uff21", "\u212a", "/", ".", "+", "*", "_", "-"}

// run returns lo to hi characters from good, with the odd stray.
func run(r *rand.Rand, good string, lo, hi int) string {
	return matchtest.Run(r, good, strays, lo, hi)
}

var pick = matchtest.Pick

const (
	digitChars = "0123456789"
	alnumChars = digitChars + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// randomID builds ids near the rule: the prefix or a near miss, digit runs
// around the 8 to 14 bound, a separator, and names around the 64 bound.
func randomID(r *rand.Rand) string {
	return pick(r, "FST-", "FST-", "FST-", "FST-", "FST-", "fst-", "FST", "FST_", "", " FST-") +
		run(r, digitChars, 6, 16) +
		pick(r, "-", "-", "-", "_", "", "--") +
		run(r, alnumChars+"_-", 0, 66) +
		pick(r, "", "", "", "", "", "", "\n", " ")
}

// randomTZName builds one to three components, mostly starting upper-case,
// joined mostly by single slashes.
func randomTZName(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString(pick(r, "", "", "", "", "/", " "))
	for i := range 1 + r.IntN(3) {
		if i > 0 {
			b.WriteString(pick(r, "/", "/", "/", "/", "//", "\\"))
		}
		b.WriteString(pick(r, "A", "E", "U", "Z", "A", "E", "U", "Z", "a", "0", ".", "_", "\u00c9"))
		b.WriteString(run(r, alnumChars+"._+-", 0, 12))
	}
	b.WriteString(pick(r, "", "", "", "", "", "/", "\n", " "))
	return b.String()
}
