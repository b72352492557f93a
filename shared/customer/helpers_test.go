package customer_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
)

// baseID is the customer id of the fixtures in testdata.
const baseID = "FST-1536316721808-NewCustomer"

// readFixture returns a file of testdata.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fullDoc is what testdata/full_post.json decodes to: every field set.
func fullDoc() customer.Document {
	var d customer.Document
	d.Set(customer.CustomerID, customer.String(baseID))
	d.Set(customer.CustomerName, customer.String("Dewatering Solutions Inc"))
	d.Set(customer.Description, customer.String("Municipal water management services"))
	d.Set(customer.Email, customer.String("contact@dewatering-solutions.com"))
	d.Set(customer.Phone, customer.String("+1-555-0123"))
	d.Set(customer.Street, customer.String("123 Industrial Drive"))
	d.Set(customer.City, customer.String("Springfield"))
	d.Set(customer.AddressState, customer.String("IL"))
	d.Set(customer.Country, customer.String("USA"))
	d.Set(customer.PostalCode, customer.String("62701"))
	d.Set(customer.Industry, customer.String("Water Management"))
	d.Set(customer.Sector, customer.String("Municipal Services"))
	d.Set(customer.Timezone, customer.String("America/Chicago"))
	d.Set(customer.DataRetentionDays, customer.Integer(365))
	d.Set(customer.AlertFrequency, customer.String("immediate"))
	d.Set(customer.ReportingEnabled, customer.Boolean(true))
	d.Set(customer.Latitude, customer.Number(39.7817))
	d.Set(customer.Longitude, customer.Number(-89.6501))
	d.Set(customer.Status, customer.String("ACTIVE"))
	return d
}

// seedDoc is what the example POST body (testdata/seed_post.json) decodes to:
// every field but the location.
func seedDoc() customer.Document {
	d := fullDoc()
	d[customer.Latitude] = customer.Entry{}
	d[customer.Longitude] = customer.Entry{}
	return d
}

// object is a JSON object whose numbers keep their literal text.
type object = map[string]any

func parseObject(t *testing.T, b []byte) object {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m object
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("parse %q: %v", b, err)
	}
	return m
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setPath sets the member at a dot path to raw JSON, creating (or replacing
// non-object) parents as needed.
func setPath(m object, path, raw string) {
	segs := strings.Split(path, ".")
	for _, s := range segs[:len(segs)-1] {
		child, ok := m[s].(object)
		if !ok {
			child = object{}
			m[s] = child
		}
		m = child
	}
	m[segs[len(segs)-1]] = json.RawMessage(raw)
}

// deletePath removes the member at a dot path, if there is one.
func deletePath(m object, path string) {
	segs := strings.Split(path, ".")
	for _, s := range segs[:len(segs)-1] {
		child, ok := m[s].(object)
		if !ok {
			return
		}
		m = child
	}
	delete(m, segs[len(segs)-1])
}

// fullBody is testdata/full_post.json as an object to change.
func fullBody(t *testing.T) object { return parseObject(t, readFixture(t, "full_post.json")) }

// bodyWith is the full POST body with one member set to raw JSON.
func bodyWith(t *testing.T, path, raw string) []byte {
	t.Helper()
	m := fullBody(t)
	setPath(m, path, raw)
	return marshal(t, m)
}

// bodyWithout is the full POST body without some members.
func bodyWithout(t *testing.T, paths ...string) []byte {
	t.Helper()
	m := fullBody(t)
	for _, p := range paths {
		deletePath(m, p)
	}
	return marshal(t, m)
}

// only is a body with just one member, at a dot path, set to raw JSON.
func only(t *testing.T, path, raw string) []byte {
	t.Helper()
	m := object{}
	setPath(m, path, raw)
	return marshal(t, m)
}

// withMembers appends raw members to a JSON object body.
func withMembers(body []byte, members string) []byte {
	b := bytes.TrimRight(body, " \n\t\r")
	b = b[:len(b)-1] // the closing '}'
	return []byte(string(b) + "," + members + "}")
}

// q is s as a JSON string.
func q(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func rep(s string, n int) string { return strings.Repeat(s, n) }

// index finds the field with a dot path.
func index(t *testing.T, path string) customer.Index {
	t.Helper()
	for i, f := range customer.Fields {
		if f.Path == path {
			return customer.Index(i)
		}
	}
	t.Fatalf("no field %q", path)
	return -1
}

// apiError asserts err is an *apierror.Error with status and code.
func apiError(t *testing.T, err error, status int, code string) *apierror.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %d %s", status, code)
	}
	var ae *apierror.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *apierror.Error", err, err)
	}
	if ae.Status != status || ae.Code != code {
		t.Fatalf("got %d %s (%q, fields %v), want %d %s", ae.Status, ae.Code, ae.Message, ae.Fields, status, code)
	}
	if ae.Message == "" {
		t.Errorf("%s has no message", code)
	}
	return ae
}

// wantInvalidJSON asserts err is a 400 INVALID_JSON.
func wantInvalidJSON(t *testing.T, err error) {
	t.Helper()
	ae := apiError(t, err, http.StatusBadRequest, apierror.CodeInvalidJSON)
	if len(ae.Fields) != 0 {
		t.Errorf("INVALID_JSON with fields %v", ae.Fields)
	}
}

// wantFields asserts err is a 400 VALIDATION_ERROR naming exactly paths
// (in any order, each once), every one with a message.
func wantFields(t *testing.T, err error, paths ...string) {
	t.Helper()
	ae := apiError(t, err, http.StatusBadRequest, apierror.CodeValidation)
	var got []string
	for _, f := range ae.Fields {
		got = append(got, f.Field)
		if f.Message == "" {
			t.Errorf("field %s has no message", f.Field)
		}
	}
	want := slices.Clone(paths)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("invalid fields %q, want %q (errors %v)", got, want, ae.Fields)
	}
}

// wantDoc asserts that there is no error and doc is want.
func wantDoc(t *testing.T, doc customer.Document, err error, want customer.Document) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error %v", describe(err))
	}
	for i := range doc {
		if doc[i] != want[i] {
			t.Errorf("%s: got %+v, want %+v", customer.Fields[i].Path, doc[i], want[i])
		}
	}
}

func describe(err error) string {
	var ae *apierror.Error
	if errors.As(err, &ae) {
		return err.Error() + " " + strconv.Quote(fmtFields(ae.Fields))
	}
	return err.Error()
}

func fmtFields(fs []apierror.FieldError) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return strings.Join(parts, "; ")
}

// expectedValue is the value a valid raw JSON member of field i decodes to.
func expectedValue(t *testing.T, i customer.Index, raw string) customer.Value {
	t.Helper()
	f := customer.Fields[i]
	switch f.Kind {
	case customer.KindString:
		var s string
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatal(err)
		}
		if f.Trim {
			s = strings.TrimSpace(s)
		}
		return customer.String(s)
	case customer.KindInteger:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return customer.Integer(n)
	case customer.KindNumber:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			t.Fatal(err)
		}
		return customer.Number(x)
	default:
		return customer.Boolean(raw == "true")
	}
}

// jsonString decodes a JSON string.
func jsonString(raw string, s *string) error { return json.Unmarshal([]byte(raw), s) }
