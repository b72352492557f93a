package localapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func fieldsOf(t *testing.T, m map[string]any) []string {
	t.Helper()
	list, _ := m["fields"].([]any)
	var out []string
	for _, f := range list {
		fe := f.(map[string]any)
		if msg, _ := fe["message"].(string); msg == "" {
			t.Errorf("field error without message: %v", fe)
		}
		out = append(out, fe["field"].(string))
	}
	return out
}

func TestBodyErrors(t *testing.T) {
	e := newEnv(t)
	e.register(cid(1), "ACTIVE")
	padded := func(n int) string { // a valid body of exactly n bytes
		b := minimal(cid(2), "ACTIVE")
		return b + strings.Repeat(" ", n-len(b))
	}
	for _, c := range []struct {
		name        string
		method      string
		body        string
		contentType *string
		status      int
		code        string
	}{
		{"empty", http.MethodPost, "", nil, 400, "INVALID_JSON"},
		{"not an object", http.MethodPost, `[1]`, nil, 400, "INVALID_JSON"},
		{"null", http.MethodPut, `null`, nil, 400, "INVALID_JSON"},
		{"truncated", http.MethodPost, `{"customerId":`, nil, 400, "INVALID_JSON"},
		{"trailing data", http.MethodPost, minimal(cid(2), "ACTIVE") + `{}`, nil, 400, "INVALID_JSON"},
		{"trailing comma", http.MethodPut, `{"status":"ACTIVE",}`, nil, 400, "INVALID_JSON"},
		{"invalid UTF-8", http.MethodPost, "{\"customerName\":\"\xff\"}", nil, 400, "INVALID_JSON"},
		{"single quotes", http.MethodPut, `{'status':'ACTIVE'}`, nil, 400, "INVALID_JSON"},
		{"64 KiB + 1", http.MethodPost, padded(64<<10 + 1), nil, 413, "PAYLOAD_TOO_LARGE"},
		{"1 MiB", http.MethodPut, `{"description":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "PAYLOAD_TOO_LARGE"},
		{"text/plain", http.MethodPost, minimal(cid(2), "ACTIVE"), str("text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"no content type", http.MethodPut, `{}`, str(""), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"latin1 charset", http.MethodPost, minimal(cid(2), "ACTIVE"), str("application/json; charset=latin1"), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"json-ish type", http.MethodPost, minimal(cid(2), "ACTIVE"), str("application/jsonx"), 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"unknown field", http.MethodPost, `{"customerId":"` + cid(2) + `","customerName":"n","contactInfo":{"email":"a@b.co"},"status":"ACTIVE","plan":"gold"}`, nil, 400, "VALIDATION_ERROR"},
		{"number as string", http.MethodPut, `{"settings":{"dataRetentionDays":"365"}}`, nil, 400, "VALIDATION_ERROR"},
		{"duplicate key", http.MethodPut, `{"status":"ACTIVE","status":"SUSPENDED"}`, nil, 400, "VALIDATION_ERROR"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			path := base
			if c.method == http.MethodPut {
				path += "/" + cid(1)
			}
			e.unchanged(func() {
				expectError(t, e.do(request{method: c.method, path: path, body: c.body, contentType: c.contentType}), c.status, c.code)
			})
		})
	}
	e.t = t
	// Exactly 64 KiB is accepted; so is charset=UTF-8.
	if r := e.do(request{method: http.MethodPost, path: base, body: padded(64 << 10)}); r.status != http.StatusCreated {
		t.Errorf("64 KiB body: %d %s", r.status, r.body)
	}
	if r := e.do(request{method: http.MethodPut, path: base + "/" + cid(1), body: `{}`, contentType: str("application/json; charset=UTF-8")}); r.status != http.StatusOK {
		t.Errorf("charset=UTF-8: %d %s", r.status, r.body)
	}
}

// One bad value per field rule, through POST and PUT; each must be named.
var badFields = []struct{ field, json string }{
	{"customerId", `"customerId":"FST-123-x"`},
	{"customerName", `"customerName":"   "`},
	{"description", `"description":"` + strings.Repeat("d", 2001) + `"`},
	{"contactInfo.email", `"contactInfo":{"email":"Jo <jo@example.com>"}`},
	{"contactInfo.phone", `"contactInfo":{"phone":"555-12"}`},
	{"contactInfo.address.street", `"contactInfo":{"address":{"street":"` + strings.Repeat("s", 257) + `"}}`},
	{"contactInfo.address.city", `"contactInfo":{"address":{"city":7}}`},
	{"contactInfo.address.state", `"contactInfo":{"address":{"state":"` + strings.Repeat("s", 257) + `"}}`},
	{"contactInfo.address.country", `"contactInfo":{"address":{"country":["USA"]}}`},
	{"contactInfo.address.postalCode", `"contactInfo":{"address":{"postalCode":"` + strings.Repeat("9", 257) + `"}}`},
	{"businessInfo.industry", `"businessInfo":{"industry":"` + strings.Repeat("i", 257) + `"}`},
	{"businessInfo.sector", `"businessInfo":{"sector":false}`},
	{"businessInfo.timezone", `"businessInfo":{"timezone":"Local"}`},
	{"settings.dataRetentionDays", `"settings":{"dataRetentionDays":36501}`},
	{"settings.alertFrequency", `"settings":{"alertFrequency":"monthly"}`},
	{"settings.reportingEnabled", `"settings":{"reportingEnabled":"true"}`},
	{"location.latitude", `"location":{"latitude":90.5}`},
	{"location.longitude", `"location":{"longitude":-180.5}`},
	{"status", `"status":"DELETED"`},
}

func TestEveryFieldRuleEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.register(cid(1), "ACTIVE")
	for _, f := range badFields {
		t.Run(f.field, func(t *testing.T) {
			e.t = t
			post := `{"customerId":"` + cid(2) + `","customerName":"n","contactInfo":{"email":"a@b.co"},"status":"ACTIVE"}`
			// Replace the member the bad one is about, so keys stay unique.
			top := strings.SplitN(f.field, ".", 2)[0]
			post = replaceMember(post, top, f.json)
			e.unchanged(func() {
				m := expectError(t, e.do(request{method: http.MethodPost, path: base, body: post}), 400, "VALIDATION_ERROR")
				if got := fieldsOf(t, m); !slices.Contains(got, f.field) {
					t.Errorf("POST fields %v, want %s; body %s", got, f.field, post)
				}
			})
			if f.field == "customerId" {
				return // customerId is checked against the path on PUT: below
			}
			e.unchanged(func() {
				m := expectError(t, e.do(request{method: http.MethodPut, path: base + "/" + cid(1), body: "{" + f.json + "}"}), 400, "VALIDATION_ERROR")
				if got := fieldsOf(t, m); !slices.Equal(got, []string{f.field}) {
					t.Errorf("PUT fields %v, want [%s]", got, f.field)
				}
			})
		})
	}
	e.t = t
	t.Run("all at once", func(t *testing.T) {
		e.t = t
		var members []string
		var want []string
		for _, f := range badFields[1:] {
			if !strings.Contains(f.json, `"contactInfo"`) && !strings.Contains(f.json, `"businessInfo"`) &&
				!strings.Contains(f.json, `"settings"`) && !strings.Contains(f.json, `"location"`) {
				members = append(members, f.json)
				want = append(want, f.field)
			}
		}
		members = append(members, `"contactInfo":{"email":"x","phone":"1","fax":"2"}`, `"settings":{"dataRetentionDays":0}`)
		want = append(want, "contactInfo.email", "contactInfo.phone", "contactInfo.fax", "settings.dataRetentionDays")
		e.unchanged(func() {
			m := expectError(t, e.do(request{method: http.MethodPut, path: base + "/" + cid(1), body: "{" + strings.Join(members, ",") + "}"}), 400, "VALIDATION_ERROR")
			got := fieldsOf(t, m)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("fields %v\nwant   %v", got, want)
			}
		})
	})
	t.Run("missing required on POST", func(t *testing.T) {
		e.t = t
		m := expectError(t, e.do(request{method: http.MethodPost, path: base, body: `{"description":"only"}`}), 400, "VALIDATION_ERROR")
		if got := fieldsOf(t, m); !slices.Equal(got, []string{"customerId", "customerName", "contactInfo.email", "status"}) {
			t.Errorf("fields %v", got)
		}
	})
}

// replaceMember swaps the top-level member name of a flat test body for repl.
func replaceMember(body, name, repl string) string {
	switch name {
	case "customerId":
		return strings.Replace(body, `"customerId":"`+cid(2)+`"`, repl, 1)
	case "customerName":
		return strings.Replace(body, `"customerName":"n"`, repl, 1)
	case "contactInfo":
		if !strings.Contains(repl, `"email"`) {
			repl = strings.Replace(repl, `"contactInfo":{`, `"contactInfo":{"email":"a@b.co",`, 1)
		}
		return strings.Replace(body, `"contactInfo":{"email":"a@b.co"}`, repl, 1)
	case "status":
		return strings.Replace(body, `"status":"ACTIVE"`, repl, 1)
	default:
		return strings.TrimSuffix(body, "}") + "," + repl + "}"
	}
}
