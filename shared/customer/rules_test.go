package customer

import (
	"strings"
	"testing"
)

type matchCase struct {
	name string
	in   string
	want bool
}

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

var phoneCases = []matchCase{
	{"6 digits", "123456", false},
	{"7 digits", "1234567", true},
	{"15 digits", "123456789012345", true},
	{"16 digits", "1234567890123456", false},
	{"+ and 6 digits", "+123456", false},
	{"+ and 7 digits", "+1234567", true},
	{"+ and 15 digits", "+123456789012345", true},
	{"+ and 16 digits", "+1234567890123456", false},
	{"16 digits among punctuation", "+1 (234) 567-890.123-456", false},
	{"15 digits among punctuation", "+1 (234) 567-890.123-45", true},
	{"seed", "+1-555-0123", true},
	{"punctuation only", "+ ()-.", false},
	{"punctuation first", "(555) 123-4567", true},
	{"+ then punctuation", "+ (555) 123-4567", true},
	{"leading space", " 5551234567", true},
	{"trailing space", "5551234567 ", true},
	{"trailing punctuation", "5551234567)-. ", true},
	{"space before +", " +5551234567", false},
	{"only +", "+", false},
	{"empty", "", false},
	{"two +", "++1234567", false},
	{"+ in the middle", "1+5551234567", false},
	{"+ at the end", "5551234567+", false},
	{"letter", "555123456x7", false},
	{"tab", "555\t1234567", false},
	{"trailing newline", "5551234567\n", false},
	{"leading newline", "\n5551234567", false},
	{"slash", "555/1234567", false},
	{"comma", "555,1234567", false},
	{"NUL", "5551234567\x00", false},
	{"Arabic-Indic digits", "\u0661\u0662\u0663\u0664\u0665\u0666\u0667", false},
	{"one Arabic-Indic digit among 7", "123456\u0667", false},
	{"fullwidth digits", "\uff15\uff15\uff15\uff11\uff12\uff13\uff14", false},
	{"Devanagari digits", "\u0967\u0968\u0969\u096a\u096b\u096c\u096d", false},
	{"non-breaking space", "555\u00a01234567", false},
	{"fullwidth plus", "\uff0b5551234567", false},
	{"invalid UTF-8", "5551234567\xff", false},
}

// The edge cases of the id rule, of the zone name shape and of the phone
// rule: lengths at and past each bound, every separator, and characters that
// only look allowed.
func TestRules(t *testing.T) {
	for _, rule := range []struct {
		name  string
		match func(string) bool
		cases []matchCase
	}{
		{"ValidID", ValidID, idCases},
		{"tzName", tzName().MatchString, tzNameCases},
		{"checkPhone", func(s string) bool { return checkPhone(Value{Str: s}) == "" }, phoneCases},
	} {
		for _, c := range rule.cases {
			if got := rule.match(c.in); got != c.want {
				t.Errorf("%s(%q) (%s) = %v, want %v", rule.name, c.in, c.name, got, c.want)
			}
		}
	}
}

// TestPhoneRuleMessage pins the message clients compare.
func TestPhoneRuleMessage(t *testing.T) {
	const want = "must be an optional leading '+' then digits, spaces, '-', '.', '(' or ')', with 7 to 15 digits"
	for _, s := range []string{"123456", "++1234567", "x"} {
		if got := checkPhone(Value{Str: s}); got != want {
			t.Errorf("checkPhone(%q) message = %q, want %q", s, got, want)
		}
	}
}

// TestIDRuleMessage pins the message clients compare.
func TestIDRuleMessage(t *testing.T) {
	const want = "must match ^FST-[0-9]{8,14}-[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
	if got := checkID(Value{Str: "FST-1-x"}); got != want {
		t.Errorf("checkID message = %q, want %q", got, want)
	}
}
