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
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

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
	var req struct{ SecretId string }
	json.Unmarshal(body, &req)
	checks := []struct {
		ok   bool
		what string
	}{
		{r.Header.Get("X-Amz-Target") == "secretsmanager.GetSecretValue", "X-Amz-Target"},
		{strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") &&
			strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/secretsmanager/aws4_request, SignedHeaders="), "a SigV4 signature for secretsmanager in eu-west-1"},
		{r.Header.Get("X-Amz-Security-Token") == "session-token", "the session token"},
		{req.SecretId == secretID, "the body names the secret"},
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

func client(endpoint string) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(aws.Config{
		Region:      "eu-west-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session-token"),
	}, func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.Retryer = fastRetries()
	})
}

func newFake(t *testing.T, answers ...answer) (*fakeSM, *secretsmanager.Client) {
	f := &fakeSM{t: t, answers: answers}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, client(srv.URL)
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

// What the fetch makes of Secrets Manager's answers, retries being the SDK's.
func TestFromSecretsManager(t *testing.T) {
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
		{"a missing secret, not retried", []answer{notFound, ok("x")}, "", "ResourceNotFoundException", 1},
		{"throttled, then served", []answer{throttled, ok("x")}, "x", "", 2},
		{"a server error, then served", []answer{internal, internal, ok("x")}, "x", "", 3},
		{"server errors to the last attempt", []answer{internal}, "", "InternalServiceError", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, sm := newFake(t, c.answers...)
			got, err := FromSecretsManager(sm, secretID)(context.Background())
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

// Through a Cache, an unreachable Secrets Manager is unavailable (503),
// never a crash.
func TestSecretsManagerUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now
	c := NewCache("credentials", FromSecretsManager(client(url), secretID), parseDoc, DefaultTTL, time.Now, discard())
	if _, err := c.Get(context.Background()); !errors.Is(err, apierror.ErrUnavailable) {
		t.Fatalf("error %v, want one wrapping ErrUnavailable", err)
	}
}

// Against moto's Secrets Manager, when make test-moto runs it.
func TestSecretsManagerOnMoto(t *testing.T) {
	endpoint := os.Getenv("XCLOUD_MOTO_ENDPOINT")
	if endpoint == "" {
		t.Skip("XCLOUD_MOTO_ENDPOINT is not set (make test-moto sets it)")
	}
	sm := secretsmanager.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")},
		func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(endpoint) })
	name := "xcloud-test-" + time.Now().Format("150405.000000000")
	if _, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(`{"svc":"key"}`)}); err != nil {
		t.Fatalf("create secret: %v", err)
	}
	got, err := FromSecretsManager(sm, name)(context.Background())
	if err != nil || string(got) != `{"svc":"key"}` {
		t.Fatalf("fetch = %q, %v", got, err)
	}
	_, err = FromSecretsManager(sm, name+"-missing")(context.Background())
	var missing *types.ResourceNotFoundException
	if !errors.As(err, &missing) {
		t.Fatalf("missing secret: %v, want ResourceNotFoundException", err)
	}
}

// fastRetries is the SDK's standard retryer, three attempts, without the
// wait between them.
func fastRetries() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
	})
}
