// Package config reads a function's settings from its environment and builds
// the dependencies its handler needs, once per cold start.
package config

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"

	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/dynamoprotocol"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/pagetoken"
	"github.com/xcloud/customers/shared/secrets"
	"github.com/xcloud/customers/shared/store"
)

// Environment variables the functions read.
const (
	EnvTable               = "TABLE_NAME"
	EnvStatusIndex         = "STATUS_INDEX_NAME"
	EnvDynamoDBEndpoint    = "DYNAMODB_ENDPOINT"
	EnvCredentialsSecretID = "CREDENTIALS_SECRET_ID"
	EnvCredentials         = "XCLOUD_SERVICE_CREDENTIALS"
	EnvPageTokenSecretID   = "PAGE_TOKEN_SECRET_ID"
	EnvPageTokenKey        = "XCLOUD_PAGE_TOKEN_KEY"
	EnvMaxDevices          = "LIMIT_MAX_DEVICES"
	EnvMaxUsers            = "LIMIT_MAX_USERS"
	EnvMaxDataPoints       = "LIMIT_MAX_DATA_POINTS"
	EnvLogLevel            = "LOG_LEVEL"
)

// Defaults for a local run.
const (
	DefaultTable       = "xcloud-customers"
	DefaultStatusIndex = "status-index"
)

// Config is a function's settings.
type Config struct {
	Table               string
	StatusIndex         string
	DynamoDBEndpoint    string // empty: the AWS endpoint of the region
	CredentialsSecretID string // Secrets Manager secret holding the credentials document
	Credentials         string // the credentials document itself (local runs)
	PageTokenSecretID   string
	PageTokenKey        string
	Limits              customer.Limits
	LogLevel            slog.Level
	// AttemptTimeout bounds each attempt of an AWS call; zero means the
	// default: 1 s against AWS, 10 s against a local endpoint, where a
	// single-threaded test server may queue many concurrent requests.
	AttemptTimeout time.Duration
	// APIOptions are extra SDK middleware for every DynamoDB call (the
	// benchmarks count calls and capacity with it).
	APIOptions []func(*middleware.Stack) error
}

// Needs says which optional parts of the configuration a function uses, so
// that it reads, and in Lambda requires, only its own variables.
type Needs struct {
	StatusIndex bool // lists customers by status
	PageTokens  bool // seals and opens nextToken
	Limits      bool // registers customers
}

// Everything is what the local API, serving every function, needs.
var Everything = Needs{StatusIndex: true, PageTokens: true, Limits: true}

// Env lists the variables a deployed function with these needs reads: the
// template must give it each of them.
func (n Needs) Env() []string {
	env := []string{EnvTable, EnvCredentialsSecretID, EnvLogLevel}
	if n.StatusIndex {
		env = append(env, EnvStatusIndex)
	}
	if n.PageTokens {
		env = append(env, EnvPageTokenSecretID)
	}
	if n.Limits {
		env = append(env, EnvMaxDevices, EnvMaxUsers, EnvMaxDataPoints)
	}
	return env
}

// localAlternative names the variable that stands in for a secret's id
// where there is no Secrets Manager: sam local invoke, the local invoker.
var localAlternative = map[string]string{
	EnvCredentialsSecretID: EnvCredentials,
	EnvPageTokenSecretID:   EnvPageTokenKey,
}

// inLambda reports whether this process is a Lambda function, where a
// missing variable is a deployment mistake rather than a local default.
func inLambda() bool { return os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" }

// FromEnv reads the settings a function with needs n uses from the
// environment. In Lambda every variable of n.Env() must be set.
func FromEnv(n Needs) (Config, error) {
	var errs []error
	if inLambda() {
		for _, name := range n.Env() {
			if os.Getenv(name) == "" && os.Getenv(localAlternative[name]) == "" {
				errs = append(errs, fmt.Errorf("%s is not set", name))
			}
		}
	}
	c := Config{
		Table:               envOr(EnvTable, DefaultTable),
		StatusIndex:         envOr(EnvStatusIndex, DefaultStatusIndex),
		DynamoDBEndpoint:    os.Getenv(EnvDynamoDBEndpoint),
		CredentialsSecretID: os.Getenv(EnvCredentialsSecretID),
		Credentials:         os.Getenv(EnvCredentials),
		PageTokenSecretID:   os.Getenv(EnvPageTokenSecretID),
		PageTokenKey:        os.Getenv(EnvPageTokenKey),
		Limits:              customer.DefaultLimits,
	}
	for _, l := range []struct {
		env string
		to  *int64
	}{{EnvMaxDevices, &c.Limits.MaxDevices}, {EnvMaxUsers, &c.Limits.MaxUsers}, {EnvMaxDataPoints, &c.Limits.MaxDataPoints}} {
		if v := os.Getenv(l.env); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want a whole number of at least 0", l.env, v))
			}
			*l.to = n
		}
	}
	if v := os.Getenv(EnvLogLevel); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want DEBUG, INFO, WARN or ERROR", EnvLogLevel, v))
		}
	}
	return c, errors.Join(errs...)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Deps are the dependencies the handlers take.
type Deps struct {
	DynamoDB   *dynamodb.Client
	Store      *store.Store
	Verifier   *hmacauth.Verifier
	PageTokens *pagetoken.Codec
	Limits     customer.Limits
	Log        *slog.Logger
}

// NewLogger returns the JSON logger every function logs with.
func NewLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
}

// New builds the dependencies. Nothing here waits on the network: secrets
// are fetched on first use (the credentials start loading in the background).
func New(ctx context.Context, c Config, log *slog.Logger) (*Deps, error) {
	awsCfg, err := AWS(c)
	if err != nil {
		return nil, err
	}
	db := NewDynamoDB(awsCfg, c)
	// The SDK's own variable for another endpoint (a local stack, a test's
	// fake), which its config loader would have read.
	sm := secrets.NewSecretsManager(awsCfg, os.Getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER"))
	var creds hmacauth.CredentialSource
	switch {
	case c.CredentialsSecretID != "":
		cache := secrets.NewCache("credentials", sm.Fetch(c.CredentialsSecretID),
			hmacauth.ParseCredentials, secrets.DefaultTTL, log)
		go cache.Get(ctx) // warm it while the first request is on its way
		creds = cache
	case c.Credentials != "":
		parsed, err := hmacauth.ParseCredentials([]byte(c.Credentials))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvCredentials, err)
		}
		creds = parsed
	default:
		return nil, fmt.Errorf("no service credentials: set %s or %s", EnvCredentialsSecretID, EnvCredentials)
	}

	var key pagetoken.KeySource
	switch {
	case c.PageTokenSecretID != "":
		key = secrets.NewCache("page token key", sm.Fetch(c.PageTokenSecretID),
			func(b []byte) ([]byte, error) { return b, nil }, secrets.DefaultTTL, log)
	case c.PageTokenKey != "":
		key = pagetoken.StaticKey(c.PageTokenKey)
	default:
		// Tokens then last as long as this process, which suits a local run.
		random := make([]byte, 32)
		rand.Read(random)
		key = pagetoken.StaticKey(random)
	}

	return &Deps{
		DynamoDB:   db,
		Store:      store.New(db, c.Table, c.StatusIndex),
		Verifier:   hmacauth.NewVerifier(creds, nil),
		PageTokens: pagetoken.New(key),
		Limits:     c.Limits,
		Log:        log,
	}, nil
}

// Per-attempt timeout and retries: three attempts of at most 1 s with
// backoff of at most 200 ms end within 3.4 s, well inside the functions' 6 s
// timeout, leaving time to answer 503.
const (
	awsAttemptTimeout   = time.Second
	localAttemptTimeout = 10 * time.Second
	maxAttempts         = 3
	maxBackoff          = 200 * time.Millisecond
)

// NewDynamoDB returns the DynamoDB client of c.
func NewDynamoDB(awsCfg aws.Config, c Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		// The six operations' requests and answers are written and read
		// directly, not by the SDK's generic code (shared/dynamoprotocol).
		o.APIOptions = append(o.APIOptions, dynamoprotocol.AddTo, trimStack)
		o.APIOptions = append(o.APIOptions, c.APIOptions...)
		if c.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(c.DynamoDBEndpoint)
			// Local implementations do not all send DynamoDB's CRC32 header.
			o.DisableValidateResponseChecksum = true
		}
	})
}

// trimStack takes out of every DynamoDB call the steps the functions do not
// need, each of which costs allocations on every request: endpoint discovery
// (off for DynamoDB unless asked for), the per-call invocation id and user
// agent header (AWS-side telemetry only), the trace header for Lambda's
// recursion detection (which does not cover DynamoDB), and the response's
// arrival time, raw copy and debug logging in the call's metadata, which
// nothing here reads. The AWS request id (in errors) and the typed errors
// stay.
func trimStack(s *middleware.Stack) error {
	var errs []error
	remove := func(step string, remove func(id string) error, ids ...string) {
		for _, id := range ids {
			if err := remove(id); err != nil {
				errs = append(errs, fmt.Errorf("remove %s from the %s step: %w", id, step, err))
			}
		}
	}
	remove("build", func(id string) error { _, err := s.Build.Remove(id); return err },
		"ClientRequestID", "UserAgent", "RecursionDetection")
	remove("finalize", func(id string) error { _, err := s.Finalize.Remove(id); return err },
		"DiscoverEndpoint")
	remove("deserialize", func(id string) error { _, err := s.Deserialize.Remove(id); return err },
		"AddRawResponseToMetadata", "RecordResponseTiming", "RequestResponseLogger")
	return errors.Join(errs...)
}

// AWS returns the AWS configuration the clients share: bounded attempts and
// retries, the region and credentials Lambda puts in every function's
// environment (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN; sam local invoke passes the developer's the same way).
// It is built here rather than by the SDK's config loader, which reads shared
// config files at every cold start and links SSO, STS and IMDS clients the
// functions never use (docs/PERFORMANCE.md). Against a local endpoint, which
// checks no signature, a missing region or credentials get stand-ins.
func AWS(c Config) (aws.Config, error) {
	timeout := c.AttemptTimeout
	if timeout == 0 {
		timeout = awsAttemptTimeout
		if c.DynamoDBEndpoint != "" {
			timeout = localAttemptTimeout
		}
	}
	region := envOr("AWS_REGION", os.Getenv("AWS_DEFAULT_REGION"))
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if c.DynamoDBEndpoint != "" {
		region = envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1"))
		if key == "" || secret == "" {
			key, secret = "local", "local"
		}
	}
	var missing []error
	if region == "" {
		missing = append(missing, errors.New("AWS_REGION is not set"))
	}
	if key == "" || secret == "" {
		missing = append(missing, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"))
	}
	if err := errors.Join(missing...); err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN")),
		HTTPClient:  wholeBodies{awshttp.NewBuildableClient().WithTimeout(timeout)},
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				o.MaxBackoff = maxBackoff
			})
		},
		// The SDK's own warnings go to the JSON log like everything else.
		Logger: logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
			slog.Warn("aws sdk", "message", fmt.Sprintf(format, v...))
		}),
	}, nil
}

// wholeBodies hands net/http each request body as an in-memory reader. The
// SDK wraps the body in a type net/http cannot see is in memory, so net/http
// writes the headers and then the body in two writes, two TCP packets for
// every DynamoDB call (golang/go#22088). Each attempt of a call builds a new
// request, so replacing its body here is safe.
type wholeBodies struct{ next aws.HTTPClient }

// maxWholeBody bounds the bodies read into memory here; DynamoDB's largest
// request is 16 MB, the functions' a few KB.
const maxWholeBody = 1 << 20

func (c wholeBodies) Do(r *http.Request) (*http.Response, error) {
	// GetBody is set only for bodies net/http already knows are in memory.
	if r.Body != nil && r.Body != http.NoBody && r.GetBody == nil && r.ContentLength > 0 && r.ContentLength <= maxWholeBody {
		body := make([]byte, r.ContentLength)
		_, err := io.ReadFull(r.Body, body)
		r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("read the request body: %w", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return c.next.Do(r)
}

// Load reads the environment and builds the dependencies: what every
// function's main does once at cold start.
func Load(ctx context.Context, n Needs) (*Deps, error) {
	c, err := FromEnv(n)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	log := NewLogger(c.LogLevel)
	slog.SetDefault(log) // the SDK's warnings go through the default logger
	d, err := New(ctx, c, log)
	if err != nil {
		return nil, err
	}
	if inLambda() {
		go primeConnection(ctx, d.DynamoDB.Options(), log)
	}
	return d, nil
}

// primeConnection opens, in the background, the connection the first
// DynamoDB call will use, so that its TCP and TLS handshakes overlap the wait
// for the first event instead of adding to that request's latency. It asks
// for the endpoint's health page (GET /): no DynamoDB operation, no
// signature, no capacity. The connection then waits in the client's pool; if
// priming fails or is late, the first call dials as it would have.
func primeConnection(ctx context.Context, o dynamodb.Options, log *slog.Logger) {
	if err := getRoot(ctx, o); err != nil {
		log.Debug("prime DynamoDB connection", "error", err.Error())
	}
}

func getRoot(ctx context.Context, o dynamodb.Options) error {
	ep, err := o.EndpointResolverV2.ResolveEndpoint(ctx, dynamodb.EndpointParameters{
		Region: aws.String(o.Region), Endpoint: o.BaseEndpoint,
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.URI.String(), nil)
	if err != nil {
		return err
	}
	resp, err := o.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	// Read to the end, or the connection is not reused.
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return err
}
