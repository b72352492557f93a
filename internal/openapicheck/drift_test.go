package openapicheck_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/xcloud/customers/internal/openapicheck"
	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
)

// The drift test: the customer schemas of openapi.yaml (the POST and PUT
// request bodies and the GET response) against shared/customer, the one
// place where the field rules are written. The rules live in unexported
// check functions, so they are compared by behaviour: every field is given
// boundary values of every kind (longest valid strings and one longer, enum
// members and near misses, range ends and just outside, wrong JSON types,
// null), and the field's schema, found by its dot path, must accept exactly
// what customer.DecodeCreate (DecodeUpdate for PUT) accepts.

// limitation is a value on which the description and the code knowingly
// differ, because JSON Schema cannot say what the code checks: raw, or every
// value of the IANA name shape when raw is ianaShape. Each must still differ
// somewhere (or it is no longer a limitation and must go).
type limitation struct {
	path, raw string
	why       string
}

const ianaShape = "(a string of the shape of an IANA name)"

var ianaName = regexp.MustCompile(`^"[A-Z][A-Za-z0-9._+-]*(/[A-Z][A-Za-z0-9._+-]*)*"$`)

var limitations = []limitation{
	{"customerName", `" ` + strings.Repeat("x", 256) + `"`, "maxLength counts the white space the API trims"},
	{"customerName", `"` + strings.Repeat("x", 256) + `\t"`, "maxLength counts the white space the API trims"},
	{"businessInfo.timezone", ianaShape, "the pattern is the shape of IANA names; the API also looks the name up in the time zone database"},
	{"settings.dataRetentionDays", `365.0`, "JSON Schema's integer is a value, the API's a literal without fraction or exponent"},
	{"settings.dataRetentionDays", `3.65e2`, "JSON Schema's integer is a value, the API's a literal without fraction or exponent"},
	{"settings.dataRetentionDays", `1e1`, "JSON Schema's integer is a value, the API's a literal without fraction or exponent"},
	{"contactInfo.email", `"` + strings.Repeat("l", 65) + `@example.com"`, "format email (RFC 5321) limits the local part to 64 characters; RFC 5322 does not"},
	{"contactInfo.email", `"jö@example.com"`, "format email is ASCII; the API's RFC 5322 parser takes UTF-8 (RFC 6532)"},
	{"contactInfo.email", `"\"quoted local\"@example.com"`, "format email takes a quoted local part; the API wants the address exactly as Go's net/mail prints it"},
}

func TestDrift(t *testing.T) {
	doc := load(t).Doc
	found := map[limitation]bool{}
	known := 0
	diffs, compared := drift(t, doc, "")
	for _, d := range diffs {
		if l, ok := d.limitation(); ok {
			found[l] = true
			known++
			continue
		}
		t.Error(d)
	}
	t.Logf("%d values compared; %d differences, all known limitations", compared, known)
	for _, l := range limitations {
		if !found[l] {
			t.Errorf("%s = %s: openapi.yaml and the code now agree; drop it from the limitations (%s)", l.path, l.raw, l.why)
		}
	}
}

// The drift test must fail when a rule differs: each mutation of a freshly
// loaded copy of the description must be reported.
func TestDriftDetectsMutations(t *testing.T) {
	for _, m := range []struct {
		name   string
		only   string // the field compared (all of them: slow)
		mutate func(t *testing.T, doc *openapi3.T)
		want   string // a part of a reported difference
	}{
		{"description maxLength 3000", "description", func(t *testing.T, doc *openapi3.T) {
			at(t, postBody(doc), "description").MaxLength = new(uint64(3000))
		}, "POST body: description = \"" + strings.Repeat("x", 2001)[:20]},
		{"status enum without SUSPENDED", "status", func(t *testing.T, doc *openapi3.T) {
			at(t, postBody(doc), "status").Enum = []any{"ACTIVE", "INACTIVE"}
		}, `status = "SUSPENDED": the code accepts it, openapi.yaml refuses it`},
		{"POST status not required", "status", func(t *testing.T, doc *openapi3.T) {
			postBody(doc).Required = []string{"customerId", "customerName", "contactInfo"}
		}, "POST body: required fields"},
		{"PUT email required", "contactInfo.email", func(t *testing.T, doc *openapi3.T) {
			at(t, putBody(doc), "contactInfo").Required = []string{"email"}
		}, "PUT body: required fields"},
		{"dataRetentionDays maximum 365", "settings.dataRetentionDays", func(t *testing.T, doc *openapi3.T) {
			at(t, putBody(doc), "settings.dataRetentionDays").Max = new(365.0)
		}, "PUT body: settings.dataRetentionDays = 36500: the code accepts it, openapi.yaml refuses it"},
		{"phone without the digit count", "contactInfo.phone", func(t *testing.T, doc *openapi3.T) {
			at(t, postBody(doc), "contactInfo.phone").Pattern = `^\+?[0-9 ().-]+$`
		}, `contactInfo.phone = "123456": the code refuses it, openapi.yaml accepts it`},
		{"latitude an integer", "location.latitude", func(t *testing.T, doc *openapi3.T) {
			at(t, getCustomer(doc), "location.latitude").Type = &openapi3.Types{"integer"}
		}, "GET response: location.latitude = 1.5: the code accepts it, openapi.yaml refuses it"},
		{"unknown fields allowed in settings", "settings", func(t *testing.T, doc *openapi3.T) {
			at(t, postBody(doc), "settings").AdditionalProperties = openapi3.AdditionalProperties{}
		}, `POST body: settings = {"unknown":1}: the code refuses it, openapi.yaml accepts it`},
		{"a field the code does not have", "businessInfo.industry", func(t *testing.T, doc *openapi3.T) {
			at(t, getCustomer(doc), "businessInfo").Properties["size"] = openapi3.NewSchemaRef("", openapi3.NewIntegerSchema())
		}, "GET response: fields of openapi.yaml but not of the code: [businessInfo.size]"},
	} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			doc := load(t).Doc // a copy of its own
			m.mutate(t, doc)
			var got []string
			diffs, _ := drift(t, doc, m.only)
			for _, d := range diffs {
				if _, ok := d.limitation(); !ok {
					got = append(got, d.String())
				}
			}
			if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, m.want) }) {
				t.Errorf("the mutation is not reported as %q; reported:\n%s", m.want, strings.Join(got, "\n"))
			}
		})
	}
}

// difference is one way the description and the code disagree.
type difference struct {
	target, path, raw string
	codeOK, specOK    bool
	detail            string // when set, the whole difference
}

func (d difference) String() string {
	if d.detail != "" {
		return d.target + ": " + d.detail
	}
	verdict := map[bool]string{true: "accepts it", false: "refuses it"}
	raw := d.raw
	if len(raw) > 60 {
		raw = fmt.Sprintf("%s… (%d bytes)", raw[:40], len(raw))
	}
	return fmt.Sprintf("%s: %s = %s: the code %s, openapi.yaml %s", d.target, d.path, raw, verdict[d.codeOK], verdict[d.specOK])
}

func (d difference) limitation() (limitation, bool) {
	for _, l := range limitations {
		if d.detail == "" && l.path == d.path && (l.raw == d.raw || l.raw == ianaShape && ianaName.MatchString(d.raw) && !d.codeOK) {
			return l, true
		}
	}
	return limitation{}, false
}

func postBody(doc *openapi3.T) *openapi3.Schema {
	return doc.Paths.Value("/xcloud/v1/customers").Post.RequestBody.Value.Content.Get("application/json").Schema.Value
}

func putBody(doc *openapi3.T) *openapi3.Schema {
	return doc.Paths.Value("/xcloud/v1/customers/{customerId}").Put.RequestBody.Value.Content.Get("application/json").Schema.Value
}

func getCustomer(doc *openapi3.T) *openapi3.Schema {
	return doc.Paths.Value("/xcloud/v1/customers/{customerId}").Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
}

// schemaAt resolves a dot path through the properties of root.
func schemaAt(root *openapi3.Schema, path string) (*openapi3.Schema, error) {
	s := root
	if path == "" {
		return s, nil
	}
	for _, seg := range strings.Split(path, ".") {
		p := s.Properties[seg]
		if p == nil || p.Value == nil {
			return nil, fmt.Errorf("no property %q on the way to %s", seg, path)
		}
		s = p.Value
	}
	return s, nil
}

func at(t *testing.T, root *openapi3.Schema, path string) *openapi3.Schema {
	t.Helper()
	s, err := schemaAt(root, path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func isObject(s *openapi3.Schema) bool { return s.Type != nil && s.Type.Includes("object") }

// leaves lists the dot paths of the non-object properties below s, which
// of them are required all the way down, and which properties (objects too)
// their own object requires.
func leaves(s *openapi3.Schema, prefix string, required bool, all, req, local map[string]bool) {
	for name, p := range s.Properties {
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		r := required && slices.Contains(s.Required, name)
		if slices.Contains(s.Required, name) {
			local[path] = true
		}
		if isObject(p.Value) {
			leaves(p.Value, path, r, all, req, local)
			continue
		}
		all[path] = true
		if r {
			req[path] = true
		}
	}
}

// accepts validates a JSON text against a schema as openapi3filter does.
func accepts(s *openapi3.Schema, raw string) bool {
	return s.VisitJSON(decodeJSON(raw), openapicheck.SchemaOptions()...) == nil
}

func decodeJSON(raw string) any {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(fmt.Sprintf("%s: %v", raw, err))
	}
	return v
}

// The smallest valid POST body.
const basePost = `{"customerId":"FST-1536316721808-Base","customerName":"Base","contactInfo":{"email":"base@example.com"},"status":"ACTIVE"}`

// with returns body with the member at path set to raw, objects on the way
// created.
func with(body, path, raw string) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		panic(err)
	}
	segs := strings.Split(path, ".")
	o := m
	for _, seg := range segs[:len(segs)-1] {
		next, ok := o[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			o[seg] = next
		}
		o = next
	}
	o[segs[len(segs)-1]] = json.RawMessage(raw)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		panic(err)
	}
	return b.String()
}

// verdict turns a decoding error into "the code refuses the value at path";
// an error about anything else is a mistake of the test.
func verdict(err error, path string) (bool, error) {
	if err == nil {
		return true, nil
	}
	var e *apierror.Error
	if !errors.As(err, &e) || e.Code != apierror.CodeValidation {
		return false, fmt.Errorf("%s: unexpected error %v", path, err)
	}
	for _, f := range e.Fields {
		if f.Field != path && !strings.HasPrefix(f.Field, path+".") && path != "" {
			return false, fmt.Errorf("%s: the error names another field: %v", path, e.Fields)
		}
	}
	return false, nil
}

const putID = "FST-1536316721808-Base"

// drift returns every difference between doc's customer schemas and the
// code: the field lists, the required fields, and the values of every field
// and object, or only of the field or object at path only; and how many
// values it compared.
func drift(t *testing.T, doc *openapi3.T, only string) (out []difference, compared int) {
	t.Helper()
	codePaths, codeRequired := map[string]bool{}, map[string]bool{}
	for _, f := range customer.Fields {
		codePaths[f.Path] = true
		if f.Required {
			codeRequired[f.Path] = true
		}
	}
	cands := candidates(doc)
	skip := func(path string) bool { return only != "" && path != only }

	type target struct {
		name     string
		schema   *openapi3.Schema
		required map[string]bool // the leaves that must be required
		extra    []string        // top-level properties that are no fields
		base     string          // a valid body
		decode   func(body []byte) error
		response bool // compare with what the API renders
	}
	targets := []target{
		{name: "POST body", schema: postBody(doc), required: codeRequired, base: basePost,
			decode: func(body []byte) error { _, err := customer.DecodeCreate(body); return err }},
		{name: "PUT body", schema: putBody(doc), required: map[string]bool{}, base: `{}`,
			decode: func(body []byte) error { _, err := customer.DecodeUpdate(body, putID); return err }},
		{name: "GET response", schema: getCustomer(doc), required: codeRequired, response: true,
			extra: []string{"limits", "createdAt", "updatedAt"}},
	}
	for _, tg := range targets {
		diff := func(d difference) { d.target = tg.name; out = append(out, d) }
		// The code's verdict on the base body with path set to raw.
		decode := func(path, raw string) (bool, error) {
			return verdict(tg.decode([]byte(with(tg.base, path, raw))), path)
		}

		// The same fields, and the same of them required.
		all, req, local := map[string]bool{}, map[string]bool{}, map[string]bool{}
		leaves(tg.schema, "", true, all, req, local)
		if tg.name == "PUT body" {
			req = local // nothing is required anywhere in a merge
		}
		for _, x := range tg.extra {
			for p := range all {
				if p == x || strings.HasPrefix(p, x+".") {
					delete(all, p)
					delete(req, p)
				}
			}
		}
		if onlySpec := setMinus(all, codePaths); len(onlySpec) > 0 {
			diff(difference{detail: fmt.Sprintf("fields of openapi.yaml but not of the code: %v", onlySpec)})
		}
		if onlyCode := setMinus(codePaths, all); len(onlyCode) > 0 {
			diff(difference{detail: fmt.Sprintf("fields of the code but not of openapi.yaml: %v", onlyCode)})
		}
		if !maps.Equal(req, tg.required) {
			diff(difference{detail: fmt.Sprintf("required fields %v, the code's %v", slices.Sorted(maps.Keys(req)), slices.Sorted(maps.Keys(tg.required)))})
		}

		// Every field, every candidate value.
		for _, f := range customer.Fields {
			if skip(f.Path) {
				continue
			}
			if tg.name == "PUT body" && f.Path == "customerId" {
				continue // the code accepts exactly the path's id: no schema says that
			}
			s, err := schemaAt(tg.schema, f.Path)
			if err != nil {
				continue // reported above
			}
			wholeChecked := false
			for _, raw := range cands[f.Kind] {
				if tg.response {
					if raw == "null" {
						continue // never rendered
					}
					// The whole rendered customer is checked once per field:
					// where the value sits does not depend on the value.
					var whole *openapi3.Schema
					if !wholeChecked {
						whole = tg.schema
					}
					codeOK, specOK, err := rendered(s, whole, f, raw)
					if err != nil {
						t.Fatal(err)
					}
					wholeChecked = wholeChecked || codeOK
					compared++
					if codeOK != specOK {
						diff(difference{path: f.Path, raw: raw, codeOK: codeOK, specOK: specOK})
					}
					continue
				}
				codeOK, err := decode(f.Path, raw)
				if err != nil {
					t.Fatal(err)
				}
				compared++
				if specOK := accepts(s, raw); codeOK != specOK {
					diff(difference{path: f.Path, raw: raw, codeOK: codeOK, specOK: specOK})
				}
			}
		}

		// Objects: null, wrong types, unknown members; and the document
		// itself with an unknown member.
		if tg.response {
			continue
		}
		if unknown := with(tg.base, "plan", `"gold"`); only == "" {
			codeOK, err := verdict(tg.decode([]byte(unknown)), "")
			if err != nil {
				t.Fatal(err)
			}
			if specOK := accepts(tg.schema, unknown); codeOK != specOK {
				diff(difference{path: "(document)", raw: unknown, codeOK: codeOK, specOK: specOK})
			}
		}
		for _, obj := range customer.Objects {
			if skip(obj) {
				continue
			}
			s, err := schemaAt(tg.schema, obj)
			if err != nil {
				diff(difference{detail: err.Error()})
				continue
			}
			for _, raw := range []string{`null`, `{}`, `"x"`, `[]`, `{"unknown":1}`} {
				codeOK, err := decode(obj, raw)
				if err != nil {
					t.Fatal(err)
				}
				if specOK := accepts(s, raw); codeOK != specOK {
					diff(difference{path: obj, raw: raw, codeOK: codeOK, specOK: specOK})
				}
			}
		}
	}
	return out, compared
}

// rendered compares a response schema with the code: a value the code
// accepts must, as the API renders it, be accepted by the field's schema
// (and the rendered customer by the whole schema, when given); a value the
// code refuses must be refused.
func rendered(field, whole *openapi3.Schema, f customer.Field, raw string) (codeOK, specOK bool, err error) {
	doc, err := customer.DecodeCreate([]byte(with(basePost, f.Path, raw)))
	if codeOK, err = verdict(err, f.Path); err != nil || !codeOK {
		return codeOK, accepts(field, raw), err
	}
	now := time.Date(2024, 1, 2, 16, 30, 0, 0, time.UTC)
	c := &customer.Customer{Fields: doc, Limits: customer.DefaultLimits, CreatedAt: now, UpdatedAt: now, Version: 1}
	out := string(c.AppendJSON(nil))
	if whole != nil && whole.VisitJSON(decodeJSON(out), openapicheck.SchemaOptions()...) != nil {
		return true, false, nil
	}
	v := decodeJSON(out)
	for _, seg := range f.Segments {
		v = v.(map[string]any)[seg]
	}
	b, _ := json.Marshal(v)
	return true, accepts(field, string(b)), nil
}

func setMinus(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// candidates are the values the fields of each kind are tried with, as JSON
// texts: the boundaries of every rule of the contract for that kind (every
// string field gets every string), every enum member of the description, and
// values of the other JSON types.
func candidates(doc *openapi3.T) map[customer.Kind][]string {
	var out []string
	str := func(ss ...string) {
		for _, s := range ss {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			enc.Encode(s)
			out = append(out, strings.TrimSuffix(b.String(), "\n"))
		}
	}
	rep := strings.Repeat

	// Lengths and white space.
	str("", " ", "\t\n", "\u00a0", "\u3000", "\u0085", "\u2028", "\u200b", "\ufeff", "\u180e",
		"a", " a ", "\u00a0a\u00a0", "Dewatering Solutions Inc")
	for _, n := range []int{63, 64, 65, 253, 254, 255, 256, 257, 1999, 2000, 2001} {
		str(rep("x", n))
	}
	for _, n := range []int{256, 257, 2000, 2001} {
		str(rep("é", n), rep("😀", n))
	}
	str(" "+rep("x", 256), rep("x", 256)+"\t", " "+rep("x", 255), " "+rep("x", 257))

	// Enums: the code's, near misses, and the description's own.
	str(customer.Statuses...)
	str("immediate", "hourly", "daily", "weekly", "active", "ACTIVE ", "DELETED", "monthly", "Daily", "never")
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
		collectEnums(doc.Components.Schemas[name].Value, seen, map[*openapi3.Schema]bool{})
	}
	for _, e := range slices.Sorted(maps.Keys(seen)) {
		str(e)
	}

	// Customer ids.
	str("FST-12345678-a", "FST-12345678901234-a"+rep("b", 63), "FST-12345678901234-a"+rep("b", 64),
		"FST-1234567-a", "FST-123456789012345-a", "FST-12345678-_a", "FST-12345678--", "FST-12345678-a_-",
		"fst-12345678-a", "FST-12345678-a\n", "FST-1536316721808-Ｘ", "FST-1536316721808-NewCustomer", "FST-12345678-")

	// E-mail addresses: the longest valid (a local part of 64, labels of
	// 63), one longer, and malformed ones.
	domain := rep("d", 63) + "." + rep("e", 63) + "." + rep("f", 61)
	str("a@b.co", "contact@dewatering-solutions.com", rep("l", 64)+"@"+domain, rep("l", 64)+"@"+domain+"g",
		"Jo <jo@example.com>", "<jo@example.com>", "jo@example.com ", " jo@example.com", "jo", "@example.com", "jo@",
		"jo@@example.com", "a.b@example.com", "a+tag@example.com", "a..b@example.com", ".a@example.com",
		"a@example.com\r\nBcc: victim@example.com", "a@localhost", "a b@example.com",
		rep("l", 65)+"@example.com", "jö@example.com", `"quoted local"@example.com`)

	// Phone numbers: 7 and 15 digits, 6 and 16, the separators, the '+'.
	str("+1-555-0123", "555-12", "1234567", "123456", "123456789012345", "1234567890123456", "+44 20 7946 0958",
		"+1 (555) 010-1234", "++1234567", "1234567+", "+", " 1234567", "+ 1234567", " +1234567", "(((1234567)))",
		"12345x67", "1234567 ext 8", "١٢٣٤٥٦٧", "１２３４５６７", "1.2.3.4.5.6.7", "1/234567")

	// Time zones.
	str("America/Chicago", "UTC", "GMT", "Etc/GMT+5", "America/Argentina/Buenos_Aires", "EST5EDT", "Europe/Kyiv",
		"Local", "local", "america/chicago", "America//Chicago", "../../etc/passwd", "/UTC", "UTC/", "America/Chicago ",
		"Mars/Olympus_Mons", "posix/America/Chicago", "right/UTC", "localtime")

	strs := out
	out = nil

	// Numbers: range ends and just outside, fractions, exponents, huge.
	out = append(out, "0", "-0", "1", "-1", "2", "1.5", "365", "36499", "36500", "36501", "0.0001",
		"-90", "90", "-90.0001", "90.0001", "89.99999", "-180", "180", "-180.0001", "180.0001", "39.7817", "-89.6501",
		"1e1", "-1e1", "1e400", "-1e400", "99999999999999999999", "9223372036854775807", "9223372036854775808",
		"365.0", "3.65e2")

	nums := out

	// Other JSON types, and every kind's look-alikes.
	others := []string{"true", "false", "null", "[]", "{}", `["x"]`, `{"a":1}`, "0", "1", "7", "1.5", `"7"`, `"true"`, `"1.5"`}
	return map[customer.Kind][]string{
		customer.KindString:  append(strs, others...),
		customer.KindInteger: append(nums, others...),
		customer.KindNumber:  append(nums, others...),
		customer.KindBoolean: others,
	}
}

func collectEnums(s *openapi3.Schema, seen map[string]bool, visited map[*openapi3.Schema]bool) {
	if s == nil || visited[s] {
		return
	}
	visited[s] = true
	for _, e := range s.Enum {
		if e, ok := e.(string); ok {
			seen[e] = true
		}
	}
	for _, p := range s.Properties {
		collectEnums(p.Value, seen, visited)
	}
	if s.Items != nil {
		collectEnums(s.Items.Value, seen, visited)
	}
}
