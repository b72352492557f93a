package localapi_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/functions/apikeys"
	"github.com/xcloud/customers/functions/exists"
	"github.com/xcloud/customers/functions/get"
	"github.com/xcloud/customers/functions/list"
	"github.com/xcloud/customers/functions/register"
	"github.com/xcloud/customers/functions/update"
	"github.com/xcloud/customers/internal/dynamotest"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/httpapi"
)

// FuzzLambdaHandler feeds arbitrary payload 2.0 events, signed or not, to the
// functions' Lambda entries. Invariants: no panic, no failed invocation, no
// 5xx (no fault is injected here), a request id on every answer, and no
// write by any request that is refused.
func FuzzLambdaHandler(f *testing.F) {
	db := dynamotest.New(f)
	s := db.Settings()
	s.Credentials = credentials
	byID := lambdaEntries(f, s, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	var entries []lambdaEntry
	for _, fn := range functions.API() {
		entries = append(entries, byID[fn.ID])
	}
	// fn indexes functions.API(); a seed names its function.
	at := func(fn function.Function) uint8 {
		for i, api := range functions.API() {
			if api.ID == fn.ID {
				return uint8(i)
			}
		}
		f.Fatalf("%s serves no route", fn.ID)
		return 0
	}
	seed := fixture(f, "register.json")
	f.Add(at(register.Function), "POST", base, "", seed, false, "application/json", "", "", true, int16(0))
	f.Add(at(register.Function), "POST", base, "", seed, false, "application/json", "", "retry-1", true, int16(0))
	f.Add(at(update.Function), "PUT", base+"/FST-1536316721808-NewCustomer", "", `{"status":"SUSPENDED"}`, false, "application/json", `"1"`, "", true, int16(0))
	f.Add(at(get.Function), "GET", base+"/FST-1536316721808-NewCustomer", "", "", false, "", "", "", true, int16(0))
	f.Add(at(list.Function), "GET", base, "limit=2&status=ACTIVE&nextToken=abc.def", "", false, "", "", "", true, int16(0))
	f.Add(at(exists.Function), "HEAD", base+"/FST-1536316721808-NewCustomer,FST-1-x", "", "", false, "", "", "", true, int16(0))
	f.Add(at(apikeys.Function), "POST", base+"/FST-1536316721808-NewCustomer/apiKeys", "", `{"key":"secondary"}`, false, "application/json", "", "", true, int16(0))
	f.Add(at(apikeys.Function), "POST", base+"/FST-1536316721808-NewCustomer/apiKeys", "", `{"key":"tertiary"}`, false, "application/json", `"1"`, "k", true, int16(0))
	f.Add(at(register.Function), "POST", base, "", "e30=", true, "application/json", "", "two words", true, int16(-400))
	f.Add(at(update.Function), "PUT", base+"/%2F..", "%zz", "{\"a\":\x00}", true, "text/plain", "*", "\x7f", false, int16(301))
	f.Fuzz(func(t *testing.T, fn uint8, method, rawPath, rawQuery, body string, isBase64 bool, contentType, ifMatch, idemKey string, signIt bool, skew int16) {
		ev := events.APIGatewayV2HTTPRequest{
			Version: "2.0", RawPath: rawPath, RawQueryString: rawQuery, Body: body, IsBase64Encoded: isBase64,
			Headers: map[string]string{},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RequestID: "fuzz-request", Stage: "$default",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: rawPath},
			},
		}
		if contentType != "" {
			ev.Headers["content-type"] = contentType
		}
		// Sent and signed (1.1) when given, as a client sends them.
		var extra []string
		if ifMatch != "" {
			ev.Headers["if-match"] = ifMatch
			extra = append(extra, "if-match:"+strings.TrimSpace(ifMatch))
		}
		if idemKey != "" {
			ev.Headers["idempotency-key"] = idemKey
			extra = append(extra, "idempotency-key:"+strings.TrimSpace(idemKey))
		}
		if signIt {
			decoded := []byte(body)
			if isBase64 {
				decoded, _ = base64.StdEncoding.DecodeString(body)
			}
			path, err := url.PathUnescape(rawPath)
			if err != nil {
				path = rawPath
			}
			for k, v := range sign(strings.ToUpper(method), path, rawQuery, decoded, writer, secret, time.Now().Unix()+int64(skew), extra...) {
				ev.Headers[strings.ToLower(k)] = v
			}
		}
		before := db.Snapshot(t)
		resp, err := entries[int(fn)%len(entries)](context.Background(), ev)
		if err != nil {
			t.Fatalf("invocation failed: %v", err)
		}
		if resp.StatusCode >= 500 || resp.StatusCode < 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
		if resp.Headers[httpapi.HeaderRequestID] == "" {
			t.Fatalf("no request id: %v", resp.Headers)
		}
		if resp.StatusCode >= 300 {
			if after := db.Snapshot(t); !maps.Equal(before, after) {
				t.Fatalf("a refused request (%d) wrote:\nbefore %v\nafter  %v", resp.StatusCode, before, after)
			}
		}
	})
}
