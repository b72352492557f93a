// Package settings reads a function's configuration from its environment:
// the table, the secrets, the limits of new customers and the log level.
package settings

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/function"
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
	EnvEventBus            = "EVENT_BUS_NAME"
	EnvEventsQueue         = "EVENTS_DEAD_LETTER_QUEUE_URL"
)

// DefaultTable is the table of a local run.
const DefaultTable = "xcloud-customers"

// Settings are a function's configuration.
type Settings struct {
	Table               string
	StatusIndex         string
	DynamoDBEndpoint    string // empty: the SDK's (the region's, or AWS_ENDPOINT_URL[_DYNAMODB])
	CredentialsSecretID string // Secrets Manager secret holding the credentials document
	Credentials         string // the credentials document itself (local runs)
	PageTokenSecretID   string
	PageTokenKey        string
	Limits              customer.Limits
	LogLevel            slog.Level
	EventBus            string // the change events' bus
	EventsQueue         string // the change events' dead-letter queue (URL)
	// Needs are what the function reading these settings uses.
	Needs function.Needs
	// AttemptTimeout bounds each attempt of an AWS call; zero means the
	// default (awsclient).
	AttemptTimeout time.Duration
}

// Everything is what the local API, serving every function, needs.
var Everything = function.Needs{StatusIndex: true, PageTokens: true, Limits: true}

// Env lists the variables a deployed function with needs n reads: the
// template must give it each of them.
func Env(n function.Needs) []string {
	if n.Events {
		return []string{EnvLogLevel, EnvEventBus, EnvEventsQueue}
	}
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

// InLambda reports whether this process is a Lambda function, where a
// missing variable is a deployment mistake rather than a local default.
func InLambda() bool { return os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" }

// Read reads the settings a function with needs n uses from the
// environment. In Lambda every variable of Env(n) must be set.
func Read(n function.Needs) (Settings, error) {
	var errs []error
	if InLambda() {
		for _, name := range Env(n) {
			if os.Getenv(name) == "" && os.Getenv(localAlternative[name]) == "" {
				errs = append(errs, fmt.Errorf("%s is not set", name))
			}
		}
	}
	s := Settings{
		Table:             envOr(EnvTable, DefaultTable),
		StatusIndex:       os.Getenv(EnvStatusIndex), // locally, the template's (localapi)
		DynamoDBEndpoint:  os.Getenv(EnvDynamoDBEndpoint),
		PageTokenSecretID: os.Getenv(EnvPageTokenSecretID),
		PageTokenKey:      os.Getenv(EnvPageTokenKey),
		Limits:            customer.DefaultLimits,
		Needs:             n,
	}
	if n.Events {
		// No route, so no credentials: none are read, even where set.
		s.EventBus, s.EventsQueue = os.Getenv(EnvEventBus), os.Getenv(EnvEventsQueue)
	} else {
		s.CredentialsSecretID, s.Credentials = os.Getenv(EnvCredentialsSecretID), os.Getenv(EnvCredentials)
	}
	for _, l := range []struct {
		env string
		to  *int64
	}{{EnvMaxDevices, &s.Limits.MaxDevices}, {EnvMaxUsers, &s.Limits.MaxUsers}, {EnvMaxDataPoints, &s.Limits.MaxDataPoints}} {
		if v := os.Getenv(l.env); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want a whole number of at least 0", l.env, v))
			}
			*l.to = n
		}
	}
	if v := os.Getenv(EnvLogLevel); v != "" {
		if err := s.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want DEBUG, INFO, WARN or ERROR", EnvLogLevel, v))
		}
	}
	return s, errors.Join(errs...)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
