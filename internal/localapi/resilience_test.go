package localapi_test

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xcloud/customers/internal/faultproxy"
	"github.com/xcloud/customers/shared/deps"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/secrets"
	"github.com/xcloud/customers/shared/settings"
)

// lambdaTimeout is the functions' timeout in template.yaml: every answer,
// retries included, must come well before it.
const lambdaTimeout = 6 * time.Second

// newFaultyEnv is the local API on a DynamoDB reached through a fault proxy,
// with short attempts so that slow answers time out quickly.
func newFaultyEnv(t *testing.T) (*env, *faultproxy.Proxy) {
	t.Helper()
	var proxy *faultproxy.Proxy
	e := newEnv(t, func(cfg *settings.Settings) {
		var err error
		if proxy, err = faultproxy.New(cfg.DynamoDBEndpoint); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { proxy.Close() })
		proxy.Delay = time.Second
		cfg.DynamoDBEndpoint = proxy.URL
		cfg.AttemptTimeout = 300 * time.Millisecond
	})
	return e, proxy
}

// Throttling, internal errors, slow answers and refused connections: the
// SDK retries a bounded number of times, then the API answers 503 with
// Retry-After, well inside the Lambda timeout, and nothing is written.
func TestDynamoDBFaultsGive503AndWriteNothing(t *testing.T) {
	e, proxy := newFaultyEnv(t)
	e.register(cid(1), "ACTIVE")
	requests := []request{
		{method: http.MethodPost, path: base, body: minimal(cid(2), "ACTIVE")},
		{method: http.MethodPut, path: base + "/" + cid(1), body: `{"customerName":"changed","status":"SUSPENDED"}`},
		{method: http.MethodPut, path: base + "/" + cid(1), body: `{"description":"x"}`, header: map[string]string{"If-Match": `"1"`}},
		{method: http.MethodGet, path: base + "/" + cid(1)},
		{method: http.MethodGet, path: base},
		{method: http.MethodGet, path: base, query: "status=ACTIVE"},
		{method: http.MethodHead, path: base + "/" + cid(1) + "," + cid(2)},
	}
	for _, fault := range []struct {
		name  string
		set   func() error
		tries int64 // DynamoDB requests per API request; 0: not countable
	}{
		{"throttling", func() error { proxy.Set(faultproxy.Throttle); return nil }, 3},
		{"internal errors", func() error { proxy.Set(faultproxy.ServerError); return nil }, 3},
		{"slow answers", func() error { proxy.Set(faultproxy.Slow); return nil }, 3},
		{"refused connections", func() error { proxy.Set(faultproxy.None); return proxy.Refuse() }, 0},
	} {
		t.Run(fault.name, func(t *testing.T) {
			e.t = t
			before := e.db.Snapshot(t)
			if err := fault.set(); err != nil {
				t.Fatal(err)
			}
			var slowest time.Duration
			statuses := map[int]int{}
			for _, r := range requests {
				start, sent := time.Now(), proxy.Requests()
				got := e.do(r)
				took := time.Since(start)
				slowest = max(slowest, took)
				statuses[got.status]++
				if got.status != http.StatusServiceUnavailable || got.header.Get("Retry-After") == "" {
					t.Errorf("%s %s: %d %v %s, want 503 with Retry-After", r.method, r.path, got.status, got.header, got.body)
				}
				if r.method != http.MethodHead && !strings.Contains(string(got.body), `"error":"SERVICE_UNAVAILABLE"`) {
					t.Errorf("%s %s: body %s", r.method, r.path, got.body)
				}
				if took > lambdaTimeout/2 {
					t.Errorf("%s %s: answered after %s, not well inside the %s Lambda timeout", r.method, r.path, took, lambdaTimeout)
				}
				if n := proxy.Requests() - sent; fault.tries > 0 && n != fault.tries {
					t.Errorf("%s %s: %d DynamoDB attempts, want %d (bounded retries)", r.method, r.path, n, fault.tries)
				}
			}
			t.Logf("%s: %d requests, statuses %v, %d DynamoDB attempts each, slowest answer %s",
				fault.name, len(requests), statuses, fault.tries, slowest.Round(time.Millisecond))
			proxy.Set(faultproxy.None)
			if fault.tries == 0 {
				if err := proxy.Accept(); err != nil {
					t.Fatal(err)
				}
			}
			if fault.name == "slow answers" {
				time.Sleep(proxy.Delay + 200*time.Millisecond) // any request passed on would land by now
			}
			if after := e.db.Snapshot(t); !maps.Equal(before, after) {
				t.Errorf("stored data changed:\nbefore %v\nafter  %v", before, after)
			}
			// And the API is back to normal.
			if got := e.do(request{method: http.MethodGet, path: base + "/" + cid(1)}); got.status != http.StatusOK {
				t.Errorf("after the fault: %d %s", got.status, got.body)
			}
		})
	}
	e.t = t
	if logs := e.log.String(); strings.Contains(logs, secret) || strings.Contains(logs, "a@example.com") {
		t.Error("a secret or an e-mail address reached the log")
	}
}

// fakeSecretsManager answers GetSecretValue with a secret, or fails while
// down is set.
func fakeSecretsManager(t *testing.T, value string, down *atomic.Bool) *httptest.Server {
	return fakeSecretsManagerOf(t, func(string) string { return value }, down)
}

// fakeSecretsManagerOf answers each secret id with value(id).
func fakeSecretsManagerOf(t *testing.T, value func(id string) string, down *atomic.Bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ SecretId string }
		json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"InvalidRequestException","message":"unexpected call"}`)
			return
		}
		if down.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"__type":"InternalServiceError","message":"unavailable"}`)
			return
		}
		b, _ := json.Marshal(map[string]any{"ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:xcloud-credentials-AbCdEf",
			"Name": in.SecretId, "SecretString": value(in.SecretId), "VersionId": "v1"})
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Secrets Manager unreachable at cold start: 503, not a crash; a few
// seconds after it is back, the function serves; while it fails again, the
// last good credentials serve for an hour past their refresh time, then 503.
func TestCredentialsSecretUnreachableAtColdStart(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	sm := fakeSecretsManager(t, credentials, &down)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", sm.URL)
	clock := newStepClock()
	withClock := func(f function.Function, s settings.Settings) deps.Options {
		o := recorded(f, s)
		o.Now = clock.now
		return o
	}
	e := newEnvOptions(t, withClock, func(cfg *settings.Settings) {
		cfg.Credentials = ""
		cfg.CredentialsSecretID = "xcloud-credentials"
	})
	register := func(n int) response {
		return e.do(request{method: http.MethodPost, path: base, body: minimal(cid(n), "ACTIVE")})
	}

	e.unchanged(func() {
		got := register(1)
		expectError(t, got, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
		if got.header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
	down.Store(false)
	// A failed fetch is not repeated within RetryAfterFailure: the failure
	// answers until then.
	e.unchanged(func() { expectError(t, register(1), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE") })
	clock.advance(secrets.RetryAfterFailure)
	if got := register(1); got.status != http.StatusCreated {
		t.Errorf("with Secrets Manager back: %d %s", got.status, got.body)
	}
	down.Store(true)
	if got := register(2); got.status != http.StatusCreated {
		t.Errorf("with Secrets Manager down again, within the cache time: %d %s", got.status, got.body)
	}
	clock.advance(secrets.DefaultTTL + secrets.MaxStale - time.Second)
	if got := register(3); got.status != http.StatusCreated {
		t.Errorf("with Secrets Manager down, credentials stale for less than an hour: %d %s", got.status, got.body)
	}
	clock.advance(secrets.RetryAfterFailure + time.Second)
	e.unchanged(func() { expectError(t, register(4), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE") })
	if !strings.Contains(e.log.String(), "too old to use") {
		t.Error("the log does not say the credentials are too old to use")
	}
	if strings.Contains(e.log.String(), secret) {
		t.Error("a secret reached the log")
	}
}

// stepClock is a clock that tests move forward.
type stepClock struct{ offset atomic.Int64 }

func newStepClock() *stepClock { return &stepClock{} }

func (c *stepClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

func (c *stepClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// Every function reads its secrets from Secrets Manager when the template's
// variables name them: the credentials, and for listing the page token key.
func TestSecretsFromSecretsManager(t *testing.T) {
	var down atomic.Bool
	sm := fakeSecretsManager(t, credentials, &down)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", sm.URL)
	e := newEnv(t, func(s *settings.Settings) {
		s.Credentials, s.CredentialsSecretID = "", "xcloud-credentials"
		s.PageTokenKey, s.PageTokenSecretID = "", "xcloud-page-token-key"
	})
	e.register(cid(1), "ACTIVE")
	e.register(cid(2), "ACTIVE")
	first := e.do(request{method: http.MethodGet, path: base, query: "limit=1"})
	token, _ := first.json(t)["nextToken"].(string)
	if first.status != http.StatusOK || token == "" {
		t.Fatalf("first page: %d %s, want a nextToken", first.status, first.body)
	}
	if got := e.do(request{method: http.MethodGet, path: base, query: "limit=1&nextToken=" + url.QueryEscape(token)}); got.status != http.StatusOK {
		t.Errorf("second page: %d %s", got.status, got.body)
	}
	for _, r := range []request{
		{method: http.MethodGet, path: base + "/" + cid(1)},
		{method: http.MethodPut, path: base + "/" + cid(1), body: `{"description":"x"}`},
		{method: http.MethodHead, path: base + "/" + cid(1) + "," + cid(2)},
	} {
		if got := e.do(r); got.status != http.StatusOK {
			t.Errorf("%s %s: %d %s", r.method, r.path, got.status, got.body)
		}
	}
}

// A page token key in Secrets Manager shorter than 32 bytes is never used:
// a listing that needs a token answers 500 and the log says why.
func TestShortPageTokenKeyFromSecretsManager(t *testing.T) {
	var down atomic.Bool
	sm := fakeSecretsManagerOf(t, func(id string) string {
		if id == "xcloud-page-token-key" {
			return "short-key"
		}
		return credentials
	}, &down)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", sm.URL)
	e := newEnv(t, func(s *settings.Settings) {
		s.PageTokenKey, s.PageTokenSecretID = "", "xcloud-page-token-key"
	})
	e.register(cid(1), "ACTIVE")
	e.register(cid(2), "ACTIVE")
	got := e.do(request{method: http.MethodGet, path: base, query: "limit=1"})
	expectError(t, got, http.StatusInternalServerError, "INTERNAL_ERROR")
	if !strings.Contains(e.log.String(), "page token key is 9 bytes; it must be at least 32") {
		t.Errorf("the log does not say why: %s", e.log.String())
	}
	if strings.Contains(e.log.String(), "short-key") {
		t.Error("the key reached the log")
	}
}
