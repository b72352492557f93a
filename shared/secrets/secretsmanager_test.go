package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/xcloud/customers/shared/apierror"
)

const secretID = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:xcloud/credentials-AbCdEf"

// fakeSM is Secrets Manager answering GetSecretValue with the answers given,
// in turn (the last one repeats), and checking each request.
type fakeSM struct {
	t       *testing.T
	answers []answer
	calls   atomic.Int32
}

type answer struct {
	status int
	body   string
}

func (f *fakeSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1)) - 1
	body, _ := io.ReadAll(r.Body)
	checks := []struct {
		ok   bool
		what string
	}{
		{r.Method == http.MethodPost && r.URL.Path == "/", "POST /"},
		{r.Header.Get("X-Amz-Target") == "secretsmanager.GetSecretValue", "X-Amz-Target"},
		{r.Header.Get("Content-Type") == "application/x-amz-json-1.1", "Content-Type"},
		{strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") &&
			strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/secretsmanager/aws4_request, SignedHeaders="), "a SigV4 signature for secretsmanager in eu-west-1"},
		{r.Header.Get("X-Amz-Security-Token") == "session-token", "the session token"},
		{r.Header.Get("X-Amz-Date") != "", "X-Amz-Date"},
		{string(body) == `{"SecretId":"`+secretID+`"}`, "the body names the secret"},
	}
	for _, c := range checks {
		if !c.ok {
			f.t.Errorf("request %d: want %s; got %s %s %v %s", n, c.what, r.Method, r.URL, r.Header, body)
		}
	}
	a := f.answers[min(n, len(f.answers)-1)]
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func newFake(t *testing.T, answers ...answer) (*fakeSM, *SecretsManager) {
	f := &fakeSM{t: t, answers: answers}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, NewSecretsManager(awsConfig(), srv.URL)
}

func awsConfig() aws.Config {
	return aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session-token")}
}

func ok(value string) answer {
	b, _ := json.Marshal(map[string]any{"ARN": secretID, "Name": "xcloud/credentials", "SecretString": value, "VersionId": "v1",
		"VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
	return answer{http.StatusOK, string(b)}
}

var (
	notFound  = answer{http.StatusBadRequest, `{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`}
	throttled = answer{http.StatusBadRequest, `{"__type":"com.amazonaws.secretsmanager#ThrottlingException","Message":"Rate exceeded"}`}
	internal  = answer{http.StatusInternalServerError, `{"__type":"InternalServiceError","message":"try again"}`}
)

func TestSecretsManagerFetch(t *testing.T) {
	cases := []struct {
		name    string
		answers []answer
		want    string
		wantErr string // part of the error; "" for none
		calls   int32
	}{
		{"the string value", []answer{ok(`{"a":1}`)}, `{"a":1}`, "", 1},
		{"an empty string value", []answer{ok("")}, "", "", 1},
		{"escapes and unicode", []answer{ok("\"é\\\n☃")}, "\"é\\\n☃", "", 1},
		{"no string value", []answer{{http.StatusOK, `{"ARN":"a","SecretBinary":"AQID"}`}}, "", "has no string value", 1},
		{"an answer that is not JSON", []answer{{http.StatusOK, `<html>`}}, "", "not JSON", 1},
		{"a missing secret, not retried", []answer{notFound, ok("x")}, "", "400 ResourceNotFoundException: Secrets Manager can't find", 1},
		{"throttled, then served", []answer{throttled, ok("x")}, "x", "", 2},
		{"a server error, then served", []answer{internal, internal, ok("x")}, "x", "", 3},
		{"server errors to the last attempt", []answer{internal}, "", "500 InternalServiceError: try again", 3},
		{"an error without a body", []answer{{http.StatusForbidden, ``}}, "", "403 UnknownError", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, sm := newFake(t, c.answers...)
			got, err := sm.Fetch(secretID)(context.Background())
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, c.wantErr)
			case c.wantErr == "" && string(got) != c.want:
				t.Fatalf("value %q, want %q", got, c.want)
			}
			if err != nil && !strings.Contains(err.Error(), secretID) {
				t.Errorf("error %q does not name the secret", err)
			}
			if n := f.calls.Load(); n != c.calls {
				t.Errorf("%d requests, want %d", n, c.calls)
			}
		})
	}
}

// A network failure is retried, and through a Cache a failed fetch is
// unavailable (503), never a crash.
func TestSecretsManagerUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	sm := NewSecretsManager(awsConfig(), url)
	start := time.Now()
	c := NewCache("credentials", sm.Fetch(secretID), parseDoc, DefaultTTL, discard())
	_, err := c.Get(context.Background())
	if !errors.Is(err, apierror.ErrUnavailable) {
		t.Fatalf("error %v, want one wrapping ErrUnavailable", err)
	}
	if waited := time.Since(start); waited < fetchBackoff*3 {
		t.Errorf("gave up after %v: not %d attempts with backoff", waited, fetchAttempts)
	}
}

// A cancelled fetch stops between attempts.
func TestSecretsManagerFetchStopsWithItsContext(t *testing.T) {
	_, sm := newFake(t, internal)
	ctx, cancel := context.WithTimeout(context.Background(), fetchBackoff/2)
	defer cancel()
	if _, err := sm.Fetch(secretID)(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the context's", err)
	}
}

func TestSecretsManagerEndpoints(t *testing.T) {
	for region, want := range map[string]string{
		"eu-west-1":     "https://secretsmanager.eu-west-1.amazonaws.com",
		"us-gov-west-1": "https://secretsmanager.us-gov-west-1.amazonaws.com",
		"cn-north-1":    "https://secretsmanager.cn-north-1.amazonaws.com.cn",
	} {
		if got := NewSecretsManager(aws.Config{Region: region}, "").endpoint; got != want {
			t.Errorf("%s: endpoint %s, want %s", region, got, want)
		}
	}
	if got := NewSecretsManager(aws.Config{Region: "eu-west-1"}, "http://127.0.0.1:4566/").endpoint; got != "http://127.0.0.1:4566" {
		t.Errorf("endpoint %s, want the one given", got)
	}
}

// Against moto's Secrets Manager, when make test-moto runs it.
func TestSecretsManagerOnMoto(t *testing.T) {
	endpoint := os.Getenv("XCLOUD_MOTO_ENDPOINT")
	if endpoint == "" {
		t.Skip("XCLOUD_MOTO_ENDPOINT is not set (make test-moto sets it)")
	}
	sm := NewSecretsManager(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}, endpoint)
	name := "xcloud-test-" + time.Now().Format("150405.000000000")
	body, _ := json.Marshal(map[string]string{"Name": name, "SecretString": `{"svc":"key"}`})
	if _, err := sm.call(context.Background(), "secretsmanager.CreateSecret", body); err != nil {
		t.Fatalf("create secret: %v", err)
	}
	got, err := sm.Fetch(name)(context.Background())
	if err != nil || string(got) != `{"svc":"key"}` {
		t.Fatalf("fetch = %q, %v", got, err)
	}
	_, err = sm.Fetch(name + "-missing")(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "ResourceNotFoundException" {
		t.Fatalf("missing secret: %v, want ResourceNotFoundException", err)
	}
}
