package main

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcloud/customers/client"
	"github.com/xcloud/customers/internal/apitest"
)

const credentials = `{
  "svc-writer": {"secrets": ["writer-secret"], "scopes": ["customers:read", "customers:write"]},
  "svc-reader": {"secrets": ["reader-secret"], "scopes": ["customers:read"]}
}`

func TestMain(m *testing.M) {
	retryPolicy = client.RetryPolicy{MaxAttempts: 2, BaseBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	os.Exit(m.Run())
}

func startAPI(t *testing.T) string {
	t.Helper()
	return apitest.Start(t, "../..", credentials).URL
}

type result struct {
	code           int
	stdout, stderr string
}

// object decodes a one-line JSON object.
func object(t *testing.T, s string) map[string]any {
	t.Helper()
	if strings.Count(strings.TrimSpace(s), "\n") != 0 {
		t.Errorf("output is not one compact line: %q", s)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not a JSON object: %q: %v", s, err)
	}
	return m
}

func xcloud(args []string, stdin string, env map[string]string) result {
	var out, errOut strings.Builder
	code := run(args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return result{code, out.String(), errOut.String()}
}

func cid(n int) string { return "FST-1536316721808-C" + strconv.Itoa(10000+n) }

func minimal(id, status string) string {
	return `{"customerId":"` + id + `","customerName":"Customer ` + id + `","contactInfo":{"email":"a@example.com"},"status":"` + status + `"}`
}

func TestCommands(t *testing.T) {
	url := startAPI(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fileBody := write("c2.json", minimal(cid(2), "INACTIVE"))
	bigBody := write("big.json", `{"customerId":"`+cid(9)+`","customerName":"x","contactInfo":{"email":"a@example.com"},"status":"ACTIVE","description":"`+strings.Repeat("d", 70000)+`"}`)
	credsFile := write("creds.json", `{"serviceId":"svc-writer","secret":"writer-secret"}`)
	readerFile := write("reader.json", `{"serviceId":"svc-reader","secret":"reader-secret"}`)
	badCredsFile := write("bad.json", `{"service":"svc-writer"}`)

	env := map[string]string{envEndpoint: url, envServiceID: "svc-writer", envSecret: "writer-secret"}
	endpointOnly := map[string]string{envEndpoint: url}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range env {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	type check func(t *testing.T, r result)
	// ok checks stdout's JSON holds every key: value of want (values
	// compared as JSON).
	ok := func(want map[string]any) check {
		return func(t *testing.T, r result) {
			if r.stderr != "" {
				t.Errorf("stderr %q", r.stderr)
			}
			got := object(t, r.stdout)
			for k, v := range want {
				gb, _ := json.Marshal(got[k])
				wb, _ := json.Marshal(v)
				if string(gb) != string(wb) {
					t.Errorf("%s = %s, want %s (stdout %s)", k, gb, wb, r.stdout)
				}
			}
		}
	}
	// fails checks stderr's JSON error code (and field names, if any).
	fails := func(code string, fields ...string) check {
		return func(t *testing.T, r result) {
			m := object(t, r.stderr)
			if m["error"] != code {
				t.Errorf("error %v, want %s: %s", m["error"], code, r.stderr)
			}
			if msg, _ := m["message"].(string); msg == "" {
				t.Errorf("no message: %s", r.stderr)
			}
			var got []string
			fs, _ := m["fields"].([]any)
			for _, f := range fs {
				got = append(got, f.(map[string]any)["field"].(string))
			}
			if len(fields) > 0 && !slices.Equal(got, fields) {
				t.Errorf("fields %v, want %v", got, fields)
			}
			if _, isAPI := m["status"]; isAPI && m["requestId"] == nil {
				t.Errorf("no requestId: %s", r.stderr)
			}
		}
	}
	// says checks stderr's JSON error code and that its message holds text.
	says := func(code, text string) check {
		return func(t *testing.T, r result) {
			m := object(t, r.stderr)
			if msg, _ := m["message"].(string); m["error"] != code || !strings.Contains(msg, text) {
				t.Errorf("stderr %s, want %s saying %q", r.stderr, code, text)
			}
		}
	}
	usage := func(prefix string) check {
		return func(t *testing.T, r result) {
			if !strings.HasPrefix(r.stdout, "usage: "+prefix) || r.stderr != "" {
				t.Errorf("stdout %q\nstderr %q", r.stdout, r.stderr)
			}
		}
	}

	cases := []struct {
		name  string
		argv  []string
		stdin string
		env   map[string]string
		code  int
		check check
	}{
		// create: --data literal, @file and stdin.
		{name: "create literal", argv: []string{"customers", "create", "--data", minimal(cid(1), "ACTIVE")}, env: env, code: 0,
			check: ok(map[string]any{"customerId": cid(1), "status": "ACTIVE", "etag": `"1"`,
				"limits": map[string]any{"maxDevices": 100, "maxUsers": 50, "maxDataPoints": 1000000}})},
		{name: "create @file", argv: []string{"customers", "create", "--data", "@" + fileBody}, env: env, code: 0,
			check: ok(map[string]any{"customerId": cid(2), "status": "INACTIVE"})},
		{name: "create stdin, flags after", argv: []string{"customers", "create", "--data", "-", "--endpoint", url}, stdin: minimal(cid(3), "ACTIVE"),
			env: with(map[string]string{envEndpoint: "http://127.0.0.1:1"}), code: 0, check: ok(map[string]any{"customerId": cid(3)})},
		{name: "create conflict", argv: []string{"customers", "create", "--data", minimal(cid(1), "ACTIVE")}, env: env, code: 4,
			check: fails("CUSTOMER_EXISTS")},
		{name: "create invalid", argv: []string{"customers", "create", "--data", `{"customerId":"` + cid(4) + `","customerName":"x","contactInfo":{"email":"nope"},"status":"GONE","extra":1}`},
			env: env, code: 5, check: fails("VALIDATION_ERROR", "contactInfo.email", "status", "extra")},
		{name: "create malformed JSON", argv: []string{"customers", "create", "--data", `{"customerId":`}, env: env, code: 5, check: fails("INVALID_JSON")},
		{name: "create too large", argv: []string{"customers", "create", "--data", "@" + bigBody}, env: env, code: 5, check: fails("PAYLOAD_TOO_LARGE")},
		{name: "create forbidden", argv: []string{"customers", "create", "--credentials-file", readerFile, "--data", minimal(cid(5), "ACTIVE")},
			env: endpointOnly, code: 3, check: fails("FORBIDDEN")},
		{name: "create without --data", argv: []string{"customers", "create"}, env: env, code: 2, check: fails("USAGE")},
		{name: "create with a key", argv: []string{"customers", "create", "--idempotency-key", "cli-6", "--data", minimal(cid(6), "ACTIVE")}, env: env, code: 0,
			check: ok(map[string]any{"customerId": cid(6), "etag": `"1"`})},
		{name: "create with the key again", argv: []string{"customers", "create", "--idempotency-key", "cli-6", "--data", minimal(cid(6), "ACTIVE")}, env: env, code: 0,
			check: ok(map[string]any{"customerId": cid(6), "replayed": true, "etag": `"1"`})},
		{name: "create with the key and another body", argv: []string{"customers", "create", "--idempotency-key", "cli-6", "--data", minimal(cid(6), "SUSPENDED")}, env: env, code: 5,
			check: fails("IDEMPOTENCY_KEY_REUSED")},
		{name: "create with a malformed key", argv: []string{"customers", "create", "--idempotency-key", "two words", "--data", minimal(cid(7), "ACTIVE")}, env: env, code: 5,
			check: fails("INVALID_IDEMPOTENCY_KEY")},
		{name: "create --data @missing", argv: []string{"customers", "create", "--data", "@" + filepath.Join(dir, "nope.json")}, env: env, code: 2, check: fails("USAGE")},

		// get, and the credential sources.
		{name: "get", argv: []string{"customers", "get", cid(1)}, env: env, code: 0,
			check: ok(map[string]any{"customerId": cid(1), "contactInfo": map[string]any{"email": "a@example.com"}, "etag": `"1"`})},
		{name: "get, flags before the command", argv: []string{"--endpoint", url, "--service-id", "svc-reader", "--secret", "reader-secret", "customers", "get", cid(2)},
			code: 0, check: ok(map[string]any{"customerId": cid(2)})},
		{name: "get, flags win over env", argv: []string{"customers", "get", cid(1), "--secret", "writer-secret"},
			env: with(map[string]string{envSecret: "wrong"}), code: 0, check: ok(map[string]any{"customerId": cid(1)})},
		{name: "get, credentials file", argv: []string{"customers", "get", "--credentials-file", credsFile, cid(1)}, env: endpointOnly, code: 0,
			check: ok(map[string]any{"customerId": cid(1)})},
		{name: "get, env wins over file", argv: []string{"customers", "get", "--credentials-file", readerFile, cid(1)}, env: with(map[string]string{envSecret: "wrong"}),
			code: 3, check: fails("INVALID_SIGNATURE")},
		{name: "get, bad credentials file", argv: []string{"customers", "get", "--credentials-file", badCredsFile, cid(1)}, env: endpointOnly, code: 2, check: fails("USAGE")},
		{name: "get, no credentials", argv: []string{"customers", "get", cid(1)}, env: endpointOnly, code: 2, check: fails("USAGE")},
		{name: "get, wrong secret", argv: []string{"customers", "get", cid(1), "--secret", "wrong"}, env: env, code: 3, check: func(t *testing.T, r result) {
			fails("INVALID_SIGNATURE")(t, r)
			if sts, _ := object(t, r.stderr)["stringToSign"].(string); !strings.HasPrefix(sts, "XCLOUD-HMAC-SHA256\n") {
				t.Errorf("no stringToSign: %s", r.stderr)
			}
		}},
		{name: "get, unknown service", argv: []string{"customers", "get", cid(1), "--service-id", "nobody"}, env: env, code: 3, check: fails("INVALID_SIGNATURE")},
		{name: "get missing", argv: []string{"customers", "get", cid(99)}, env: env, code: 4, check: fails("CUSTOMER_NOT_FOUND")},
		{name: "get without id", argv: []string{"customers", "get"}, env: env, code: 2, check: fails("USAGE")},
		{name: "get two ids", argv: []string{"customers", "get", cid(1), cid(2)}, env: env, code: 2, check: fails("USAGE")},
		{name: "get, bad endpoint", argv: []string{"customers", "get", cid(1), "--endpoint", "localhost:3000"}, env: env, code: 2, check: fails("USAGE")},

		// update: If-Match, null, stdin.
		{name: "update if-match", argv: []string{"customers", "update", cid(1), "--if-match", `"1"`, "--data", `{"customerName":"Renamed","contactInfo":{"phone":"+1 312 555 0100"}}`},
			env: env, code: 0, check: ok(map[string]any{"customerName": "Renamed", "changes": []string{"customerName", "contactInfo.phone"}, "etag": `"2"`})},
		{name: "update stale if-match", argv: []string{"customers", "update", cid(1), "--if-match", `"1"`, "--data", `{"customerName":"Stale"}`},
			env: env, code: 4, check: fails("PRECONDITION_FAILED")},
		{name: "update stale unquoted if-match", argv: []string{"customers", "update", cid(1), "--if-match", "1", "--data", `{"customerName":"Stale"}`},
			env: env, code: 4, check: fails("PRECONDITION_FAILED")},
		{name: "update unquoted if-match", argv: []string{"customers", "update", cid(1), "--if-match", "2", "--data", `{}`},
			env: env, code: 0, check: ok(map[string]any{"changes": []string{}, "etag": `"3"`})},
		{name: "update null from stdin", argv: []string{"customers", "update", "--data", "-", cid(1)}, stdin: `{"contactInfo":{"phone":null}}`,
			env: env, code: 0, check: ok(map[string]any{"changes": []string{"contactInfo.phone"}, "etag": `"4"`})},
		{name: "update null required", argv: []string{"customers", "update", cid(1), "--data", `{"status":null}`}, env: env, code: 5, check: fails("VALIDATION_ERROR", "status")},
		{name: "update missing", argv: []string{"customers", "update", cid(98), "--data", `{}`}, env: env, code: 4, check: fails("CUSTOMER_NOT_FOUND")},
		{name: "get after update", argv: []string{"customers", "get", cid(1)}, env: env, code: 0,
			check: ok(map[string]any{"customerName": "Renamed", "contactInfo": map[string]any{"email": "a@example.com"}, "etag": `"4"`})},

		// regenerate-key.
		{name: "regenerate the secondary key", argv: []string{"customers", "regenerate-key", "secondary", cid(6)}, env: env, code: 0, check: func(t *testing.T, r result) {
			m := object(t, r.stdout)
			keys, _ := m["apiKeys"].(map[string]any)
			if k, _ := keys["secondary"].(string); m["customerId"] != cid(6) || len(keys) != 1 || !strings.HasPrefix(k, "xck_") || m["regeneratedAt"] == nil {
				t.Errorf("stdout %s", r.stdout)
			}
		}},
		{name: "regenerate a missing customer's key", argv: []string{"customers", "regenerate-key", "primary", cid(97)}, env: env, code: 4, check: fails("CUSTOMER_NOT_FOUND")},
		{name: "regenerate a key that is not one", argv: []string{"customers", "regenerate-key", "tertiary", cid(6)}, env: env, code: 2, check: fails("USAGE")},
		{name: "regenerate without an id", argv: []string{"customers", "regenerate-key", "primary"}, env: env, code: 2, check: fails("USAGE")},
		{name: "regenerate, read-only", argv: []string{"customers", "regenerate-key", "--credentials-file", readerFile, "primary", cid(6)}, env: endpointOnly, code: 3, check: fails("FORBIDDEN")},

		// list.
		{name: "list one page", argv: []string{"customers", "list", "--limit", "2"}, env: env, code: 0, check: func(t *testing.T, r result) {
			m := object(t, r.stdout)
			if cs, _ := m["customers"].([]any); len(cs) != 2 || m["nextToken"] == nil {
				t.Errorf("page %s", r.stdout)
			}
		}},
		{name: "list all by status", argv: []string{"customers", "list", "--all", "--limit", "1", "--status", "ACTIVE"}, env: env, code: 0, check: func(t *testing.T, r result) {
			var page struct {
				Customers []client.Customer
				NextToken *string
			}
			json.Unmarshal([]byte(r.stdout), &page)
			var ids []string
			for _, c := range page.Customers {
				ids = append(ids, c.CustomerID)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, []string{cid(1), cid(3), cid(6)}) || page.NextToken != nil {
				t.Errorf("listed %v: %s", ids, r.stdout)
			}
		}},
		{name: "list limit over 100", argv: []string{"customers", "list", "--limit", "1000"}, env: env, code: 2, check: says("USAGE", "--limit must be 1 to 100")},
		{name: "list limit 0, not the default", argv: []string{"customers", "list", "--limit", "0"}, env: env, code: 2, check: says("USAGE", "--limit must be 1 to 100")},
		{name: "list negative limit", argv: []string{"customers", "list", "--limit", "-1"}, env: env, code: 2, check: says("USAGE", "--limit must be 1 to 100")},
		{name: "list bad token", argv: []string{"customers", "list", "--next-token", "garbage"}, env: env, code: 5, check: fails("VALIDATION_ERROR", "nextToken")},
		{name: "list non-numeric limit", argv: []string{"customers", "list", "--limit", "ten"}, env: env, code: 2, check: fails("USAGE")},

		// exists.
		{name: "exists all", argv: []string{"customers", "exists", cid(1), cid(2) + "," + cid(3)}, env: env, code: 0,
			check: ok(map[string]any{"allExist": true, "missing": []string{}})},
		{name: "exists missing", argv: []string{"customers", "exists", cid(1), cid(50), cid(51)}, env: env, code: 4, check: func(t *testing.T, r result) {
			m := object(t, r.stdout)
			if m["allExist"] != false || !slices.Equal(toStrings(m["missing"]), []string{cid(50), cid(51)}) {
				t.Errorf("stdout %s", r.stdout)
			}
			fails("CUSTOMERS_MISSING")(t, r)
		}},
		{name: "exists malformed", argv: []string{"customers", "exists", "nope"}, env: env, code: 5, check: fails("BAD_REQUEST")},
		{name: "exists no ids", argv: []string{"customers", "exists"}, env: env, code: 2, check: fails("USAGE")},

		// usage.
		{name: "no command", argv: nil, env: env, code: 2, check: func(t *testing.T, r result) {
			if !strings.HasPrefix(r.stderr, "usage: xcloud") {
				t.Errorf("stderr %q", r.stderr)
			}
		}},
		{name: "unknown command", argv: []string{"customer"}, env: env, code: 2, check: fails("USAGE")},
		{name: "unknown customers command", argv: []string{"customers", "delete", cid(1)}, env: env, code: 2, check: fails("USAGE")},
		{name: "unknown flag", argv: []string{"customers", "get", cid(1), "--verbose"}, env: env, code: 2, check: fails("USAGE")},
		{name: "help", argv: []string{"--help"}, code: 0, check: usage("xcloud [flags] <command>")},
		{name: "help command", argv: []string{"help"}, code: 0, check: usage("xcloud [flags] <command>")},
		{name: "customers help", argv: []string{"customers", "--help"}, code: 0, check: usage("xcloud customers <create|")},
		{name: "create help", argv: []string{"customers", "create", "--help"}, code: 0, check: usage("xcloud customers create")},
		{name: "get help", argv: []string{"customers", "get", "-h"}, code: 0, check: usage("xcloud customers get")},
		{name: "update help", argv: []string{"customers", "update", cid(1), "--help"}, code: 0, check: usage("xcloud customers update")},
		{name: "list help", argv: []string{"customers", "list", "--help"}, code: 0, check: usage("xcloud customers list")},
		{name: "exists help", argv: []string{"customers", "exists", "--help"}, code: 0, check: usage("xcloud customers exists")},
		{name: "regenerate-key help", argv: []string{"customers", "regenerate-key", "--help"}, code: 0, check: usage("xcloud customers regenerate-key")},
		{name: "sign help", argv: []string{"sign", "--help"}, code: 0, check: usage("xcloud sign")},
		{name: "help customers list", argv: []string{"help", "customers", "list"}, code: 0, check: usage("xcloud customers list")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := xcloud(c.argv, c.stdin, c.env)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstdout %s\nstderr %s", r.code, c.code, r.stdout, r.stderr)
			}
			c.check(t, r)
		})
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestListFollowsNextToken(t *testing.T) {
	url := startAPI(t)
	env := map[string]string{envEndpoint: url, envServiceID: "svc-writer", envSecret: "writer-secret"}
	for i := range 7 {
		if r := xcloud([]string{"customers", "create", "--data", minimal(cid(i), "ACTIVE")}, "", env); r.code != 0 {
			t.Fatal(r)
		}
	}
	seen := map[string]int{}
	token := ""
	for pages := 0; ; pages++ {
		args := []string{"customers", "list", "--limit", "3"}
		if token != "" {
			args = append(args, "--next-token", token)
		}
		r := xcloud(args, "", env)
		if r.code != 0 || pages > 10 {
			t.Fatalf("page %d: %+v", pages, r)
		}
		var page client.Page
		if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Customers {
			seen[c.CustomerID]++
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	// --all from the second page on.
	first := xcloud([]string{"customers", "list", "--limit", "3"}, "", env)
	var page client.Page
	json.Unmarshal([]byte(first.stdout), &page)
	rest := xcloud([]string{"customers", "list", "--limit", "3", "--all", "--next-token", page.NextToken}, "", env)
	var all client.Page
	json.Unmarshal([]byte(rest.stdout), &all)
	if len(seen) != 7 || len(all.Customers) != 4 || all.NextToken != "" {
		t.Errorf("seen %v; --all after the first page: %d customers", seen, len(all.Customers))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
	}
}

func TestServerAndNetworkFailures(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		status := 500
		if strings.HasSuffix(r.URL.Path, "C10503") {
			status = 503
		} else if strings.HasSuffix(r.URL.Path, "C10429") {
			status = 429
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "rid")
		w.WriteHeader(status)
		w.Write([]byte(`{"error":"INTERNAL_ERROR","message":"boom","requestId":"rid"}`))
	}))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	env := map[string]string{envServiceID: "svc-writer", envSecret: "writer-secret"}
	for _, c := range []struct {
		name     string
		args     []string
		code     int
		errCode  string
		attempts int32
	}{
		{"500 on a read, retried", []string{"customers", "get", cid(500), "--endpoint", srv.URL}, 6, "INTERNAL_ERROR", 2},
		{"500 on an update, not retried", []string{"customers", "update", cid(500), "--data", "{}", "--endpoint", srv.URL}, 6, "INTERNAL_ERROR", 1},
		{"503 retried", []string{"customers", "get", cid(503), "--endpoint", srv.URL}, 6, "INTERNAL_ERROR", 2},
		{"429 retried", []string{"customers", "get", cid(429), "--endpoint", srv.URL}, 6, "INTERNAL_ERROR", 2},
		{"unreachable GET", []string{"customers", "get", cid(1), "--endpoint", closed}, 6, "NETWORK_ERROR", 0},
		{"unreachable POST", []string{"customers", "create", "--data", "{}", "--endpoint", closed}, 6, "NETWORK_ERROR", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls.Store(0)
			r := xcloud(c.args, "", env)
			if r.code != c.code || calls.Load() != c.attempts {
				t.Errorf("exit %d, want %d; %d attempts, want %d; stderr %s", r.code, c.code, calls.Load(), c.attempts, r.stderr)
			}
			if m := object(t, r.stderr); m["error"] != c.errCode {
				t.Errorf("stderr %s", r.stderr)
			}
		})
	}
}

// TestSign sends the requests that sign's output describes.
func TestSign(t *testing.T) {
	url := startAPI(t)
	env := map[string]string{envEndpoint: url, envServiceID: "svc-writer", envSecret: "writer-secret"}
	send := func(method, target, body string, headers string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(headers))
		for sc.Scan() {
			name, value, ok := strings.Cut(sc.Text(), ": ")
			if !ok {
				t.Fatalf("bad header line %q", sc.Text())
			}
			req.Header.Set(name, value)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}

	body := minimal(cid(1), "ACTIVE")
	r := xcloud([]string{"sign", "POST", url + "/xcloud/v1/customers", "--data", body}, "", env)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%+v", r)
	}
	var names []string
	for line := range strings.SplitSeq(strings.TrimSpace(r.stdout), "\n") {
		name, _, _ := strings.Cut(line, ": ")
		names = append(names, name)
	}
	if want := []string{"Content-MD5", "Content-Type", "X-XCloud-Service-Id", "X-XCloud-Signature", "X-XCloud-Timestamp"}; !slices.Equal(names, want) {
		t.Errorf("header names %v, want %v", names, want)
	}
	if resp := send("POST", url+"/xcloud/v1/customers", body, r.stdout); resp.StatusCode != 201 {
		t.Errorf("signed POST: %d", resp.StatusCode)
	}

	// A path alone is below --endpoint; the query is signed.
	r = xcloud([]string{"sign", "--service-id", "svc-reader", "--secret", "reader-secret", "GET", "/xcloud/v1/customers?limit=5&status=ACTIVE"}, "", env)
	if r.code != 0 || strings.Contains(r.stdout, "Content-") {
		t.Fatalf("%+v", r)
	}
	if resp := send("GET", url+"/xcloud/v1/customers?status=ACTIVE&limit=5", "", r.stdout); resp.StatusCode != 200 {
		t.Errorf("signed GET: %d", resp.StatusCode)
	}
	if resp := send("GET", url+"/xcloud/v1/customers?limit=6&status=ACTIVE", "", r.stdout); resp.StatusCode != 401 {
		t.Errorf("GET with another query: %d, want 401", resp.StatusCode)
	}

	// --data @file for a PUT; the body from stdin with --body -.
	p := filepath.Join(t.TempDir(), "u.json")
	os.WriteFile(p, []byte(`{"description":"from a file"}`), 0o600)
	r = xcloud([]string{"sign", "put", url + "/xcloud/v1/customers/" + cid(1), "--data", "@" + p}, "", env)
	if resp := send("PUT", url+"/xcloud/v1/customers/"+cid(1), `{"description":"from a file"}`, r.stdout); r.code != 0 || resp.StatusCode != 200 {
		t.Errorf("signed PUT: exit %d, %d", r.code, resp.StatusCode)
	}
	// If-Match and Idempotency-Key are sent and signed (1.1): altering
	// one after signing fails.
	get := send("GET", url+"/xcloud/v1/customers/"+cid(1), "", xcloud([]string{"sign", "GET", "/xcloud/v1/customers/" + cid(1)}, "", env).stdout)
	etag := get.Header.Get("ETag")
	r = xcloud([]string{"sign", "PUT", url + "/xcloud/v1/customers/" + cid(1), "--data", `{"description":"conditional"}`, "--if-match", etag}, "", env)
	if !strings.Contains(r.stdout, "If-Match: "+etag+"\n") {
		t.Errorf("sign --if-match printed %q", r.stdout)
	}
	altered := strings.Replace(r.stdout, "If-Match: "+etag, "If-Match: *", 1)
	if resp := send("PUT", url+"/xcloud/v1/customers/"+cid(1), `{"description":"conditional"}`, altered); resp.StatusCode != 401 {
		t.Errorf("signed PUT with If-Match altered after signing: %d, want 401", resp.StatusCode)
	}
	if resp := send("PUT", url+"/xcloud/v1/customers/"+cid(1), `{"description":"conditional"}`, r.stdout); r.code != 0 || resp.StatusCode != 200 {
		t.Errorf("signed conditional PUT: exit %d, %d", r.code, resp.StatusCode)
	}
	idem := minimal(cid(3), "ACTIVE")
	for i, want := range []string{"", "true"} {
		r = xcloud([]string{"sign", "POST", "/xcloud/v1/customers", "--data", idem, "--idempotency-key", "sign-test-1"}, "", env)
		resp := send("POST", url+"/xcloud/v1/customers", idem, r.stdout)
		if resp.StatusCode != 201 || resp.Header.Get("Idempotent-Replayed") != want {
			t.Errorf("signed POST %d with an Idempotency-Key: %d, Idempotent-Replayed %q, want 201 and %q", i+1, resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), want)
		}
	}

	r = xcloud([]string{"sign", "HEAD", url + "/xcloud/v1/customers/" + cid(1)}, "", env)
	if resp := send("HEAD", url+"/xcloud/v1/customers/"+cid(1), "", r.stdout); r.code != 0 || resp.StatusCode != 200 {
		t.Errorf("signed HEAD: exit %d, %d", r.code, resp.StatusCode)
	}

	// --curl prints a command for sh.
	r = xcloud([]string{"sign", "--curl", "PUT", url + "/xcloud/v1/customers/" + cid(1), "--data", "-"}, `{"description":"it's curl"}`, env)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "curl -sS -i --fail-with-body -w '\\n' -X PUT '"+url+"/xcloud/v1/customers/"+cid(1)+"' -H 'Content-MD5: ") ||
		!strings.HasSuffix(r.stdout, ` --data-binary '{"description":"it'\''s curl"}'`+"\n") {
		t.Errorf("curl command %q", r.stdout)
	}
	head := xcloud([]string{"sign", "--curl", "HEAD", url + "/xcloud/v1/customers/" + cid(1) + "," + cid(2)}, "", env)
	if !strings.HasPrefix(head.stdout, "curl -sS -I --fail-with-body '") {
		t.Errorf("HEAD curl command %q", head.stdout)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl to run the commands with")
	}
	// | sh exits 0 on a 2xx, 22 on a 4xx, with the answer shown either way
	// and ended by a newline.
	missing := xcloud([]string{"sign", "--curl", "GET", url + "/xcloud/v1/customers/FST-1536316721808-Nobody"}, "", env)
	for _, c := range []struct {
		cmd, status string
		exit        int
	}{{r.stdout, "HTTP/1.1 200", 0}, {head.stdout, "HTTP/1.1 404", 22}, {missing.stdout, "HTTP/1.1 404", 22}} {
		out, err := exec.Command("sh", "-c", c.cmd).Output() // stdout: curl reports a 4xx on stderr
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.exit || !strings.HasPrefix(string(out), c.status) || !strings.HasSuffix(string(out), "\n") {
			t.Errorf("sh -c %s: exit %d, want %d\n%q", c.cmd, code, c.exit, out)
		}
	}
	if got := xcloud([]string{"customers", "get", cid(1)}, "", env); !strings.Contains(got.stdout, `"description":"it's curl"`) {
		t.Errorf("after the curl PUT: %s", got.stdout)
	}

	// Usage errors.
	for _, args := range [][]string{{"sign", "GET"}, {"sign", "GET", url, "extra"}} {
		if r := xcloud(args, "", env); r.code != 2 {
			t.Errorf("%v: exit %d", args, r.code)
		}
	}
	if r := xcloud([]string{"sign", "GET", url}, "", map[string]string{}); r.code != 2 {
		t.Errorf("sign without credentials: exit %d", r.code)
	}
}

func TestOutputIsCompactUnlessATerminal(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(pw) || isTerminal(f) || isTerminal(&strings.Builder{}) {
		t.Error("a pipe, a file or a buffer taken for a terminal")
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !isTerminal(tty) {
			t.Error("/dev/tty not taken for a terminal")
		}
	}
}
