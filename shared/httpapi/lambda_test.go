package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
)

// allow lets every request through the signature and scope checks.
type allow struct{}

func (allow) Verify(context.Context, *http.Request, hmacauth.Scope) (string, error) {
	return "svc", nil
}

// event is a payload 2.0 GET of path.
func event(path string) json.RawMessage {
	return json.RawMessage(`{"version":"2.0","routeKey":"GET /things/{id}","rawPath":"` + path + `","headers":{},` +
		`"requestContext":{"requestId":"req-1","http":{"method":"GET","path":"` + path + `"}}}`)
}

func logLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// A panic in a handler is answered 500 INTERNAL_ERROR with the contract's
// body, and logged at ERROR with what panicked; the invocation does not fail.
func TestPanicIsAnInternalError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := httpapi.New(httpapi.Endpoint{Pattern: "GET /things/{id}", Serve: func(http.ResponseWriter, *http.Request, []byte) error {
		panic("the handler's own bug")
	}}, allow{}, log)
	resp, err := httpapi.Lambda(h, log)(context.Background(), event("/things/1"))
	if err != nil {
		t.Fatalf("the invocation failed: %v", err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || body["error"] != "INTERNAL_ERROR" || body["requestId"] != "req-1" || body["message"] == "" {
		t.Errorf("answer %d %s, want 500 INTERNAL_ERROR with the request id", resp.StatusCode, resp.Body)
	}
	if strings.Contains(resp.Body, "own bug") {
		t.Errorf("the answer tells internals: %s", resp.Body)
	}
	lines := logLines(t, &logs)
	if len(lines) != 1 || lines[0]["level"] != "ERROR" || lines[0]["errorCode"] != "INTERNAL_ERROR" ||
		!strings.Contains(lines[0]["error"].(string), "panic: the handler's own bug") {
		t.Errorf("log %v, want one ERROR line with the panic", lines)
	}
}

// Events that are not HTTP API payload 2.0 requests get a 400 and a log
// line, never a failed invocation.
func TestEventsThatAreNotRequests(t *testing.T) {
	h := httpapi.New(httpapi.Endpoint{Pattern: "GET /things/{id}", Serve: func(w http.ResponseWriter, r *http.Request, _ []byte) error {
		w.WriteHeader(http.StatusOK)
		return nil
	}}, allow{}, slog.New(slog.DiscardHandler))
	for name, raw := range map[string]string{
		"null":        `null`,
		"an array":    `[{"version":"2.0"}]`,
		"a string":    `"GET /things/1"`,
		"a number":    `42`,
		"empty":       `{}`,
		"REST API v1": `{"resource":"/things/{id}","path":"/things/1","httpMethod":"GET","headers":{},"requestContext":{"requestId":"r"},"body":null}`,
		"no method":   `{"version":"2.0","rawPath":"/things/1","requestContext":{"http":{"path":"/things/1"}}}`,
		"wrong types": `{"version":2,"requestContext":{"http":{"method":["GET"]}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			resp, err := httpapi.Lambda(h, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), json.RawMessage(raw))
			if err != nil {
				t.Fatalf("the invocation failed: %v", err)
			}
			if resp.StatusCode != 400 || resp.Body != `{"message":"Bad Request"}` {
				t.Errorf("answer %d %s, want 400 Bad Request", resp.StatusCode, resp.Body)
			}
			lines := logLines(t, &logs)
			if len(lines) != 1 || lines[0]["status"] != float64(400) || !strings.Contains(lines[0]["error"].(string), "not") {
				t.Errorf("log %v, want one line saying what the event is not", lines)
			}
		})
	}
	resp, err := httpapi.Lambda(h, slog.New(slog.DiscardHandler))(context.Background(), event("/things/1"))
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("a payload 2.0 request: %d, %v; want 200", resp.StatusCode, err)
	}
}
