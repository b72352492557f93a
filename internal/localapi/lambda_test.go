package localapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/xcloud/customers/internal/dynamotest"
)

// loadEvent reads a payload 2.0 fixture of events/ and signs it afresh, as
// the local credential and now, so the fixture never goes stale.
func loadEvent(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile("../../events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	path, err := url.PathUnescape(ev.RawPath)
	if err != nil {
		t.Fatal(err)
	}
	var extra []string // the headers of version 1.1 the fixture carries
	for _, name := range []string{"if-match", "idempotency-key"} {
		if v, ok := ev.Headers[name]; ok {
			extra = append(extra, name+":"+strings.TrimSpace(v))
		}
	}
	h := sign(ev.RequestContext.HTTP.Method, path, ev.RawQueryString, []byte(ev.Body), writer, secret, time.Now().Unix(), extra...)
	for k, v := range h {
		ev.Headers[strings.ToLower(k)] = v
	}
	return ev
}

// The functions' handlers behind api-proxy, fed payload 2.0 events exactly as
// Lambda receives them from API Gateway.
func TestFunctionsThroughTheLambdaAdapter(t *testing.T) {
	db := dynamotest.New(t)
	s := db.Settings()
	s.Credentials = credentials
	fns := lambdaEntries(t, s, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	invoke := func(t *testing.T, fn, fixture string, edit func(*events.APIGatewayV2HTTPRequest)) events.APIGatewayV2HTTPResponse {
		t.Helper()
		ev := loadEvent(t, fixture)
		if edit != nil {
			edit(&ev)
		}
		resp, err := fns[fn](context.Background(), ev)
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		if resp.Headers["X-Request-Id"] != ev.RequestContext.RequestID {
			t.Errorf("X-Request-Id %q, want API Gateway's %q", resp.Headers["X-Request-Id"], ev.RequestContext.RequestID)
		}
		return resp
	}
	steps := []struct {
		name, fn, fixture string
		edit              func(*events.APIGatewayV2HTTPRequest)
		status            int
		check             func(t *testing.T, r events.APIGatewayV2HTTPResponse)
	}{
		{"register", "RegisterFunction", "register.json", nil, 201, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if r.Headers["Location"] != "/xcloud/v1/customers/FST-1536316721808-NewCustomer" || r.Headers["Content-Type"] != "application/json" {
				t.Errorf("headers %v", r.Headers)
			}
		}},
		{"register again", "RegisterFunction", "register.json", nil, 409, nil},
		{"register with an Idempotency-Key", "RegisterFunction", "register-idempotent.json", nil, 201, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if r.Headers["Idempotent-Replayed"] != "" || r.Headers["Etag"] != `"1"` {
				t.Errorf("headers %v", r.Headers)
			}
		}},
		{"the same registration replayed", "RegisterFunction", "register-idempotent.json", nil, 201, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if r.Headers["Idempotent-Replayed"] != "true" || r.Headers["Etag"] != `"1"` || !strings.Contains(r.Body, `"apiKeys":{"primary":"xck_`) {
				t.Errorf("headers %v, body %s", r.Headers, r.Body)
			}
		}},
		{"get", "GetFunction", "get.json", nil, 200, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if r.Headers["Etag"] != `"1"` || !strings.Contains(r.Body, `"customerName":"Dewatering Solutions Inc"`) {
				t.Errorf("%v %s", r.Headers, r.Body)
			}
		}},
		{"update", "UpdateFunction", "update.json", nil, 200, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(r.Body, `"changes":["customerName","description","contactInfo.email"`) {
				t.Errorf("%s", r.Body)
			}
		}},
		{"update with a stale If-Match", "UpdateFunction", "update-stale.json", nil, 412, nil},
		{"regenerate the secondary key", "ApiKeysFunction", "apikeys.json", nil, 200, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(r.Body, `"apiKeys":{"secondary":"xck_`) || strings.Contains(r.Body, "primary") {
				t.Errorf("%s", r.Body)
			}
		}},
		{"regenerate a missing customer's key", "ApiKeysFunction", "apikeys-missing.json", nil, 404, nil},
		{"regenerate a key that is not one", "ApiKeysFunction", "apikeys-invalid.json", nil, 400, nil},
		{"list", "ListFunction", "list.json", nil, 200, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			// One shard of the status index per call: the page may be empty.
			var page struct {
				Customers []struct{ Status string }
				NextToken string
			}
			if err := json.Unmarshal([]byte(r.Body), &page); err != nil || page.Customers == nil {
				t.Fatalf("%v: %s", err, r.Body)
			}
			for _, c := range page.Customers {
				if c.Status != "ACTIVE" {
					t.Errorf("status %s in an ACTIVE listing", c.Status)
				}
			}
		}},
		{"exists with one missing", "ExistsFunction", "exists-missing.json", nil, 404, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if r.Headers["X-Xcloud-Missing-Ids"] != "FST-1536312680993-FromPostman2" || r.Body != "" {
				t.Errorf("%v %q", r.Headers, r.Body)
			}
		}},
		{"exists, all there", "ExistsFunction", "exists.json", nil, 200, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if r.Body != "" {
				t.Errorf("HEAD body %q", r.Body)
			}
		}},
		{"a GET function does not serve HEAD", "GetFunction", "get.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.RequestContext.HTTP.Method = http.MethodHead
		}, 404, nil},
		{"bad signature", "GetFunction", "get.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Headers["x-xcloud-signature"] = strings.Repeat("0", 64)
		}, 401, nil},
		{"repeated header joined by API Gateway", "GetFunction", "get.json", func(ev *events.APIGatewayV2HTTPRequest) {
			ev.Headers["x-xcloud-timestamp"] += "," + ev.Headers["x-xcloud-timestamp"]
		}, 401, func(t *testing.T, r events.APIGatewayV2HTTPResponse) {
			if !strings.Contains(r.Body, "INVALID_AUTHENTICATION") {
				t.Errorf("%s", r.Body)
			}
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := invoke(t, s.fn, s.fixture, s.edit)
			if r.StatusCode != s.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, s.status, r.Body)
			}
			if s.check != nil {
				s.check(t, r)
			}
		})
	}
}
