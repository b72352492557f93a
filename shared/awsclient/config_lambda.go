//go:build !library_awsconfig

package awsclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

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
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN")),
		HTTPClient:  httpClient(o),
		Retryer:     retryer,
		Logger:      sdkLogger,
		APIOptions:  o.APIOptions,
		// Each client resolves its AWS_ENDPOINT_URL_<SERVICE> from here, as
		// from the loader's environment source.
		ConfigSources: []any{envEndpoints{}},
	}
	if e := os.Getenv("AWS_ENDPOINT_URL"); e != "" {
		cfg.BaseEndpoint = aws.String(e)
	}
	return cfg, nil
}

// envEndpoints gives the SDK's clients the endpoint the environment names
// for their service, AWS_ENDPOINT_URL_ and the service's SDK id in capitals,
// spaces as underscores (AWS_ENDPOINT_URL_SECRETS_MANAGER), as the loader's
// environment source does.
type envEndpoints struct{}

func (envEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	e := os.Getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_")))
	return e, e != "", nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
