//go:build !library_awsconfig

package awsclient

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns the AWS configuration the clients share, from the variables
// Lambda sets in every function's environment (AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; sam local
// invoke passes the developer's the same way). It is built here rather than
// by the SDK's config.LoadDefaultConfig, whose package links the SSO, STS and
// sign-in clients the functions never use and initialises their tables at
// every cold start: make bench measures what that costs (docs/PERFORMANCE.md;
// build with -tags library_awsconfig for the loader). Against a local endpoint,
// which checks no signature, a missing region or credentials get stand-ins.
func Config(_ context.Context, o Options) (aws.Config, error) {
	region := envOr("AWS_REGION", os.Getenv("AWS_DEFAULT_REGION"))
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if o.DynamoDBEndpoint != "" {
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
		HTTPClient:  httpClient(o),
		Retryer:     retryer,
		Logger:      sdkLogger,
	}, nil
}

// EnvEndpoint honours the SDK's variable for another endpoint of a service
// (AWS_ENDPOINT_URL_SECRETS_MANAGER: a local stack), which the SDK's loader
// would read: nil when it is not set.
func EnvEndpoint(variable string) *string {
	if endpoint := os.Getenv(variable); endpoint != "" {
		return aws.String(endpoint)
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
