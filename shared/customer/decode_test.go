package customer_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
)

// TestSeedFixture checks that testdata/seed_post.json, the example
// registration body, decodes to exactly its values.
func TestSeedFixture(t *testing.T) {
	doc, err := customer.DecodeCreate(readFixture(t, "seed_post.json"))
	wantDoc(t, doc, err, seedDoc())
}

// TestDecodeUpdateSeed decodes the example update body, testdata/seed_put.json.
func TestDecodeUpdateSeed(t *testing.T) {
	doc, err := customer.DecodeUpdate(readFixture(t, "seed_put.json"), baseID)
	want := seedDoc()
	want[customer.CustomerID] = customer.Entry{}
	want.Set(customer.CustomerName, customer.String("Updated Dewatering Solutions Inc"))
	want.Set(customer.Description, customer.String("Updated municipal water management services"))
	want.Set(customer.Email, customer.String("updated-contact@dewatering-solutions.com"))
	want.Set(customer.Phone, customer.String("+1-555-9999"))
	want.Set(customer.Street, customer.String("456 New Industrial Drive"))
	want.Set(customer.DataRetentionDays, customer.Integer(730))
	want.Set(customer.AlertFrequency, customer.String("hourly"))
	wantDoc(t, doc, err, want)
}

// TestValidationErrors: every broken rule, unknown field and wrong type is
// reported at once, each by its dot path.
func TestValidationErrors(t *testing.T) {
	allBad := func(t *testing.T) []byte {
		m := fullBody(t)
		setPath(m, "customerId", q("FST-1-x"))
		setPath(m, "customerName", q("  "))
		setPath(m, "description", q(rep("x", 2001)))
		setPath(m, "contactInfo.email", q("Bob <b@c.d>"))
		setPath(m, "contactInfo.phone", q("12345"))
		setPath(m, "contactInfo.address.street", q(rep("s", 257)))
		setPath(m, "contactInfo.address.city", q(rep("s", 257)))
		setPath(m, "contactInfo.address.state", q(rep("s", 257)))
		setPath(m, "contactInfo.address.country", q(rep("s", 257)))
		setPath(m, "contactInfo.address.postalCode", "62701")
		setPath(m, "businessInfo.industry", q(rep("s", 257)))
		setPath(m, "businessInfo.sector", "null") // fine: optional
		setPath(m, "businessInfo.timezone", q("Local"))
		setPath(m, "settings.dataRetentionDays", `"365"`)
		setPath(m, "settings.alertFrequency", q("monthly"))
		setPath(m, "settings.reportingEnabled", "1")
		setPath(m, "location.latitude", "90.0001")
		setPath(m, "location.longitude", `"1"`)
		setPath(m, "status", q("active"))
		setPath(m, "fax", q("x"))
		setPath(m, "contactInfo.fax", q("x"))
		return marshal(t, m)
	}
	allBadPaths := []string{
		"customerId", "customerName", "description", "contactInfo.email", "contactInfo.phone",
		"contactInfo.address.street", "contactInfo.address.city", "contactInfo.address.state",
		"contactInfo.address.country", "contactInfo.address.postalCode", "businessInfo.industry",
		"businessInfo.timezone", "settings.dataRetentionDays", "settings.alertFrequency",
		"settings.reportingEnabled", "location.latitude", "location.longitude", "status",
		"fax", "contactInfo.fax",
	}
	full := func(t *testing.T) []byte { return readFixture(t, "full_post.json") }
	lit := func(s string) func(*testing.T) []byte { return func(*testing.T) []byte { return []byte(s) } }
	with := func(path, raw string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return bodyWith(t, path, raw) }
	}
	without := func(paths ...string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return bodyWithout(t, paths...) }
	}
	plus := func(members string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return withMembers(full(t), members) }
	}

	cases := []struct {
		name string
		body func(*testing.T) []byte
		want []string
	}{
		{"every field invalid at once", allBad, allBadPaths},

		// unknown fields, by dot path
		{"unknown top-level", plus(`"fax":"x"`), []string{"fax"}},
		{"unknown top-level null", plus(`"fax":null`), []string{"fax"}},
		{"unknown nested in contactInfo", with("contactInfo.fax", q("x")), []string{"contactInfo.fax"}},
		{"unknown nested in settings", with("settings.foo", "1"), []string{"settings.foo"}},
		{"unknown nested in address", with("contactInfo.address.zip", q("1")), []string{"contactInfo.address.zip"}},
		{"unknown nested in businessInfo", with("businessInfo.size", q("big")), []string{"businessInfo.size"}},
		{"unknown nested in location", with("location.altitude", "1"), []string{"location.altitude"}},
		{"object below a leaf name", with("contactInfo.email.x", q("a@b.c")), []string{"contactInfo.email"}},
		{"keys are case-sensitive", plus(`"CustomerId":"FST-12345678-a"`), []string{"CustomerId"}},
		{"response-only field", plus(`"createdAt":"2024-01-01T00:00:00Z"`), []string{"createdAt"}},
		{"limits are not settable", plus(`"limits":{"maxDevices":1}`), []string{"limits"}},
		{"apiKeys are not settable", plus(`"apiKeys":{"primary":"k"}`), []string{"apiKeys"}},
		{"two unknown", plus(`"a":1,"b":{"c":2}`), []string{"a", "b"}},

		// duplicate keys
		{"duplicate leaf", plus(`"status":"ACTIVE"`), []string{"status"}},
		{"duplicate leaf, other value", plus(`"customerName":"Other"`), []string{"customerName"}},
		{"duplicate object", plus(`"settings":{"alertFrequency":"daily"}`), []string{"settings"}},
		{"duplicate nested leaf", lit(`{"customerId":"FST-12345678-a","customerName":"A","status":"ACTIVE",
			"contactInfo":{"email":"a@b.c","email":"a@b.c"}}`), []string{"contactInfo.email"}},
		{"duplicate in address", lit(`{"customerId":"FST-12345678-a","customerName":"A","status":"ACTIVE",
			"contactInfo":{"email":"a@b.c","address":{"city":"X","city":"Y"}}}`), []string{"contactInfo.address.city"}},
		{"duplicate null", plus(`"description":null`), []string{"description"}},

		// wrong types for objects
		{"contactInfo string", with("contactInfo", q("x")), []string{"contactInfo"}},
		{"contactInfo array", with("contactInfo", `[{"email":"a@b.c"}]`), []string{"contactInfo"}},
		{"settings array", with("settings", "[]"), []string{"settings"}},
		{"settings number", with("settings", "1"), []string{"settings"}},
		{"businessInfo bool", with("businessInfo", "true"), []string{"businessInfo"}},
		{"location string", with("location", q("39.78,-89.65")), []string{"location"}},
		{"address string", with("contactInfo.address", q("123 Main St")), []string{"contactInfo.address"}},
		{"address array", with("contactInfo.address", `["a","b"]`), []string{"contactInfo.address"}},
		{"object for a leaf", with("customerName", `{"first":"A"}`), []string{"customerName"}},
		{"array for a leaf", with("status", `["ACTIVE"]`), []string{"status"}},
		{"nested value for a leaf, then more errors", lit(`{"customerId":"FST-12345678-a","customerName":{"a":[1,{"b":[]}]},
			"status":"nope","contactInfo":{"email":"a@b.c"}}`), []string{"customerName", "status"}},

		// missing required fields on POST
		{"empty object", lit(`{}`), []string{"customerId", "customerName", "contactInfo.email", "status"}},
		{"empty contactInfo", lit(`{"contactInfo":{}}`), []string{"customerId", "customerName", "contactInfo.email", "status"}},
		{"missing customerId", without("customerId"), []string{"customerId"}},
		{"missing customerName", without("customerName"), []string{"customerName"}},
		{"missing contactInfo.email", without("contactInfo.email"), []string{"contactInfo.email"}},
		{"missing contactInfo", without("contactInfo"), []string{"contactInfo.email"}},
		{"missing status", without("status"), []string{"status"}},
		{"missing all required", without("customerId", "customerName", "contactInfo", "status"),
			[]string{"customerId", "customerName", "contactInfo.email", "status"}},
		{"missing and invalid", func(t *testing.T) []byte {
			m := fullBody(t)
			deletePath(m, "status")
			setPath(m, "customerName", q(""))
			return marshal(t, m)
		}, []string{"status", "customerName"}},

		// null for a required field on POST
		{"null customerId", with("customerId", "null"), []string{"customerId"}},
		{"null customerName", with("customerName", "null"), []string{"customerName"}},
		{"null email", with("contactInfo.email", "null"), []string{"contactInfo.email"}},
		{"null status", with("status", "null"), []string{"status"}},
		{"null contactInfo", with("contactInfo", "null"), []string{"contactInfo"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := customer.DecodeCreate(c.body(t))
			wantFields(t, err, c.want...)
		})
	}
}

// TestCreateAccepts: valid POST bodies and what they decode to.
func TestCreateAccepts(t *testing.T) {
	minimal := func() customer.Document {
		var d customer.Document
		d.Set(customer.CustomerID, customer.String("FST-12345678-a"))
		d.Set(customer.CustomerName, customer.String("A"))
		d.Set(customer.Email, customer.String("a@b.c"))
		d.Set(customer.Status, customer.String("ACTIVE"))
		return d
	}
	const minBody = `{"customerId":"FST-12345678-a","customerName":"A","contactInfo":{"email":"a@b.c"},"status":"ACTIVE"`
	noLocation := fullDoc()
	noLocation[customer.Latitude] = customer.Entry{}
	noLocation[customer.Longitude] = customer.Entry{}
	noBusiness := fullDoc()
	noBusiness[customer.Industry] = customer.Entry{}
	noBusiness[customer.Sector] = customer.Entry{}
	noBusiness[customer.Timezone] = customer.Entry{}
	noDescription := fullDoc()
	noDescription[customer.Description] = customer.Entry{}
	cases := []struct {
		name string
		body func(*testing.T) []byte
		want customer.Document
	}{
		{"minimal", func(*testing.T) []byte { return []byte(minBody + "}") }, minimal()},
		{"surrounding white space", func(*testing.T) []byte { return []byte(" \r\n\t" + minBody + "} \n") }, minimal()},
		{"escaped characters", func(*testing.T) []byte {
			return []byte(`{"customerId":"FST-12345678-\u0061","customerName":"\u00e9\ud83d\ude00\"\\\/","contactInfo":{"email":"a@b.c"},"status":"ACTIVE"}`)
		}, func() customer.Document {
			d := minimal()
			d.Set(customer.CustomerName, customer.String("é😀\"\\/"))
			return d
		}()},
		{"empty objects", func(*testing.T) []byte {
			return []byte(minBody + `,"businessInfo":{},"settings":{},"location":{}}`)
		}, minimal()},
		{"null optional leaf is absent", func(t *testing.T) []byte { return bodyWith(t, "description", "null") }, noDescription},
		{"null optional object is absent", func(t *testing.T) []byte { return bodyWith(t, "businessInfo", "null") }, noBusiness},
		{"null location is absent", func(t *testing.T) []byte { return bodyWith(t, "location", "null") }, noLocation},
		{"null optional leaves are absent", func(t *testing.T) []byte {
			return bodyWith(t, "location", `{"latitude":null,"longitude":null}`)
		}, noLocation},
		{"seed without location", func(t *testing.T) []byte { return readFixture(t, "seed_post.json") }, seedDoc()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := customer.DecodeCreate(c.body(t))
			wantDoc(t, doc, err, c.want)
		})
	}
}

// TestUpdate: what PUT bodies decode to. Absent keeps, Null clears.
func TestUpdate(t *testing.T) {
	null := func(is ...customer.Index) customer.Document {
		var d customer.Document
		for _, i := range is {
			d[i] = customer.Entry{State: customer.Null}
		}
		return d
	}
	set := func(i customer.Index, v customer.Value) customer.Document {
		var d customer.Document
		d.Set(i, v)
		return d
	}
	cases := []struct {
		name string
		body string
		want customer.Document
	}{
		{"empty", `{}`, customer.Document{}},
		{"empty with white space", " {\n} ", customer.Document{}},
		{"customerId equal to the path id", `{"customerId":"` + baseID + `"}`, customer.Document{}},
		{"null description", `{"description":null}`, null(customer.Description)},
		{"null phone", `{"contactInfo":{"phone":null}}`, null(customer.Phone)},
		{"null city", `{"contactInfo":{"address":{"city":null}}}`, null(customer.City)},
		{"null address", `{"contactInfo":{"address":null}}`,
			null(customer.Street, customer.City, customer.AddressState, customer.Country, customer.PostalCode)},
		{"null businessInfo", `{"businessInfo":null}`, null(customer.Industry, customer.Sector, customer.Timezone)},
		{"null settings", `{"settings":null}`, null(customer.DataRetentionDays, customer.AlertFrequency, customer.ReportingEnabled)},
		{"null location", `{"location":null}`, null(customer.Latitude, customer.Longitude)},
		{"null latitude", `{"location":{"latitude":null}}`, null(customer.Latitude)},
		{"empty objects change nothing", `{"contactInfo":{"address":{}},"businessInfo":{},"settings":{},"location":{}}`, customer.Document{}},
		{"name stored trimmed", `{"customerName":"  Acme  "}`, set(customer.CustomerName, customer.String("Acme"))},
		{"status", `{"status":"SUSPENDED"}`, set(customer.Status, customer.String("SUSPENDED"))},
		{"email alone", `{"contactInfo":{"email":"x@y.z"}}`, set(customer.Email, customer.String("x@y.z"))},
		{"reporting false", `{"settings":{"reportingEnabled":false}}`, set(customer.ReportingEnabled, customer.Boolean(false))},
		{"mixed set and null", `{"businessInfo":null,"settings":{"dataRetentionDays":30,"alertFrequency":null}}`, func() customer.Document {
			d := null(customer.Industry, customer.Sector, customer.Timezone, customer.AlertFrequency)
			d.Set(customer.DataRetentionDays, customer.Integer(30))
			return d
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := customer.DecodeUpdate([]byte(c.body), baseID)
			wantDoc(t, doc, err, c.want)
		})
	}
}

// TestUpdateValidationErrors: PUT-specific failures.
func TestUpdateValidationErrors(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []string
	}{
		{"null customerName", `{"customerName":null}`, []string{"customerName"}},
		{"null status", `{"status":null}`, []string{"status"}},
		{"null email", `{"contactInfo":{"email":null}}`, []string{"contactInfo.email"}},
		{"null customerId", `{"customerId":null}`, []string{"customerId"}},
		{"null contactInfo", `{"contactInfo":null}`, []string{"contactInfo"}},
		{"null contactInfo and status", `{"contactInfo":null,"status":null}`, []string{"contactInfo", "status"}},
		{"customerId differs", `{"customerId":"FST-12345678-other"}`, []string{"customerId"}},
		{"customerId differs in case", `{"customerId":"` + strings.Replace(baseID, "New", "new", 1) + `"}`, []string{"customerId"}},
		{"customerId malformed", `{"customerId":"x"}`, []string{"customerId"}},
		{"customerId not a string", `{"customerId":1}`, []string{"customerId"}},
		{"unknown", `{"fax":"x"}`, []string{"fax"}},
		{"unknown nested", `{"settings":{"foo":true}}`, []string{"settings.foo"}},
		{"duplicate", `{"status":"ACTIVE","status":"INACTIVE"}`, []string{"status"}},
		{"duplicate object", `{"location":{},"location":{}}`, []string{"location"}},
		{"contactInfo string", `{"contactInfo":"x"}`, []string{"contactInfo"}},
		{"settings array", `{"settings":[]}`, []string{"settings"}},
		{"several", `{"customerName":"","contactInfo":{"phone":"1","fax":"2"},"location":{"latitude":"1","longitude":181},"status":null}`,
			[]string{"customerName", "contactInfo.phone", "contactInfo.fax", "location.latitude", "location.longitude", "status"}},
		{"different id with other errors", `{"customerId":"FST-12345678-b","status":"x"}`, []string{"customerId", "status"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := customer.DecodeUpdate([]byte(c.body), baseID)
			wantFields(t, err, c.want...)
		})
	}
}

// TestUpdateCustomerID: a PUT body may repeat the path id, and it is then
// not an update; any other id is rejected.
func TestUpdateCustomerID(t *testing.T) {
	for _, id := range []string{baseID, "FST-12345678-a", "FST-12345678901234-" + rep("z", 64)} {
		doc, err := customer.DecodeUpdate([]byte(`{"customerId":"`+id+`","status":"INACTIVE"}`), id)
		var want customer.Document
		want.Set(customer.Status, customer.String("INACTIVE"))
		wantDoc(t, doc, err, want)
		if doc[customer.CustomerID].State != customer.Absent {
			t.Errorf("customerId state %v, want Absent", doc[customer.CustomerID].State)
		}
		_, err = customer.DecodeUpdate([]byte(`{"customerId":"`+id+`"}`), id+"x")
		wantFields(t, err, "customerId")
	}
}

// TestInvalidJSON: a body that is not one well-formed JSON object.
func TestInvalidJSON(t *testing.T) {
	bodies := map[string]string{
		"empty":                    "",
		"white space":              " \n\t",
		"null":                     "null",
		"array":                    "[]",
		"array of object":          `[{}]`,
		"string":                   `"x"`,
		"number":                   "1",
		"true":                     "true",
		"open brace":               "{",
		"truncated after key":      `{"customerId"`,
		"truncated after colon":    `{"customerId":`,
		"truncated value":          `{"customerId":"FST-1`,
		"truncated after value":    `{"status":"ACTIVE"`,
		"truncated after comma":    `{"status":"ACTIVE",`,
		"truncated nested":         `{"contactInfo":{"email":"a@b.c"}`,
		"truncated unknown":        `{"x":[1,2,{"a":`,
		"two objects":              "{} {}",
		"two objects, no space":    "{}{}",
		"trailing letter":          "{}x",
		"trailing brace":           "{}}",
		"trailing bracket":         "{}]",
		"trailing comma in object": `{"status":"ACTIVE",}`,
		"trailing comma nested":    `{"contactInfo":{"email":"a@b.c",}}`,
		"trailing comma in array":  `{"x":[1,]}`,
		"leading comma":            `{,"status":"ACTIVE"}`,
		"missing colon":            `{"status" "ACTIVE"}`,
		"missing comma":            `{"status":"ACTIVE" "customerName":"A"}`,
		"missing value":            `{"status":}`,
		"single quotes":            `{'status':'ACTIVE'}`,
		"unquoted key":             `{status:"ACTIVE"}`,
		"number key":               `{1:"x"}`,
		"NaN":                      `{"location":{"latitude":NaN}}`,
		"Infinity":                 `{"location":{"latitude":Infinity}}`,
		"leading zero":             `{"settings":{"dataRetentionDays":0365}}`,
		"plus sign":                `{"settings":{"dataRetentionDays":+365}}`,
		"hex":                      `{"settings":{"dataRetentionDays":0x16d}}`,
		"bare dot":                 `{"location":{"latitude":.5}}`,
		"True":                     `{"settings":{"reportingEnabled":True}}`,
		"undefined":                `{"description":undefined}`,
		"comment":                  `{"status":"ACTIVE" /* x */}`,
		"bad escape":               `{"customerName":"a\x"}`,
		"short unicode escape":     `{"customerName":"\u12"}`,
		"raw control character":    "{\"customerName\":\"a\x01b\"}",
		"raw newline in string":    "{\"customerName\":\"a\nb\"}",
		"unterminated string":      `{"customerName":"abc}`,
		"invalid UTF-8 byte":       "{\"customerName\":\"\xff\"}",
		"truncated UTF-8":          "{\"customerName\":\"a\xc3\"}",
		"overlong UTF-8":           "{\"customerName\":\"\xc0\xaf\"}",
		"UTF-16 surrogate bytes":   "{\"customerName\":\"\xed\xa0\x80\"}",
		"invalid UTF-8 in key":     "{\"\xfe\":1}",
		"invalid UTF-8 outside":    "{}\xff",
		"only invalid UTF-8":       "\xff",
		"byte order mark":          "\xef\xbb\xbf{}",
		"NUL byte":                 "{}\x00",
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			doc, err := customer.DecodeCreate([]byte(body))
			wantInvalidJSON(t, err)
			if doc != (customer.Document{}) {
				t.Errorf("DecodeCreate returned a document with an error: %+v", doc)
			}
			doc, err = customer.DecodeUpdate([]byte(body), baseID)
			wantInvalidJSON(t, err)
			if doc != (customer.Document{}) {
				t.Errorf("DecodeUpdate returned a document with an error: %+v", doc)
			}
		})
	}
}

// TestInvalidJSONWinsOverValidation: a syntax error anywhere makes the whole
// body INVALID_JSON, even after fields that broke rules.
func TestInvalidJSONWinsOverValidation(t *testing.T) {
	for _, body := range []string{
		`{"status":"bad","fax":1,"customerName":`,
		`{"status":"bad"}x`,
		`{"status":"bad","x":[1,]}`,
	} {
		_, err := customer.DecodeCreate([]byte(body))
		wantInvalidJSON(t, err)
		_, err = customer.DecodeUpdate([]byte(body), baseID)
		wantInvalidJSON(t, err)
	}
}

// TestDeepNesting: a deeply nested value is an error, never a panic or a
// stack overflow. A well-formed one under an unknown key may be reported
// either as INVALID_JSON (a nesting limit) or as the unknown field.
func TestDeepNesting(t *testing.T) {
	const depth = 20000
	arrays := rep("[", depth) + rep("]", depth)
	objects := rep(`{"a":`, depth) + "1" + rep("}", depth)
	mixed := rep(`[{"a":`, depth/2) + "1" + rep("}]", depth/2)

	// Each body is otherwise valid for both POST and PUT, so the deep member
	// is the only thing wrong.
	body := func(member string) string {
		b := `{"customerId":"` + baseID + `","customerName":"A","status":"ACTIVE",` + member
		if !strings.HasPrefix(member, `"contactInfo"`) {
			b += `,"contactInfo":{"email":"a@b.c"}`
		}
		return b + "}"
	}
	wellFormed := []struct {
		name, member, field string
	}{
		{"arrays under unknown key", `"deep":` + arrays, "deep"},
		{"objects under unknown key", `"deep":` + objects, "deep"},
		{"mixed under unknown key", `"deep":` + mixed, "deep"},
		{"arrays under unknown nested key", `"settings":{"deep":` + arrays + `}`, "settings.deep"},
		{"arrays as a leaf", `"description":` + arrays, "description"},
		{"objects as a leaf", `"location":{"latitude":` + objects + `}`, "location.latitude"},
		{"arrays as an object", `"contactInfo":` + arrays, "contactInfo"},
	}
	for _, c := range wellFormed {
		t.Run(c.name, func(t *testing.T) {
			for _, decode := range decoders() {
				_, err := decode([]byte(body(c.member)))
				var ae *apierror.Error
				if !errors.As(err, &ae) {
					t.Fatalf("got %v, want an *apierror.Error", err)
				}
				if ae.Code == apierror.CodeInvalidJSON {
					wantInvalidJSON(t, err)
					continue
				}
				wantFields(t, err, c.field)
			}
		})
	}
	// The same bodies without the deep member are valid.
	for _, decode := range decoders() {
		if _, err := decode([]byte(body(`"description":"x"`))); err != nil {
			t.Fatalf("base body rejected: %v", describe(err))
		}
	}
	malformed := map[string]string{
		"unclosed arrays":          `{"deep":` + rep("[", depth),
		"unclosed arrays, closed":  `{"deep":` + rep("[", depth) + `}`,
		"one bracket short":        `{"deep":` + rep("[", depth) + rep("]", depth-1) + `}`,
		"unclosed objects":         `{"deep":` + rep(`{"a":`, depth) + "1",
		"arrays after the object":  `{}` + arrays,
		"arrays as the body":       arrays,
		"mismatched deep brackets": `{"deep":` + rep("[", depth) + rep("}", depth) + `}`,
	}
	for name, body := range malformed {
		t.Run(name, func(t *testing.T) {
			for _, decode := range decoders() {
				_, err := decode([]byte(body))
				wantInvalidJSON(t, err)
			}
		})
	}
}

func decoders() []func([]byte) (customer.Document, error) {
	return []func([]byte) (customer.Document, error){
		customer.DecodeCreate,
		func(b []byte) (customer.Document, error) { return customer.DecodeUpdate(b, baseID) },
	}
}

// TestUnknownValueSkipped: an unknown member's value, however nested, is
// skipped exactly, so the members after it are still read and checked.
func TestUnknownValueSkipped(t *testing.T) {
	big := `{"a":[1,{"b":[[],{},"]}",{"c":null}]},"x\"}"],"d":{"e":{"f":{"g":[true,false,null,-1.5e3]}}},"h":"{["}`
	cases := []struct {
		name string
		body string
		want []string
	}{
		{"then invalid fields", `{"junk":` + big + `,"status":"bogus","location":{"latitude":100}}`,
			[]string{"junk", "status", "location.latitude"}},
		{"nested, then invalid fields", `{"settings":{"junk":` + big + `,"alertFrequency":"never"},"customerName":""}`,
			[]string{"settings.junk", "settings.alertFrequency", "customerName"}},
		{"then valid fields", `{"junk":` + big + `,"status":"ACTIVE","customerName":"A"}`, []string{"junk"}},
		{"array of objects", `{"junk":[` + big + `,` + big + `],"status":1}`, []string{"junk", "status"}},
		{"duplicate's value skipped", `{"status":"ACTIVE","status":` + big + `,"customerName":2}`, []string{"status", "customerName"}},
		{"wrong-type object skipped", `{"settings":[` + big + `],"location":{"longitude":-181}}`, []string{"settings", "location.longitude"}},
		{"wrong-type leaf skipped", `{"description":` + big + `,"contactInfo":{"phone":"x"}}`, []string{"description", "contactInfo.phone"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := customer.DecodeUpdate([]byte(c.body), baseID)
			wantFields(t, err, c.want...)
		})
	}
	// On POST too: the required fields after the unknown one are found.
	body := withMembers([]byte(`{"junk":`+big+`}`), `"customerId":"FST-12345678-a","customerName":"A","contactInfo":{"email":"a@b.c"},"status":"ACTIVE"`)
	_, err := customer.DecodeCreate(body)
	wantFields(t, err, "junk")
}

// TestErrorShape: VALIDATION_ERROR is a 400 with a readable message and
// one entry per field; the decoders return no document with an error.
func TestErrorShape(t *testing.T) {
	doc, err := customer.DecodeCreate([]byte(`{"status":"x"}`))
	ae := apiError(t, err, http.StatusBadRequest, apierror.CodeValidation)
	if len(ae.Fields) != 4 {
		t.Errorf("fields %v, want 4", ae.Fields)
	}
	if doc != (customer.Document{}) {
		t.Errorf("document returned with an error: %+v", doc)
	}
	doc, err = customer.DecodeUpdate([]byte(`{"status":"x","description":"ok"}`), baseID)
	wantFields(t, err, "status")
	if doc != (customer.Document{}) {
		t.Errorf("document returned with an error: %+v", doc)
	}
}
