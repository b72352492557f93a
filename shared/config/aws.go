package config

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go/logging"
)

// Per-attempt timeout and retries: three attempts of at most 1 s with
// backoff of at most 200 ms end within 3.4 s, well inside the functions' 6 s
// timeout, leaving time to answer 503.
const (
	awsAttemptTimeout   = time.Second
	localAttemptTimeout = 10 * time.Second
	maxAttempts         = 3
	maxBackoff          = 200 * time.Millisecond
)

// httpClient is the SDK's HTTP client with the attempt timeout of c.
func httpClient(c Config) aws.HTTPClient {
	timeout := c.AttemptTimeout
	if timeout == 0 {
		timeout = awsAttemptTimeout
		if c.DynamoDBEndpoint != "" {
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
