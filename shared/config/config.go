// Package config reads a function's settings from its environment and builds
// the dependencies its handler needs, once per cold start.
package config

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go/middleware"

	"github.com/xcloud/customers/shared/customer"
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
	awsCfg, err := AWS(ctx, c)
	if err != nil {
		return nil, err
	}
	db := NewDynamoDB(awsCfg, c)
	var sm secrets.SecretsManager
	if c.CredentialsSecretID != "" || c.PageTokenSecretID != "" {
		sm = secretsmanager.NewFromConfig(awsCfg, secretsManagerEndpoint)
	}
	var creds hmacauth.CredentialSource
	switch {
	case c.CredentialsSecretID != "":
		cache := secrets.NewCache("credentials", secrets.FromSecretsManager(sm, c.CredentialsSecretID),
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
		key = secrets.NewCache("page token key", secrets.FromSecretsManager(sm, c.PageTokenSecretID),
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

// NewDynamoDB returns the DynamoDB client of c.
func NewDynamoDB(awsCfg aws.Config, c Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, c.APIOptions...)
		if c.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(c.DynamoDBEndpoint)
		}
	})
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
	return New(ctx, c, log)
}
