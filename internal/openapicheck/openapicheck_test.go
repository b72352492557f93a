package openapicheck_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/openapicheck"
)

const specPath = "../../openapi/openapi.yaml"

func load(t *testing.T) *openapicheck.Spec {
	t.Helper()
	s, err := openapicheck.Load(specPath)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The description loads, is a valid OpenAPI 3.1 document and has exactly the
// routes the functions serve, each secured by the three signature headers.
func TestSpecLoadsAndValidates(t *testing.T) {
	s := load(t)
	if s.Doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", s.Doc.OpenAPI)
	}
	if err := s.Doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The routes are the functions' (functions.API), each written once.
	var want []string
	for _, f := range functions.API() {
		want = append(want, f.Route)
	}
	slices.Sort(want)
	var got []string
	for path, item := range s.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			got = append(got, method+" "+path)
			sec := op.Security
			if sec == nil {
				sec = &s.Doc.Security
			}
			if len(*sec) != 1 {
				t.Errorf("%s %s: %d security requirements, want the one of three headers", method, path, len(*sec))
				continue
			}
			var schemes []string
			for name := range (*sec)[0] {
				schemes = append(schemes, s.Doc.Components.SecuritySchemes[name].Value.Name)
			}
			slices.Sort(schemes)
			if want := []string{"X-XCloud-Service-Id", "X-XCloud-Signature", "X-XCloud-Timestamp"}; !slices.Equal(schemes, want) {
				t.Errorf("%s %s: security headers %v, want %v", method, path, schemes, want)
			}
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("openapi/openapi.yaml describes %q\nthe functions serve      %q", got, want)
	}
}

// Every error code of the contract appears in the description, and every
// response of every operation has X-Request-Id (but API Gateway's 429).
func TestErrorCodesAndRequestIDs(t *testing.T) {
	s := load(t)
	codes := map[string]bool{}
	for _, ref := range s.Doc.Components.Schemas {
		if e := ref.Value.Properties["error"]; e != nil {
			for _, v := range e.Value.Enum {
				codes[v.(string)] = true
			}
			if c, ok := e.Value.Const.(string); ok {
				codes[c] = true
			}
		}
	}
	for _, c := range []string{"MISSING_AUTHENTICATION", "INVALID_AUTHENTICATION", "REQUEST_EXPIRED", "INVALID_SIGNATURE",
		"FORBIDDEN", "MISSING_CONTENT_MD5", "INVALID_CONTENT_MD5", "CONTENT_MD5_MISMATCH", "INVALID_JSON", "VALIDATION_ERROR",
		"PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "CUSTOMER_EXISTS", "CUSTOMER_NOT_FOUND", "PRECONDITION_FAILED",
		"INVALID_IDEMPOTENCY_KEY", "IDEMPOTENCY_KEY_REUSED", "SERVICE_UNAVAILABLE", "INTERNAL_ERROR"} {
		if !codes[c] {
			t.Errorf("error code %s is in no schema", c)
		}
	}
	for path, item := range s.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, r := range op.Responses.Map() {
				if status == "429" {
					continue // API Gateway's own answer
				}
				if h := r.Value.Headers["X-Request-Id"]; h == nil || !h.Value.Required {
					t.Errorf("%s %s %s: no required X-Request-Id", method, path, status)
				}
			}
		}
	}
}

func exchange(method, target string, reqHeader map[string]string, reqBody string, status int, header map[string]string, body string) openapicheck.Exchange {
	req, err := http.NewRequest(method, "http://127.0.0.1:54321"+target, strings.NewReader(reqBody))
	if err != nil {
		panic(err)
	}
	for k, v := range reqHeader {
		req.Header.Set(k, v)
	}
	h := http.Header{}
	for k, v := range header {
		h.Set(k, v)
	}
	return openapicheck.Exchange{Request: req, RequestBody: []byte(reqBody), Status: status, Header: h, Body: []byte(body)}
}

var signed = map[string]string{
	"X-XCloud-Service-Id": "svc-writer",
	"X-XCloud-Timestamp":  "1700000000",
	"X-XCloud-Signature":  strings.Repeat("0", 64),
}

func headersWith(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

const (
	base    = "/xcloud/v1/customers"
	id      = "FST-1536316721808-NewCustomer"
	created = `{"customerId":"` + id + `","customerName":"Dewatering Solutions Inc","status":"ACTIVE","createdAt":"2024-01-02T16:30:00Z",` +
		`"apiKeys":{"primary":"xck_` + "0123456789012345678901234567890123456789abc" + `","secondary":"xck_` + "abc0123456789012345678901234567890123456789" + `"},` +
		`"limits":{"maxDevices":100,"maxUsers":50,"maxDataPoints":1000000}}`
	minimal = `{"customerId":"` + id + `","customerName":"Dewatering Solutions Inc","contactInfo":{"email":"contact@dewatering-solutions.com"},"status":"ACTIVE"}`
)

// Check on hand-made exchanges: what passes, and that each kind of
// difference is reported.
func TestCheck(t *testing.T) {
	s := load(t)
	post := headersWith(signed, "Content-Type", "application/json", "Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")
	json := map[string]string{"Content-Type": "application/json", "X-Request-Id": "req-1"}
	createdHeaders := headersWith(json, "Location", base+"/"+id, "ETag", `"1"`)
	for _, c := range []struct {
		name string
		x    openapicheck.Exchange
		want string // "" when valid, else a part of the error
	}{
		{"POST 201", exchange("POST", base, post, minimal, 201, createdHeaders, created), ""},
		{"POST 201 without Location", exchange("POST", base, post, minimal, 201, headersWith(createdHeaders, "Location", ""), created), `response header "Location" missing`},
		{"POST 201 without X-Request-Id", exchange("POST", base, post, minimal, 201, headersWith(createdHeaders, "X-Request-Id", ""), created), `"X-Request-Id" missing`},
		{"POST 201 with an extra field", exchange("POST", base, post, minimal, 201, createdHeaders, strings.Replace(created, `"status"`, `"plan":"gold","status"`, 1)), "plan"},
		{"POST 201 of an invalid body", exchange("POST", base, post, `{"customerId":"x"}`, 201, createdHeaders, created), "the request, which the API answered as well-formed"},
		{"POST 201 without a signature", exchange("POST", base, headersWith(post, "X-XCloud-Signature", ""), minimal, 201, createdHeaders, created), "X-XCloud-Signature"},
		{"POST 201 without Content-MD5", exchange("POST", base, headersWith(post, "Content-MD5", ""), minimal, 201, createdHeaders, created), "Content-MD5"},
		{"POST 400 of an invalid body", exchange("POST", base, post, `{"customerId":"x"}`, 400, json,
			`{"error":"VALIDATION_ERROR","message":"m","requestId":"req-1","fields":[{"field":"customerId","message":"bad"}]}`), ""},
		{"POST 400 with another code", exchange("POST", base, post, `{}`, 400, json, `{"error":"FORBIDDEN","message":"m","requestId":"req-1"}`), "response body doesn't match"},
		{"POST 418", exchange("POST", base, post, minimal, 418, json, `{}`), "status is not supported"},
		{"POST 201 replayed", exchange("POST", base, headersWith(post, "Idempotency-Key", "order-42"), minimal, 201,
			headersWith(createdHeaders, "Idempotent-Replayed", "true"), created), ""},
		{"POST 201 replayed: false", exchange("POST", base, post, minimal, 201, headersWith(createdHeaders, "Idempotent-Replayed", "false"), created), "Idempotent-Replayed"},
		{"POST 201 with a bad Idempotency-Key", exchange("POST", base, headersWith(post, "Idempotency-Key", "two words"), minimal, 201, createdHeaders, created), "Idempotency-Key"},
		{"POST 400 INVALID_IDEMPOTENCY_KEY", exchange("POST", base, headersWith(post, "Idempotency-Key", "two words"), minimal, 400, json,
			`{"error":"INVALID_IDEMPOTENCY_KEY","message":"m","requestId":"req-1"}`), ""},
		{"POST 422", exchange("POST", base, headersWith(post, "Idempotency-Key", "order-42"), minimal, 422, json,
			`{"error":"IDEMPOTENCY_KEY_REUSED","message":"m","requestId":"req-1"}`), ""},
		{"PUT 400 INVALID_IDEMPOTENCY_KEY", exchange("PUT", base+"/"+id, post, `{}`, 400, json,
			`{"error":"INVALID_IDEMPOTENCY_KEY","message":"m","requestId":"req-1"}`), "response body doesn't match"},
		{"regenerate 200", exchange("POST", base+"/"+id+"/apiKeys", post, `{"key":"secondary"}`, 200, json,
			`{"customerId":"`+id+`","apiKeys":{"secondary":"xck_0123456789012345678901234567890123456789abc"},"regeneratedAt":"2024-01-02T16:30:00Z"}`), ""},
		{"regenerate 200 with both keys", exchange("POST", base+"/"+id+"/apiKeys", post, `{"key":"secondary"}`, 200, json,
			`{"customerId":"`+id+`","apiKeys":{"primary":"xck_0123456789012345678901234567890123456789abc","secondary":"xck_0123456789012345678901234567890123456789abc"},"regeneratedAt":"2024-01-02T16:30:00Z"}`), "apiKeys"},
		{"regenerate 200 of another key name", exchange("POST", base+"/"+id+"/apiKeys", post, `{"key":"tertiary"}`, 200, json,
			`{"customerId":"`+id+`","apiKeys":{"secondary":"xck_0123456789012345678901234567890123456789abc"},"regeneratedAt":"2024-01-02T16:30:00Z"}`), "the request, which the API answered as well-formed"},
		{"regenerate 404", exchange("POST", base+"/not-an-id/apiKeys", post, `{"key":"primary"}`, 404, json,
			`{"error":"CUSTOMER_NOT_FOUND","message":"Customer with ID 'not-an-id' not found","requestId":"req-1","customerId":"not-an-id"}`), ""},
		{"401 INVALID_SIGNATURE", exchange("GET", base+"/"+id, signed, "", 401, json,
			`{"error":"INVALID_SIGNATURE","message":"m","requestId":"req-1","stringToSign":"XCLOUD-HMAC-SHA256\n1"}`), ""},
		{"401 INVALID_SIGNATURE without stringToSign", exchange("GET", base+"/"+id, signed, "", 401, json,
			`{"error":"INVALID_SIGNATURE","message":"m","requestId":"req-1"}`), "stringToSign"},
		{"401 REQUEST_EXPIRED with stringToSign", exchange("GET", base+"/"+id, signed, "", 401, json,
			`{"error":"REQUEST_EXPIRED","message":"m","requestId":"req-1","stringToSign":"x"}`), "response body doesn't match"},
		{"GET 404 of a malformed id", exchange("GET", base+"/FST-x%2F..", signed, "", 404, json,
			`{"error":"CUSTOMER_NOT_FOUND","message":"Customer with ID 'FST-x/..' not found","requestId":"req-1","customerId":"FST-x/.."}`), ""},
		{"GET 404 without customerId", exchange("GET", base+"/"+id, signed, "", 404, json,
			`{"error":"CUSTOMER_NOT_FOUND","message":"Customer with ID 'x' not found","requestId":"req-1"}`), "customerId"},
		{"list 200", exchange("GET", base+"?limit=2&status=ACTIVE", signed, "", 200, json, `{"customers":[],"nextToken":"abc"}`), ""},
		{"list 200 of a bad limit", exchange("GET", base+"?limit=101", signed, "", 200, json, `{"customers":[]}`), `query parameter "limit"`},
		{"HEAD 200", exchange("HEAD", base+"/"+id+","+id, signed, "", 200, map[string]string{"X-Request-Id": "r"}, ""), ""},
		{"HEAD 200 without X-Request-Id", exchange("HEAD", base+"/"+id, signed, "", 200, nil, ""), "X-Request-Id"},
		{"HEAD 404", exchange("HEAD", base+"/"+id, signed, "", 404, map[string]string{"X-Request-Id": "r", "X-XCloud-Missing-Ids": id}, ""), ""},
		{"HEAD 404 of a bad id", exchange("HEAD", base+"/FST-1", signed, "", 404, map[string]string{"X-Request-Id": "r", "X-XCloud-Missing-Ids": "FST-1"}, ""), "customerId"},
		{"HEAD 503 without Retry-After", exchange("HEAD", base+"/"+id, signed, "", 503, map[string]string{"X-Request-Id": "r"}, ""), "Retry-After"},
		{"unknown route", exchange("DELETE", base+"/"+id, signed, "", 404, json, `{"message":"Not Found"}`), ""},
		{"unknown route answered 200", exchange("GET", "/", signed, "", 200, json, `{}`), "want API Gateway's 404"},
		{"unknown route with another body", exchange("GET", "/", signed, "", 404, json, `{"message":"Missing Authentication Token"}`), "GatewayMessage"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := s.Check(context.Background(), c.x)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.want != "" && err == nil:
				t.Errorf("no error, want one about %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Errorf("error %v\nwant one about %q", err, c.want)
			default:
				if err != nil {
					t.Logf("%v", err)
				}
			}
		})
	}
}

// The email format is asserted (kin-openapi leaves unknown formats alone).
func TestEmailFormatIsAsserted(t *testing.T) {
	s := load(t)
	email := s.Doc.Components.Schemas["Email"].Value
	for v, ok := range map[string]bool{"a@b.co": true, "Jo <jo@example.com>": false, "no-at-sign": false} {
		if err := email.VisitJSON(v, openapicheck.SchemaOptions()...); (err == nil) != ok {
			t.Errorf("%q: accepted %v, want %v (%v)", v, err == nil, ok, err)
		}
	}
}

// Every pattern of the description is printable ASCII (characters beyond
// it are written as \u escapes: tools copy patterns into HTTP headers), and
// Load turns those escapes into Go's.
func TestPatternsAreASCII(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	doc.WalkSchemas(func(ptr string, s *openapi3.SchemaRef) error {
		if p := s.Value.Pattern; p != "" {
			n++
			for _, r := range p {
				if r < ' ' || r > '~' {
					t.Errorf("%s: pattern %q holds %U", ptr, p, r)
					break
				}
			}
		}
		return nil
	})
	if n == 0 {
		t.Error("no patterns found")
	}
	name := load(t).Doc.Components.Schemas["CustomerName"].Value
	for v, ok := range map[string]bool{"a": true, " \u3000a\u2028": true, " \t\u00a0\u0085\u1680\u2000\u200a\u202f\u205f\u3000\u2029": false, "\u200b": true, "\ufeff": true} {
		if err := name.VisitJSON(v, openapicheck.SchemaOptions()...); (err == nil) != ok {
			t.Errorf("customerName %q: accepted %v, want %v (%v)", v, err == nil, ok, err)
		}
	}
}

func TestGoPattern(t *testing.T) {
	for in, want := range map[string]string{
		`^[a-z]+$`:                `^[a-z]+$`,
		`[^ \u00A0\u2000-\u200a]`: `[^ \x{00A0}\x{2000}-\x{200a}]`,
		`\u{1F600}`:               `\x{1F600}`,
		`\\u0041`:                 `\\u0041`,
		`\\\u0041`:                `\\\x{0041}`,
		`\u00`:                    `\u00`,
		`\d\u0041\.`:              `\d\x{0041}\.`,
	} {
		if got := openapicheck.GoPattern(in); got != want {
			t.Errorf("GoPattern(%q) = %q, want %q", in, got, want)
		}
	}
}
