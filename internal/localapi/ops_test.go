package localapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The request flow produces one log line per request with the documented
// fields, and a valid CloudWatch Embedded Metric Format document in it.
func TestRequestLogLineAndEmbeddedMetrics(t *testing.T) {
	e := newEnv(t)
	id := "FST-1536316721808-NewCustomer"
	sent := []struct {
		req            request
		status         int
		code           string
		conflict, auth int
	}{
		{request{method: http.MethodPost, path: base, body: fixture(t, "register.json")}, 201, "NONE", 0, 0},
		{request{method: http.MethodPost, path: base, body: fixture(t, "register.json")}, 409, "CUSTOMER_EXISTS", 1, 0},
		{request{method: http.MethodGet, path: base + "/" + id, secret: "wrong"}, 401, "INVALID_SIGNATURE", 0, 1},
		{request{method: http.MethodPut, path: base + "/" + id, body: `{}`, header: map[string]string{"If-Match": `"9"`}}, 412, "PRECONDITION_FAILED", 1, 0},
		{request{method: http.MethodHead, path: base + "/" + id}, 200, "NONE", 0, 0},
		// A HEAD 404 is an error like any 404: NONE means success.
		{request{method: http.MethodHead, path: base + "/" + id + ",FST-1536316721808-Nobody"}, 404, "CUSTOMER_NOT_FOUND", 0, 0},
	}
	var requestIDs []string
	for _, s := range sent {
		r := e.do(s.req)
		if r.status != s.status {
			t.Fatalf("%s %s: %d %s", s.req.method, s.req.path, r.status, r.body)
		}
		requestIDs = append(requestIDs, r.header.Get("X-Request-Id"))
	}
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.log.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != len(sent) {
		t.Fatalf("%d request lines for %d requests", len(lines), len(sent))
	}
	for i, m := range lines {
		s := sent[i]
		if m["requestId"] != requestIDs[i] || m["status"] != float64(s.status) || m["method"] != s.req.method {
			t.Errorf("line %d: %v", i, m)
		}
		for _, field := range []string{"route", "traceId"} {
			if _, ok := m[field].(string); !ok {
				t.Errorf("line %d: %s missing: %v", i, field, m)
			}
		}
		for _, field := range []string{"latencyMs", "dynamodbMs", "dynamodbCalls", "consumedCapacity"} {
			if _, ok := m[field].(float64); !ok {
				t.Errorf("line %d: %s missing or not a number: %v", i, field, m)
			}
		}
		if _, ok := m["coldStart"].(bool); !ok {
			t.Errorf("line %d: coldStart missing: %v", i, m)
		}
		if m["ErrorCode"] != s.code || (s.code != "NONE" && m["errorCode"] != s.code) {
			t.Errorf("line %d: errorCode %v, want %s", i, m["errorCode"], s.code)
		}
		if s.auth == 1 && m["claimedServiceId"] != writer {
			t.Errorf("line %d: claimedServiceId %v", i, m["claimedServiceId"])
		}
		if s.auth == 0 {
			if m["serviceId"] != writer {
				t.Errorf("line %d: serviceId %v", i, m["serviceId"])
			}
			ids, _ := m["customerIds"].([]any)
			if !slices.Contains(ids, any(id)) {
				t.Errorf("line %d: customerIds %v", i, m["customerIds"])
			}
			// One call per request; a failed condition may add the read
			// that tells 409 or 412 apart where the item is not returned.
			if calls := m["dynamodbCalls"]; calls != 1.0 && !(s.status >= 409 && calls == 2.0) {
				t.Errorf("line %d: %v DynamoDB calls", i, calls)
			}
		}
		checkEMF(t, i, m, map[string]float64{"Requests": 1, "Errors": b2f(s.status >= 400), "ServerErrors": 0,
			"ConditionalConflicts": float64(s.conflict), "SignatureFailures": float64(s.auth)}, s.code)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// checkEMF validates the Embedded Metric Format document of a line.
func checkEMF(t *testing.T, i int, m map[string]any, want map[string]float64, code string) {
	t.Helper()
	aws, ok := m["_aws"].(map[string]any)
	if !ok {
		t.Fatalf("line %d: no _aws: %v", i, m)
	}
	ts, ok := aws["Timestamp"].(float64)
	if !ok || time.Since(time.UnixMilli(int64(ts))) > time.Minute || ts != float64(int64(ts)) {
		t.Errorf("line %d: Timestamp %v is not a recent epoch in ms", i, aws["Timestamp"])
	}
	directives, _ := aws["CloudWatchMetrics"].([]any)
	if len(directives) != 1 {
		t.Fatalf("line %d: CloudWatchMetrics %v", i, aws["CloudWatchMetrics"])
	}
	d := directives[0].(map[string]any)
	if d["Namespace"] != "XCloud/Customers" {
		t.Errorf("line %d: namespace %v", i, d["Namespace"])
	}
	dims, _ := d["Dimensions"].([]any)
	if len(dims) == 0 {
		t.Errorf("line %d: no dimensions", i)
	}
	for _, set := range dims {
		for _, name := range set.([]any) {
			if v, ok := m[name.(string)].(string); !ok || v == "" {
				t.Errorf("line %d: dimension %v has no string value at the top level", i, name)
			}
		}
	}
	if m["ErrorCode"] != code || m["Route"] != m["route"] {
		t.Errorf("line %d: ErrorCode %v Route %v", i, m["ErrorCode"], m["Route"])
	}
	units := map[string]bool{"Count": true, "Milliseconds": true}
	for _, metric := range d["Metrics"].([]any) {
		mm := metric.(map[string]any)
		name := mm["Name"].(string)
		if !units[mm["Unit"].(string)] {
			t.Errorf("line %d: metric %s unit %v", i, name, mm["Unit"])
		}
		v, ok := m[name].(float64)
		if !ok {
			t.Errorf("line %d: metric %s has no number at the top level", i, name)
			continue
		}
		if w, ok := want[name]; ok && v != w {
			t.Errorf("line %d: %s = %v, want %v", i, name, v, w)
		}
	}
}
