// Package awsclient builds the AWS configuration the functions' SDK clients
// share: one aws.Config from the environment Lambda gives every function,
// with bounded attempts, and the DynamoDB client on it. Other clients are
// built on the same aws.Config with the SDK's NewFromConfig, where they are
// used, so that a function links only its own.
package awsclient

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// Options say where the clients go.
type Options struct {
	// DynamoDBEndpoint replaces the region's DynamoDB endpoint: a local
	// DynamoDB, which checks no signature, so that a missing region or
	// credentials get stand-ins.
	DynamoDBEndpoint string
	// AttemptTimeout bounds each attempt of a call; zero means 1 s, or 10 s
	// against a local endpoint, where a single-threaded test server may
	// queue many concurrent requests.
	AttemptTimeout time.Duration
	// APIOptions are SDK middleware for every call of every client built
	// on the configuration (tests record the calls with it).
	APIOptions []func(*middleware.Stack) error
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

// httpClient is the SDK's HTTP client with the attempt timeout of o.
func httpClient(o Options) aws.HTTPClient {
	timeout := o.AttemptTimeout
	if timeout == 0 {
		timeout = awsAttemptTimeout
		if o.DynamoDBEndpoint != "" {
			timeout = localAttemptTimeout
		}
	}
	return awshttp.NewBuildableClient().WithTimeout(timeout)
}

// retryer is the SDK's standard retryer with our bounds.
func retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
	})
}

// sdkLogger sends the SDK's own warnings to the JSON log like everything else.
var sdkLogger = logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
	slog.Warn("aws sdk", "message", fmt.Sprintf(format, v...))
})

// DynamoDB is the DynamoDB client on cfg, at endpoint if not empty (a local
// DynamoDB: Options.DynamoDBEndpoint).
func DynamoDB(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(do *dynamodb.Options) {
		if endpoint != "" {
			do.BaseEndpoint = aws.String(endpoint)
		}
	})
}
