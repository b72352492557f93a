package customer_test

import (
	"slices"
	"testing"

	"github.com/xcloud/customers/shared/customer"
)

// TestFieldTable pins the field list to the contract's table: its order is
// the order of "changes" and of rendered JSON.
func TestFieldTable(t *testing.T) {
	want := []struct {
		path     string
		kind     customer.Kind
		required bool
	}{
		{"customerId", customer.KindString, true},
		{"customerName", customer.KindString, true},
		{"description", customer.KindString, false},
		{"contactInfo.email", customer.KindString, true},
		{"contactInfo.phone", customer.KindString, false},
		{"contactInfo.address.street", customer.KindString, false},
		{"contactInfo.address.city", customer.KindString, false},
		{"contactInfo.address.state", customer.KindString, false},
		{"contactInfo.address.country", customer.KindString, false},
		{"contactInfo.address.postalCode", customer.KindString, false},
		{"businessInfo.industry", customer.KindString, false},
		{"businessInfo.sector", customer.KindString, false},
		{"businessInfo.timezone", customer.KindString, false},
		{"settings.dataRetentionDays", customer.KindInteger, false},
		{"settings.alertFrequency", customer.KindString, false},
		{"settings.reportingEnabled", customer.KindBoolean, false},
		{"location.latitude", customer.KindNumber, false},
		{"location.longitude", customer.KindNumber, false},
		{"status", customer.KindString, true},
	}
	if len(customer.Fields) != len(want) {
		t.Fatalf("%d fields, want %d", len(customer.Fields), len(want))
	}
	for i, w := range want {
		f := customer.Fields[i]
		if f.Path != w.path || f.Kind != w.kind || f.Required != w.required {
			t.Errorf("field %d = %s kind %d required %v, want %s kind %d required %v",
				i, f.Path, f.Kind, f.Required, w.path, w.kind, w.required)
		}
		if !slices.Equal(f.Segments, splitDots(w.path)) {
			t.Errorf("field %s segments %q", f.Path, f.Segments)
		}
		if f.Trim != (w.path == "customerName") {
			t.Errorf("field %s Trim = %v", f.Path, f.Trim)
		}
	}
	if !slices.Equal(customer.Objects, []string{"contactInfo", "contactInfo.address", "businessInfo", "settings", "location"}) {
		t.Errorf("Objects = %q", customer.Objects)
	}
	if !slices.Equal(customer.Statuses, []string{"ACTIVE", "INACTIVE", "SUSPENDED"}) {
		t.Errorf("Statuses = %q", customer.Statuses)
	}
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

type ruleCase struct {
	name string
	path string
	raw  string // the member's JSON value
	ok   bool
}

// email254 and email255 are addresses of 254 and 255 bytes.
var (
	email254 = rep("a", 64) + "@" + rep("b", 63) + "." + rep("c", 63) + "." + rep("d", 61)
	email255 = rep("a", 64) + "@" + rep("b", 63) + "." + rep("c", 63) + "." + rep("d", 62)
)

// ruleCases exercise every rule of the contract's field table at its
// boundaries. Each is one member changed in an otherwise valid body.
func ruleCases() []ruleCase {
	cs := []ruleCase{
		// customerId: ^FST-[0-9]{8,14}-[A-Za-z0-9][A-Za-z0-9_-]{0,63}$
		{"8 digits", "customerId", q("FST-12345678-a"), true},
		{"14 digits", "customerId", q("FST-12345678901234-a"), true},
		{"7 digits", "customerId", q("FST-1234567-a"), false},
		{"15 digits", "customerId", q("FST-123456789012345-a"), false},
		{"no digits", "customerId", q("FST--a"), false},
		{"identifier starts with digit", "customerId", q("FST-12345678-9abc"), true},
		{"identifier starts with upper", "customerId", q("FST-12345678-Abc"), true},
		{"identifier with _ and -", "customerId", q("FST-12345678-a_b-c"), true},
		{"identifier starts with _", "customerId", q("FST-12345678-_abc"), false},
		{"identifier starts with -", "customerId", q("FST-12345678--abc"), false},
		{"empty identifier", "customerId", q("FST-12345678-"), false},
		{"no identifier", "customerId", q("FST-12345678"), false},
		{"64-char identifier", "customerId", q("FST-12345678-" + rep("a", 64)), true},
		{"65-char identifier", "customerId", q("FST-12345678-" + rep("a", 65)), false},
		{"slash", "customerId", q("FST-12345678-a/b"), false},
		{"dot dot", "customerId", q("FST-12345678-a..b"), false},
		{"only dot dot", "customerId", q("FST-12345678-.."), false},
		{"dot", "customerId", q("FST-12345678-a.b"), false},
		{"space", "customerId", q("FST-12345678-a b"), false},
		{"leading space", "customerId", q(" FST-12345678-a"), false},
		{"trailing newline", "customerId", q("FST-12345678-a\n"), false},
		{"lower-case prefix", "customerId", q("fst-12345678-a"), false},
		{"other prefix", "customerId", q("FSX-12345678-a"), false},
		{"fullwidth digits", "customerId", q("FST-１２３４５６７８-a"), false},
		{"arabic-indic digits", "customerId", q("FST-١٢٣٤٥٦٧٨-a"), false},
		{"cyrillic a in identifier", "customerId", q("FST-12345678-\u0430bc"), false},
		{"cyrillic S in prefix", "customerId", q("F\u0405T-12345678-abc"), false},
		{"unicode hyphen", "customerId", q("FST\u201012345678-abc"), false},
		{"fullwidth letter", "customerId", q("FST-12345678-ａbc"), false},
		{"zero-width space", "customerId", q("FST-12345678-abc\u200b"), false},
		{"NUL", "customerId", q("FST-12345678-abc\x00"), false},
		{"empty", "customerId", q(""), false},
		{"number", "customerId", "12345678", false},
		{"object", "customerId", "{}", false},

		// customerName: 1 to 256 characters after trimming, stored trimmed
		{"one char", "customerName", q("A"), true},
		{"256 chars", "customerName", q(rep("n", 256)), true},
		{"257 chars", "customerName", q(rep("n", 257)), false},
		{"256 chars with surrounding space", "customerName", q("  \t" + rep("n", 256) + "\n "), true},
		{"trimmed", "customerName", q("  Acme Corp  "), true},
		{"inner spaces kept", "customerName", q("Acme   Corp"), true},
		{"256 two-byte runes", "customerName", q(rep("é", 256)), true},
		{"257 two-byte runes", "customerName", q(rep("é", 257)), false},
		{"256 four-byte runes", "customerName", q(rep("😀", 256)), true},
		{"257 four-byte runes", "customerName", q(rep("😀", 257)), false},
		{"256 three-byte runes", "customerName", q(rep("日", 256)), true},
		{"empty", "customerName", q(""), false},
		{"spaces only", "customerName", q("   "), false},
		{"white space only", "customerName", q(" \t\r\n "), false},
		{"unicode space only", "customerName", q("\u00a0\u2003\u3000"), false},
		{"number", "customerName", "1", false},
		{"bool", "customerName", "true", false},
		{"array", "customerName", `["a"]`, false},

		// description: at most 2000 characters
		{"empty", "description", q(""), true},
		{"2000 chars", "description", q(rep("d", 2000)), true},
		{"2001 chars", "description", q(rep("d", 2001)), false},
		{"2000 multi-byte", "description", q(rep("ü", 1000) + rep("😀", 1000)), true},
		{"2001 multi-byte", "description", q(rep("ü", 1000) + rep("😀", 1001)), false},
		{"spaces kept", "description", q("  x  "), true},
		{"control chars", "description", q("a\nb\tc\x00d"), true},
		{"number", "description", "2", false},

		// contactInfo.email: local@domain, no display name, at most 254
		{"simple", "contactInfo.email", q("a@b.c"), true},
		{"plus and dots", "contactInfo.email", q("first.last+tag@sub.example.com"), true},
		{"254 bytes", "contactInfo.email", q(email254), true},
		{"255 bytes", "contactInfo.email", q(email255), false},
		{"display name", "contactInfo.email", q("John Doe <john@example.com>"), false},
		{"quoted display name", "contactInfo.email", q(`"John" <john@example.com>`), false},
		{"angle brackets only", "contactInfo.email", q("<a@b.c>"), false},
		{"comment", "contactInfo.email", q("a@b.c (John)"), false},
		{"missing @", "contactInfo.email", q("ab.c"), false},
		{"empty local", "contactInfo.email", q("@b.c"), false},
		{"empty domain", "contactInfo.email", q("a@"), false},
		{"two @", "contactInfo.email", q("a@b@c.d"), false},
		{"leading space", "contactInfo.email", q(" a@b.c"), false},
		{"trailing space", "contactInfo.email", q("a@b.c "), false},
		{"space inside", "contactInfo.email", q("a b@c.d"), false},
		{"two addresses", "contactInfo.email", q("a@b.c, d@e.f"), false},
		{"double dot", "contactInfo.email", q("a..b@c.d"), false},
		{"empty", "contactInfo.email", q(""), false},
		{"number", "contactInfo.email", "1", false},

		// contactInfo.phone: optional leading +, digits and " -.()", 7 to 15 digits
		{"7 digits", "contactInfo.phone", q("1234567"), true},
		{"15 digits", "contactInfo.phone", q("123456789012345"), true},
		{"6 digits", "contactInfo.phone", q("123456"), false},
		{"16 digits", "contactInfo.phone", q("1234567890123456"), false},
		{"+ and 15 digits", "contactInfo.phone", q("+123456789012345"), true},
		{"+ and 16 digits", "contactInfo.phone", q("+1234567890123456"), false},
		{"+ and 6 digits", "contactInfo.phone", q("+123456"), false},
		{"seed", "contactInfo.phone", q("+1-555-0123"), true},
		{"all punctuation", "contactInfo.phone", q("+1 (555) 123-45.67"), true},
		{"punctuation does not count", "contactInfo.phone", q("(12) 34-5.6"), false},
		{"7 digits among punctuation", "contactInfo.phone", q("((1-2-3)) 4.5.6 7"), true},
		{"+ in the middle", "contactInfo.phone", q("1+5551234567"), false},
		{"+ at the end", "contactInfo.phone", q("5551234567+"), false},
		{"two +", "contactInfo.phone", q("++15551234567"), false},
		{"space before +", "contactInfo.phone", q(" +15551234567"), false},
		{"letters", "contactInfo.phone", q("555-CALL-NOW"), false},
		{"extension", "contactInfo.phone", q("5551234567 x12"), false},
		{"tab", "contactInfo.phone", q("555\t1234567"), false},
		{"slash", "contactInfo.phone", q("555/1234567"), false},
		{"fullwidth digits", "contactInfo.phone", q("５５５１２３４５６７"), false},
		{"only +", "contactInfo.phone", q("+"), false},
		{"empty", "contactInfo.phone", q(""), false},
		{"number", "contactInfo.phone", "5551234567", false},
	}

	// address fields and businessInfo industry/sector: at most 256
	for _, p := range []string{
		"contactInfo.address.street", "contactInfo.address.city", "contactInfo.address.state",
		"contactInfo.address.country", "contactInfo.address.postalCode",
		"businessInfo.industry", "businessInfo.sector",
	} {
		cs = append(cs,
			ruleCase{"empty", p, q(""), true},
			ruleCase{"256 chars", p, q(rep("s", 256)), true},
			ruleCase{"257 chars", p, q(rep("s", 257)), false},
			ruleCase{"256 multi-byte", p, q(rep("ß", 128) + rep("😀", 128)), true},
			ruleCase{"257 multi-byte", p, q(rep("ß", 128) + rep("😀", 129)), false},
			ruleCase{"number", p, "62701", false},
			ruleCase{"bool", p, "false", false},
			ruleCase{"object", p, `{"a":"b"}`, false},
		)
	}

	cs = append(cs, []ruleCase{
		// businessInfo.timezone: an IANA zone name; Local is not one
		{"America/Chicago", "businessInfo.timezone", q("America/Chicago"), true},
		{"UTC", "businessInfo.timezone", q("UTC"), true},
		{"Europe/London", "businessInfo.timezone", q("Europe/London"), true},
		{"three levels", "businessInfo.timezone", q("America/Argentina/Buenos_Aires"), true},
		{"Etc/GMT+5", "businessInfo.timezone", q("Etc/GMT+5"), true},
		{"Etc/GMT-14", "businessInfo.timezone", q("Etc/GMT-14"), true},
		{"EST5EDT", "businessInfo.timezone", q("EST5EDT"), true},
		{"Local", "businessInfo.timezone", q("Local"), false},
		{"empty", "businessInfo.timezone", q(""), false},
		{"Mars/Olympus", "businessInfo.timezone", q("Mars/Olympus"), false},
		{"path traversal", "businessInfo.timezone", q("../etc/passwd"), false},
		{"traversal inside", "businessInfo.timezone", q("America/../Europe/London"), false},
		{"absolute path", "businessInfo.timezone", q("/etc/localtime"), false},
		{"absolute zoneinfo path", "businessInfo.timezone", q("/usr/share/zoneinfo/UTC"), false},
		{"lower case", "businessInfo.timezone", q("america/chicago"), false},
		{"lower-case utc", "businessInfo.timezone", q("utc"), false},
		{"directory", "businessInfo.timezone", q("America"), false},
		{"trailing slash", "businessInfo.timezone", q("America/Chicago/"), false},
		{"double slash", "businessInfo.timezone", q("America//Chicago"), false},
		{"dot component", "businessInfo.timezone", q("America/./Chicago"), false},
		{"leading dot", "businessInfo.timezone", q("./UTC"), false},
		{"zoneinfo localtime", "businessInfo.timezone", q("localtime"), false},
		{"zoneinfo posixrules", "businessInfo.timezone", q("posixrules"), false},
		{"zoneinfo posix dir", "businessInfo.timezone", q("posix/America/Chicago"), false},
		{"zoneinfo right dir", "businessInfo.timezone", q("right/UTC"), false},
		{"zoneinfo table", "businessInfo.timezone", q("zone.tab"), false},
		{"NUL", "businessInfo.timezone", q("UTC\x00"), false},
		{"surrounding space", "businessInfo.timezone", q(" UTC "), false},
		{"POSIX TZ string", "businessInfo.timezone", q("CST6CDT,M3.2.0,M11.1.0"), false},
		{"offset", "businessInfo.timezone", q("+05:00"), false},
		{"number", "businessInfo.timezone", "0", false},

		// settings.dataRetentionDays: integer 1 to 36500, exact JSON type
		{"1", "settings.dataRetentionDays", "1", true},
		{"36500", "settings.dataRetentionDays", "36500", true},
		{"365", "settings.dataRetentionDays", "365", true},
		{"0", "settings.dataRetentionDays", "0", false},
		{"-0", "settings.dataRetentionDays", "-0", false},
		{"-1", "settings.dataRetentionDays", "-1", false},
		{"36501", "settings.dataRetentionDays", "36501", false},
		{"fraction", "settings.dataRetentionDays", "1.5", false},
		{"integral fraction", "settings.dataRetentionDays", "365.0", false},
		{"exponent", "settings.dataRetentionDays", "1e2", false},
		{"upper-case exponent", "settings.dataRetentionDays", "1E2", false},
		{"negative exponent", "settings.dataRetentionDays", "100e-1", false},
		{"string", "settings.dataRetentionDays", `"365"`, false},
		{"bool", "settings.dataRetentionDays", "true", false},
		{"huge", "settings.dataRetentionDays", "99999999999999999999", false},
		{"huge negative", "settings.dataRetentionDays", "-99999999999999999999", false},
		{"int64 max", "settings.dataRetentionDays", "9223372036854775807", false},
		{"int64 max + 1", "settings.dataRetentionDays", "9223372036854775808", false},
		{"int64 min", "settings.dataRetentionDays", "-9223372036854775808", false},
		{"uint64 wrap to 365", "settings.dataRetentionDays", "18446744073709551981", false},
		{"array", "settings.dataRetentionDays", "[365]", false},

		// settings.alertFrequency
		{"immediate", "settings.alertFrequency", q("immediate"), true},
		{"hourly", "settings.alertFrequency", q("hourly"), true},
		{"daily", "settings.alertFrequency", q("daily"), true},
		{"weekly", "settings.alertFrequency", q("weekly"), true},
		{"upper case", "settings.alertFrequency", q("Daily"), false},
		{"monthly", "settings.alertFrequency", q("monthly"), false},
		{"padded", "settings.alertFrequency", q(" daily"), false},
		{"empty", "settings.alertFrequency", q(""), false},
		{"number", "settings.alertFrequency", "1", false},

		// settings.reportingEnabled: boolean
		{"true", "settings.reportingEnabled", "true", true},
		{"false", "settings.reportingEnabled", "false", true},
		{"string true", "settings.reportingEnabled", `"true"`, false},
		{"one", "settings.reportingEnabled", "1", false},
		{"zero", "settings.reportingEnabled", "0", false},
		{"object", "settings.reportingEnabled", "{}", false},

		// location.latitude: number -90..90
		{"-90", "location.latitude", "-90", true},
		{"90", "location.latitude", "90", true},
		{"0", "location.latitude", "0", true},
		{"fraction", "location.latitude", "45.123456789", true},
		{"90.0", "location.latitude", "90.0", true},
		{"exponent 90", "location.latitude", "9e1", true},
		{"tiny", "location.latitude", "1e-300", true},
		{"90.0001", "location.latitude", "90.0001", false},
		{"-90.0001", "location.latitude", "-90.0001", false},
		{"91", "location.latitude", "91", false},
		{"1e400", "location.latitude", "1e400", false},
		{"-1e400", "location.latitude", "-1e400", false},
		{"string", "location.latitude", `"1"`, false},
		{"bool", "location.latitude", "true", false},
		{"array", "location.latitude", "[1]", false},

		// location.longitude: number -180..180
		{"-180", "location.longitude", "-180", true},
		{"180", "location.longitude", "180", true},
		{"exponent -180", "location.longitude", "-1.8e2", true},
		{"180.0001", "location.longitude", "180.0001", false},
		{"-180.0001", "location.longitude", "-180.0001", false},
		{"1e400", "location.longitude", "1e400", false},
		{"string", "location.longitude", `"1"`, false},

		// status
		{"ACTIVE", "status", q("ACTIVE"), true},
		{"INACTIVE", "status", q("INACTIVE"), true},
		{"SUSPENDED", "status", q("SUSPENDED"), true},
		{"lower case", "status", q("active"), false},
		{"mixed case", "status", q("Active"), false},
		{"padded", "status", q("ACTIVE "), false},
		{"unknown", "status", q("DELETED"), false},
		{"empty", "status", q(""), false},
		{"number", "status", "1", false},
	}...)
	return cs
}

// TestFieldRulesCreate sends a valid POST body with one member changed: a
// valid value must be stored exactly, an invalid one reported by its path alone.
func TestFieldRulesCreate(t *testing.T) {
	base, err := customer.DecodeCreate(readFixture(t, "full_post.json"))
	wantDoc(t, base, err, fullDoc())
	for _, c := range ruleCases() {
		t.Run(c.path+"/"+c.name, func(t *testing.T) {
			i := index(t, c.path)
			doc, err := customer.DecodeCreate(bodyWith(t, c.path, c.raw))
			if !c.ok {
				wantFields(t, err, c.path)
				return
			}
			want := base
			want.Set(i, expectedValue(t, i, c.raw))
			wantDoc(t, doc, err, want)
		})
	}
}

// TestFieldRulesUpdate sends each member alone in a PUT body: the same rules
// hold, and nothing else is touched.
func TestFieldRulesUpdate(t *testing.T) {
	for _, c := range ruleCases() {
		if c.path == "customerId" {
			continue // TestUpdateCustomerID
		}
		t.Run(c.path+"/"+c.name, func(t *testing.T) {
			i := index(t, c.path)
			doc, err := customer.DecodeUpdate(only(t, c.path, c.raw), baseID)
			if !c.ok {
				wantFields(t, err, c.path)
				return
			}
			var want customer.Document
			want.Set(i, expectedValue(t, i, c.raw))
			wantDoc(t, doc, err, want)
		})
	}
}

// TestCustomerIDRulesUpdate: a customerId in a PUT body that breaks the
// pattern is reported even when it equals the path id.
func TestCustomerIDRulesUpdate(t *testing.T) {
	for _, c := range ruleCases() {
		if c.path != "customerId" || c.ok {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			var id string
			_ = jsonString(c.raw, &id)
			_, err := customer.DecodeUpdate(only(t, c.path, c.raw), id)
			wantFields(t, err, "customerId")
		})
	}
}

func TestValidID(t *testing.T) {
	for _, c := range ruleCases() {
		if c.path != "customerId" {
			continue
		}
		var id string
		if jsonString(c.raw, &id) != nil {
			continue
		}
		if got := customer.ValidID(id); got != c.ok {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, c.ok)
		}
	}
}
