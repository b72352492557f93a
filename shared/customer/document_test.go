package customer_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xcloud/customers/shared/customer"
)

// TestMerge: the changes are the leaves whose stored value changed, in the
// contract's field order.
func TestMerge(t *testing.T) {
	stored := fullDoc()
	null := customer.Entry{State: customer.Null}
	cases := []struct {
		name    string
		update  func() customer.Document
		changes []string
		merged  func() customer.Document
	}{
		{"empty update", func() customer.Document { return customer.Document{} }, []string{}, fullDoc},
		{"same values", func() customer.Document {
			u := fullDoc()
			u[customer.CustomerID] = customer.Entry{}
			return u
		}, []string{}, fullDoc},
		{"changes in field order", func() customer.Document {
			var u customer.Document
			u.Set(customer.Status, customer.String("SUSPENDED"))
			u.Set(customer.Longitude, customer.Number(1))
			u.Set(customer.DataRetentionDays, customer.Integer(30))
			u.Set(customer.Email, customer.String("new@example.com"))
			u.Set(customer.CustomerName, customer.String("New"))
			u.Set(customer.PostalCode, customer.String("62702"))
			u.Set(customer.Street, customer.String("123 Industrial Drive")) // unchanged
			return u
		}, []string{"customerName", "contactInfo.email", "contactInfo.address.postalCode",
			"settings.dataRetentionDays", "location.longitude", "status"}, func() customer.Document {
			d := fullDoc()
			d.Set(customer.Status, customer.String("SUSPENDED"))
			d.Set(customer.Longitude, customer.Number(1))
			d.Set(customer.DataRetentionDays, customer.Integer(30))
			d.Set(customer.Email, customer.String("new@example.com"))
			d.Set(customer.CustomerName, customer.String("New"))
			d.Set(customer.PostalCode, customer.String("62702"))
			return d
		}},
		{"null on set is a change", func() customer.Document {
			var u customer.Document
			u[customer.Timezone] = null
			u[customer.Description] = null
			return u
		}, []string{"description", "businessInfo.timezone"}, func() customer.Document {
			d := fullDoc()
			d[customer.Timezone] = customer.Entry{}
			d[customer.Description] = customer.Entry{}
			return d
		}},
		{"bool flip", func() customer.Document {
			var u customer.Document
			u.Set(customer.ReportingEnabled, customer.Boolean(false))
			return u
		}, []string{"settings.reportingEnabled"}, func() customer.Document {
			d := fullDoc()
			d.Set(customer.ReportingEnabled, customer.Boolean(false))
			return d
		}},
		{"numbers compared by value", func() customer.Document {
			var u customer.Document
			u.Set(customer.Latitude, customer.Number(39.7817))
			u.Set(customer.Longitude, customer.Number(-89.6501))
			u.Set(customer.DataRetentionDays, customer.Integer(365))
			return u
		}, []string{}, fullDoc},
		{"smallest number change", func() customer.Document {
			var u customer.Document
			u.Set(customer.Latitude, customer.Number(math.Nextafter(39.7817, 90)))
			return u
		}, []string{"location.latitude"}, func() customer.Document {
			d := fullDoc()
			d.Set(customer.Latitude, customer.Number(math.Nextafter(39.7817, 90)))
			return d
		}},
		{"string case matters", func() customer.Document {
			var u customer.Document
			u.Set(customer.City, customer.String("SPRINGFIELD"))
			return u
		}, []string{"contactInfo.address.city"}, func() customer.Document {
			d := fullDoc()
			d.Set(customer.City, customer.String("SPRINGFIELD"))
			return d
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := stored
			merged, changes := customer.Merge(stored, c.update())
			if changes == nil || !slices.Equal(changes, c.changes) {
				t.Errorf("changes %#v, want %#v", changes, c.changes)
			}
			if merged != c.merged() {
				t.Errorf("merged %+v\nwant %+v", merged, c.merged())
			}
			if stored != before {
				t.Errorf("Merge changed the stored document")
			}
		})
	}
}

// TestMergeSparse: Null on an absent field is no change; Set on an absent
// field is.
func TestMergeSparse(t *testing.T) {
	var stored customer.Document
	stored.Set(customer.CustomerID, customer.String(baseID))
	stored.Set(customer.CustomerName, customer.String("A"))
	stored.Set(customer.Email, customer.String("a@b.c"))
	stored.Set(customer.Status, customer.String("ACTIVE"))

	var u customer.Document
	for i := customer.Phone; i <= customer.Longitude; i++ {
		u[i] = customer.Entry{State: customer.Null}
	}
	merged, changes := customer.Merge(stored, u)
	if changes == nil || len(changes) != 0 {
		t.Errorf("null on absent fields: changes %#v, want []", changes)
	}
	if merged != stored {
		t.Errorf("null on absent fields changed the document: %+v", merged)
	}

	u = customer.Document{}
	u.Set(customer.Sector, customer.String("Retail"))
	u.Set(customer.Phone, customer.String("1234567"))
	u.Set(customer.ReportingEnabled, customer.Boolean(false)) // zero value, still a change
	u.Set(customer.Latitude, customer.Number(0))              // zero value, still a change
	merged, changes = customer.Merge(stored, u)
	if want := []string{"contactInfo.phone", "businessInfo.sector", "settings.reportingEnabled", "location.latitude"}; !slices.Equal(changes, want) {
		t.Errorf("changes %q, want %q", changes, want)
	}
	want := stored
	want.Set(customer.Sector, customer.String("Retail"))
	want.Set(customer.Phone, customer.String("1234567"))
	want.Set(customer.ReportingEnabled, customer.Boolean(false))
	want.Set(customer.Latitude, customer.Number(0))
	if merged != want {
		t.Errorf("merged %+v, want %+v", merged, want)
	}
}

// TestMergeDecodedUpdates merges PUT bodies, as decoded, into a stored
// customer: numbers written differently are the same value, names compare
// trimmed, and the example update (testdata/seed_put.json) changes every
// leaf it alters.
func TestMergeDecodedUpdates(t *testing.T) {
	stored, err := customer.DecodeCreate(readFixture(t, "full_post.json"))
	if err != nil {
		t.Fatal(describe(err))
	}
	cases := []struct {
		name    string
		body    []byte
		changes []string
	}{
		{"seed PUT example", readFixture(t, "seed_put.json"), []string{
			"customerName", "description", "contactInfo.email", "contactInfo.phone",
			"contactInfo.address.street", "settings.dataRetentionDays", "settings.alertFrequency",
		}},
		{"whole body again", readFixture(t, "full_post.json"), []string{}},
		{"empty", []byte(`{}`), []string{}},
		{"numbers in other forms", []byte(`{"location":{"latitude":3.97817e1,"longitude":-89.65010},"settings":{"dataRetentionDays":365}}`), []string{}},
		{"name with spaces", []byte(`{"customerName":"  Dewatering Solutions Inc\t"}`), []string{}},
		{"null location", []byte(`{"location":null}`), []string{"location.latitude", "location.longitude"}},
		{"null businessInfo", []byte(`{"businessInfo":null}`), []string{"businessInfo.industry", "businessInfo.sector", "businessInfo.timezone"}},
		{"null and set in one object", []byte(`{"contactInfo":{"address":{"state":null,"city":"Springfield","country":"US"}}}`),
			[]string{"contactInfo.address.state", "contactInfo.address.country"}},
		{"status then name", []byte(`{"status":"INACTIVE","customerName":"B"}`), []string{"customerName", "status"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, err := customer.DecodeUpdate(c.body, baseID)
			if err != nil {
				t.Fatal(describe(err))
			}
			merged, changes := customer.Merge(stored, u)
			if changes == nil || !slices.Equal(changes, c.changes) {
				t.Errorf("changes %#v, want %#v", changes, c.changes)
			}
			// Merging the same update again changes nothing.
			again, changes := customer.Merge(merged, u)
			if len(changes) != 0 || again != merged {
				t.Errorf("second merge changed %q", changes)
			}
			if merged[customer.CustomerID] != stored[customer.CustomerID] {
				t.Errorf("customerId changed to %+v", merged[customer.CustomerID])
			}
			for i, e := range merged {
				if e.State != customer.Absent && e.State != customer.Set {
					t.Errorf("%s: merged state %d", customer.Fields[i].Path, e.State)
				}
			}
		})
	}
}

var (
	created = time.Date(2024, 1, 1, 10, 30, 0, 0, time.UTC)
	updated = time.Date(2024, 1, 2, 16, 30, 0, 0, time.UTC)
)

func render(doc customer.Document) []byte {
	c := customer.Customer{Fields: doc, Limits: customer.DefaultLimits, CreatedAt: created, UpdatedAt: updated, Version: 3}
	return c.AppendJSON(nil)
}

const tail = `"limits":{"maxDevices":100,"maxUsers":50,"maxDataPoints":1000000},"createdAt":"2024-01-01T10:30:00Z","updatedAt":"2024-01-02T16:30:00Z"}`

// TestAppendJSONExact pins the rendering: set fields only, in the
// contract's order, nested, empty objects left out.
func TestAppendJSONExact(t *testing.T) {
	doc := func(set func(*customer.Document)) customer.Document {
		var d customer.Document
		set(&d)
		return d
	}
	cases := []struct {
		name string
		doc  customer.Document
		want string
	}{
		{"seed", seedDoc(), `{"customerId":"FST-1536316721808-NewCustomer","customerName":"Dewatering Solutions Inc",` +
			`"description":"Municipal water management services","contactInfo":{"email":"contact@dewatering-solutions.com",` +
			`"phone":"+1-555-0123","address":{"street":"123 Industrial Drive","city":"Springfield","state":"IL",` +
			`"country":"USA","postalCode":"62701"}},"businessInfo":{"industry":"Water Management",` +
			`"sector":"Municipal Services","timezone":"America/Chicago"},"settings":{"dataRetentionDays":365,` +
			`"alertFrequency":"immediate","reportingEnabled":true},"status":"ACTIVE",` + tail},
		{"with location", fullDoc(), ""}, // checked below by parsing
		{"required only", doc(func(d *customer.Document) {
			d.Set(customer.CustomerID, customer.String("FST-12345678-a"))
			d.Set(customer.CustomerName, customer.String("A"))
			d.Set(customer.Email, customer.String("a@b.c"))
			d.Set(customer.Status, customer.String("ACTIVE"))
		}), `{"customerId":"FST-12345678-a","customerName":"A","contactInfo":{"email":"a@b.c"},"status":"ACTIVE",` + tail},
		{"address without email", doc(func(d *customer.Document) {
			d.Set(customer.City, customer.String("X"))
		}), `{"contactInfo":{"address":{"city":"X"}},` + tail},
		{"address then businessInfo", doc(func(d *customer.Document) {
			d.Set(customer.PostalCode, customer.String("1"))
			d.Set(customer.Sector, customer.String("2"))
		}), `{"contactInfo":{"address":{"postalCode":"1"}},"businessInfo":{"sector":"2"},` + tail},
		{"address then status", doc(func(d *customer.Document) {
			d.Set(customer.Street, customer.String("s"))
			d.Set(customer.Status, customer.String("INACTIVE"))
		}), `{"contactInfo":{"address":{"street":"s"}},"status":"INACTIVE",` + tail},
		{"phone and address", doc(func(d *customer.Document) {
			d.Set(customer.Phone, customer.String("1234567"))
			d.Set(customer.Country, customer.String("DE"))
		}), `{"contactInfo":{"phone":"1234567","address":{"country":"DE"}},` + tail},
		{"settings and location", doc(func(d *customer.Document) {
			d.Set(customer.ReportingEnabled, customer.Boolean(false))
			d.Set(customer.DataRetentionDays, customer.Integer(36500))
			d.Set(customer.Latitude, customer.Number(-90))
			d.Set(customer.Longitude, customer.Number(179.5))
		}), `{"settings":{"dataRetentionDays":36500,"reportingEnabled":false},"location":{"latitude":-90,"longitude":179.5},` + tail},
		{"location only", doc(func(d *customer.Document) {
			d.Set(customer.Longitude, customer.Number(0.0000001))
		}), `{"location":{"longitude":1e-7},` + tail}, // encoding/json's notation below 1e-6
		{"null and absent are left out", doc(func(d *customer.Document) {
			d[customer.Description] = customer.Entry{State: customer.Null}
			d[customer.Email] = customer.Entry{State: customer.Null}
			d.Set(customer.Status, customer.String("ACTIVE"))
		}), `{"status":"ACTIVE",` + tail},
		{"nothing set", customer.Document{}, `{` + tail},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(c.doc)
			if !json.Valid(got) {
				t.Fatalf("not valid JSON: %s", got)
			}
			if c.want != "" && string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			// Exactly the set fields, nested by their paths.
			var m map[string]any
			if err := json.Unmarshal(got, &m); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"limits":    map[string]any{"maxDevices": 100.0, "maxUsers": 50.0, "maxDataPoints": 1000000.0},
				"createdAt": "2024-01-01T10:30:00Z",
				"updatedAt": "2024-01-02T16:30:00Z",
			}
			for i, e := range c.doc {
				if e.State != customer.Set {
					continue
				}
				f := customer.Fields[i]
				o := want
				for _, s := range f.Segments[:len(f.Segments)-1] {
					if o[s] == nil {
						o[s] = map[string]any{}
					}
					o = o[s].(map[string]any)
				}
				o[f.Segments[len(f.Segments)-1]] = plain(e.Value)
			}
			if !reflect.DeepEqual(m, want) {
				t.Errorf("parsed %v\nwant   %v", m, want)
			}
		})
	}
}

// plain is a value as encoding/json decodes it into an interface.
func plain(v customer.Value) any {
	switch v.Kind {
	case customer.KindInteger:
		return float64(v.Int)
	case customer.KindNumber:
		return v.Num
	case customer.KindBoolean:
		return v.Bool
	default:
		return v.Str
	}
}

// TestAppendJSONPrefix: AppendJSON appends.
func TestAppendJSONPrefix(t *testing.T) {
	c := customer.Customer{Fields: seedDoc(), Limits: customer.DefaultLimits, CreatedAt: created, UpdatedAt: updated}
	got := c.AppendJSON([]byte(`[1,`))
	if !bytes.HasPrefix(got, []byte(`[1,{"customerId":`)) || !json.Valid(append(got, ']')) {
		t.Errorf("got %s", got)
	}
	if !bytes.Equal(got[3:], c.AppendJSON(nil)) {
		t.Errorf("prefix changed the rendering")
	}
}

// TestAppendJSONEscaping: strings come out as JSON strings that decode to
// the same text, with HTML's specials and control characters escaped (as
// encoding/json escapes them).
func TestAppendJSONEscaping(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"a/b", `"a/b"`},
		{"<script>&amp;</script>", `"\u003cscript\u003e\u0026amp;\u003c/script\u003e"`},
		{"line\nfeed\rreturn\ttab", `"line\nfeed\rreturn\ttab"`},
		{"\x00\x01\x08\x0c\x1f", `"\u0000\u0001\b\f\u001f"`},
		{"\x7f", "\"\x7f\""},
		{"é 日本 😀", `"é 日本 😀"`},
		{"\u2028\u2029", `"\u2028\u2029"`}, // JavaScript's line terminators, as encoding/json escapes them
		{"\u2020\u20ac\u2027\u202a", "\"\u2020\u20ac\u2027\u202a\""},
		{"", `""`},
		{`"\"`, `"\"\\\""`},
	}
	for _, c := range cases {
		var d customer.Document
		d.Set(customer.Description, customer.String(c.in))
		got := render(d)
		want := `{"description":` + c.want + `,` + tail
		if string(got) != want {
			t.Errorf("%q:\ngot  %s\nwant %s", c.in, got, want)
		}
		var m struct{ Description string }
		if err := json.Unmarshal(got, &m); err != nil || m.Description != c.in {
			t.Errorf("%q round-trips to %q (%v)", c.in, m.Description, err)
		}
	}
	// Keys and nested values are escaped alike.
	var d customer.Document
	d.Set(customer.City, customer.String("<\"\n>"))
	if got, want := string(render(d)), `{"contactInfo":{"address":{"city":"\u003c\"\n\u003e"}},`+tail; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for i := range customer.Fields {
		if customer.Fields[i].Kind != customer.KindString {
			continue
		}
		var d customer.Document
		d.Set(customer.Index(i), customer.String("<&>\"\\\x00"))
		if got := render(d); !json.Valid(got) || bytes.ContainsAny(got, "<>&\x00") {
			t.Errorf("%s: %s", customer.Fields[i].Path, got)
		}
	}
}

// TestAppendJSONTimes: times are RFC 3339 UTC with whole seconds.
func TestAppendJSONTimes(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	tokyo := time.FixedZone("JST", 9*3600)
	c := customer.Customer{
		Fields:    seedDoc(),
		Limits:    customer.Limits{MaxDevices: 1, MaxUsers: 2, MaxDataPoints: 3},
		CreatedAt: time.Date(2024, 1, 2, 10, 30, 0, 999999999, chicago),
		UpdatedAt: time.Date(2024, 7, 1, 0, 0, 5, 1, tokyo),
	}
	var m struct {
		Limits    map[string]int64
		CreatedAt string
		UpdatedAt string
	}
	if err := json.Unmarshal(c.AppendJSON(nil), &m); err != nil {
		t.Fatal(err)
	}
	if m.CreatedAt != "2024-01-02T16:30:00Z" || m.UpdatedAt != "2024-06-30T15:00:05Z" {
		t.Errorf("createdAt %s updatedAt %s", m.CreatedAt, m.UpdatedAt)
	}
	if !reflect.DeepEqual(m.Limits, map[string]int64{"maxDevices": 1, "maxUsers": 2, "maxDataPoints": 3}) {
		t.Errorf("limits %v", m.Limits)
	}
	for in, want := range map[time.Time]string{
		time.Date(2024, 1, 2, 16, 30, 0, 0, time.UTC):                     "2024-01-02T16:30:00Z",
		time.Date(2024, 1, 2, 16, 30, 59, 999999999, time.UTC):            "2024-01-02T16:30:59Z",
		time.Date(2024, 3, 10, 3, 0, 0, 0, chicago):                       "2024-03-10T08:00:00Z",
		time.Date(2023, 12, 31, 23, 0, 0, 0, time.FixedZone("", -5*3600)): "2024-01-01T04:00:00Z",
	} {
		if got := customer.Timestamp(in); got != want {
			t.Errorf("Timestamp(%v) = %s, want %s", in, got, want)
		}
	}
}

// TestRoundTrip: body -> DecodeCreate -> AppendJSON -> DecodeCreate gives the
// same document; for the seed it also gives back the seed's values.
func TestRoundTrip(t *testing.T) {
	bodies := map[string][]byte{
		"seed": readFixture(t, "seed_post.json"),
		"full": readFixture(t, "full_post.json"),
	}
	for _, c := range ruleCases() {
		if c.ok {
			bodies[c.path+"/"+c.name] = bodyWith(t, c.path, c.raw)
		}
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			doc, err := customer.DecodeCreate(body)
			if err != nil {
				t.Fatal(describe(err))
			}
			out := render(doc)
			m := parseObject(t, out)
			for _, k := range []string{"limits", "createdAt", "updatedAt"} {
				if _, ok := m[k]; !ok {
					t.Errorf("no %s in %s", k, out)
				}
				delete(m, k)
			}
			back, err := customer.DecodeCreate(marshal(t, m))
			wantDoc(t, back, err, doc)
		})
	}
	// The seed renders back to the seed body's values.
	seed := readFixture(t, "seed_post.json")
	doc, err := customer.DecodeCreate(seed)
	if err != nil {
		t.Fatal(describe(err))
	}
	var in, out map[string]any
	if err := json.Unmarshal(seed, &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(render(doc), &out); err != nil {
		t.Fatal(err)
	}
	delete(out, "limits")
	delete(out, "createdAt")
	delete(out, "updatedAt")
	if !reflect.DeepEqual(in, out) {
		t.Errorf("seed rendered as %v\nwant %v", out, in)
	}
}

func TestETag(t *testing.T) {
	c := customer.Customer{Version: 42}
	if c.ETag() != `"42"` || customer.ETag(1) != `"1"` {
		t.Errorf("ETag = %s, %s", c.ETag(), customer.ETag(1))
	}
	c.Fields.Set(customer.CustomerID, customer.String(baseID))
	if c.ID() != baseID {
		t.Errorf("ID = %q", c.ID())
	}
	var empty customer.Customer
	if empty.ID() != "" {
		t.Errorf("ID of empty customer = %q", empty.ID())
	}
	if !strings.HasPrefix(customer.ETag(-1), `"`) {
		t.Errorf("ETag(-1) = %s", customer.ETag(-1))
	}
}
