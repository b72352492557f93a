package localapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/xcloud/customers/internal/localapi"
	"github.com/xcloud/customers/shared/httpapi"

	"github.com/xcloud/customers/internal/apitest"
	"github.com/xcloud/customers/internal/dynamotest"
	"github.com/xcloud/customers/internal/openapicheck"
	"github.com/xcloud/customers/shared/settings"
)

// The services of the test credentials document.
const (
	writer     = "svc-writer" // both scopes, two secrets (rotation)
	reader     = "svc.reader" // customers:read only
	writeOnly  = "svc_write-only"
	secret     = "writer-secret-1"
	nextSecret = "writer-secret-2"
	readSecret = "reader-secret"
	woSecret   = "write-only-secret"
)

const credentials = `{
  "svc-writer": {"secrets": ["writer-secret-1", "writer-secret-2"], "scopes": ["customers:read", "customers:write"]},
  "svc.reader": {"secrets": ["reader-secret"], "scopes": ["customers:read"]},
  "svc_write-only": {"secrets": ["write-only-secret"], "scopes": ["customers:write"]}
}`

const base = "/xcloud/v1/customers"

// env is the whole local API against a fresh table.
type env struct {
	t   *testing.T
	url string
	db  *dynamotest.DB
	log *apitest.SyncBuffer
}

// newEnv serves the API with the test credentials; edits change its
// configuration first.
func newEnv(t *testing.T, edits ...func(*settings.Settings)) *env {
	t.Helper()
	return newEnvOptions(t, recorded, edits...)
}

// newEnvOptions is newEnv with the functions' options made by options.
func newEnvOptions(t *testing.T, options localapi.Options, edits ...func(*settings.Settings)) *env {
	t.Helper()
	api := apitest.Serve(t, "../..", credentials, options, edits...)
	e := &env{t: t, url: api.URL, db: api.DB, log: api.Logs}
	roots.Store(e, t)
	t.Cleanup(func() { roots.Delete(e) })
	return e
}

// request describes one call; the zero value of a field means "as a
// well-behaved client would send it".
type request struct {
	method, path, query string
	body                string
	service, secret     string // default: writer
	skew                int64  // seconds added to the current time to sign with
	unsigned            bool
	contentType         *string // default application/json on POST and PUT
	// header is set after signing ("" deletes); If-Match and
	// Idempotency-Key among it are signed too, unless unsignedHeaders.
	header          map[string]string
	unsignedHeaders bool
	signExtra       []string    // lines signed after those, sent or not
	addHeader       [][2]string // added after signing (repeats)
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func str(p string) *string { return &p }

func (e *env) do(r request) response {
	t := e.t
	t.Helper()
	if r.service == "" {
		r.service = writer
	}
	if r.secret == "" {
		r.secret = secret
	}
	timestamp := time.Now().Unix() + r.skew
	target := e.url + r.path
	if r.query != "" {
		target += "?" + r.query
	}
	req, err := http.NewRequest(r.method, target, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	hasBody := r.method == http.MethodPost || r.method == http.MethodPut
	if hasBody {
		ct := "application/json"
		if r.contentType != nil {
			ct = *r.contentType
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
	}
	if !r.unsigned {
		var extra []string
		for _, name := range []string{"If-Match", "Idempotency-Key"} {
			if v, ok := r.header[name]; ok && v != "" && !r.unsignedHeaders {
				extra = append(extra, strings.ToLower(name)+":"+strings.TrimSpace(v))
			}
		}
		extra = append(extra, r.signExtra...)
		for k, v := range sign(r.method, r.path, r.query, []byte(r.body), r.service, r.secret, timestamp, extra...) {
			req.Header.Set(k, v)
		}
	}
	for k, v := range r.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	for _, kv := range r.addHeader {
		req.Header.Add(kv[0], kv[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkOpenAPI(e.reporter(t), req, []byte(r.body), resp.StatusCode, resp.Header, body)
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

// roots remembers the test each env was made in (or first used by).
var roots sync.Map // *env -> *testing.T

// reporter is the test to report a failure of do to: t (do's e.t), unless
// that is a subtest that has finished (a test that set e.t = t in its
// subtests may call do again without setting it back), and then the env's
// own test.
func (e *env) reporter(t *testing.T) *testing.T {
	root, _ := roots.LoadOrStore(e, t)
	if t.Context().Err() != nil {
		if r := root.(*testing.T); r.Context().Err() == nil {
			return r
		}
	}
	return t
}

// openAPI is the API's OpenAPI description, loaded once per process.
var openAPI = sync.OnceValues(func() (*openapicheck.Spec, error) {
	return openapicheck.Load("../../openapi/openapi.yaml")
})

// checkOpenAPI fails the test unless the exchange matches the OpenAPI
// description: always the response (or API Gateway's 404 on a route the
// description does not have), and the request too when the API answered it
// as well-formed, since tests send malformed requests on purpose. It reports
// with Errorf: do may run on several goroutines at once.
func checkOpenAPI(t *testing.T, req *http.Request, reqBody []byte, status int, header http.Header, body []byte) {
	t.Helper()
	spec, err := openAPI()
	if err != nil {
		t.Errorf("OpenAPI description: %v", err)
		return
	}
	x := openapicheck.Exchange{Request: req, RequestBody: reqBody, Status: status, Header: header, Body: body}
	if err := spec.Check(context.Background(), x); err != nil {
		t.Errorf("openapi/openapi.yaml: %v", err)
	}
}

// sign is XCLOUD-HMAC-SHA256 written from the contract alone, independently
// of package hmacauth, so that a mistake there cannot hide in both; extra are
// the lines of version 1.1 ("if-match:...", "idempotency-key:...").
func sign(method, path, rawQuery string, body []byte, service, secret string, ts int64, extra ...string) map[string]string {
	h := map[string]string{"X-XCloud-Service-Id": service, "X-XCloud-Timestamp": strconv.FormatInt(ts, 10)}
	contentMD5 := ""
	if method == http.MethodPost || method == http.MethodPut {
		sum := md5.Sum(body)
		contentMD5 = base64.StdEncoding.EncodeToString(sum[:])
		h["Content-MD5"] = contentMD5
	}
	decodedPath, _ := url.PathUnescape(path)
	lines := append([]string{"XCLOUD-HMAC-SHA256", h["X-XCloud-Timestamp"], service, method, decodedPath, canonicalQuery(rawQuery), contentMD5}, extra...)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strings.Join(lines, "\n")))
	h["X-XCloud-Signature"] = hex.EncodeToString(m.Sum(nil))
	return h
}

// contentMD5 is the Content-MD5 of a body (RFC 1864).
func contentMD5(body string) string {
	sum := md5.Sum([]byte(body))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func canonicalQuery(raw string) string {
	values, _ := url.ParseQuery(raw)
	type pair struct{ n, v string }
	var pairs []pair
	for n, vs := range values {
		for _, v := range vs {
			pairs = append(pairs, pair{rfc3986(n), rfc3986(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].n != pairs[j].n {
			return pairs[i].n < pairs[j].n
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.n + "=" + p.v
	}
	return strings.Join(parts, "&")
}

func rfc3986(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// register posts a minimal valid customer and fails the test unless 201.
func (e *env) register(id, status string) response {
	e.t.Helper()
	r := e.do(request{method: http.MethodPost, path: base, body: minimal(id, status)})
	if r.status != http.StatusCreated {
		e.t.Fatalf("register %s: %d %s", id, r.status, r.body)
	}
	return r
}

func minimal(id, status string) string {
	return `{"customerId":"` + id + `","customerName":"Customer ` + id + `","contactInfo":{"email":"a@example.com"},"status":"` + status + `"}`
}

func cid(n int) string { return "FST-1536316721808-C" + strconv.Itoa(10000+n) }

// expectError checks an error response: status, code, a requestId equal to
// the X-Request-Id header, and JSON content type.
func expectError(t *testing.T, r response, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	m := r.json(t)
	if m["error"] != code {
		t.Errorf("error %v, want %s; body %s", m["error"], code, r.body)
	}
	if msg, _ := m["message"].(string); msg == "" {
		t.Errorf("no message: %s", r.body)
	}
	if id := r.header.Get("X-Request-Id"); id == "" || m["requestId"] != id {
		t.Errorf("requestId %v, X-Request-Id %q", m["requestId"], id)
	}
	return m
}

// unchanged runs f and fails if the table changed.
func (e *env) unchanged(f func()) {
	e.t.Helper()
	before := e.db.Snapshot(e.t)
	f()
	if after := e.db.Snapshot(e.t); !maps.Equal(before, after) {
		e.t.Errorf("stored data changed:\nbefore %v\nafter  %v", before, after)
	}
}

func hmacHex(key, msg string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// lambdaEntry is a function's Lambda entry taking the event as a struct.
type lambdaEntry func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// lambdaEntries builds every function's Lambda entry, by logical id, on
// settings s as its main builds it, logging to log.
func lambdaEntries(t testing.TB, s settings.Settings, log *slog.Logger) map[string]lambdaEntry {
	t.Helper()
	handlers, err := localapi.Handlers(context.Background(), s, log, recorded)
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]lambdaEntry{}
	for id, h := range handlers {
		lambda := httpapi.Lambda(h, log)
		entries[id] = func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			raw, err := json.Marshal(ev)
			if err != nil {
				return events.APIGatewayV2HTTPResponse{}, err
			}
			return lambda(ctx, raw)
		}
	}
	return entries
}
