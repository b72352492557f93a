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
	var src envSource
	var fipsErr, dualStackErr error
	src.fips, src.fipsSet, fipsErr = envBool("AWS_USE_FIPS_ENDPOINT")
	src.dualStack, src.dualStackSet, dualStackErr = envBool("AWS_USE_DUALSTACK_ENDPOINT")
	problems := []error{fipsErr, dualStackErr}
	if region == "" {
		problems = append(problems, errors.New("AWS_REGION is not set"))
	}
	if key == "" || secret == "" {
		problems = append(problems, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"))
	}
	if err := errors.Join(problems...); err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN")),
		HTTPClient:  httpClient(o),
		Retryer:     retryer,
		Logger:      sdkLogger,
		APIOptions:  o.APIOptions,
		// Each client resolves its endpoint settings from here, as from the
		// loader's environment source.
		ConfigSources: []any{src},
	}
	if e := os.Getenv("AWS_ENDPOINT_URL"); e != "" {
		cfg.BaseEndpoint = aws.String(e)
	}
	return cfg, nil
}

// envSource gives the SDK's clients the endpoint settings of the
// environment, as the loader's environment source does: the endpoint named
// for their service (AWS_ENDPOINT_URL_ and the service's SDK id in
// capitals, spaces as underscores: AWS_ENDPOINT_URL_SECRETS_MANAGER), and
// whether to use FIPS and dual-stack endpoints.
type envSource struct {
	fips, fipsSet           bool
	dualStack, dualStackSet bool
}

func (envSource) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	e := os.Getenv("AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_")))
	return e, e != "", nil
}

func (s envSource) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	if s.fips {
		return aws.FIPSEndpointStateEnabled, s.fipsSet, nil
	}
	return aws.FIPSEndpointStateDisabled, s.fipsSet, nil
}

func (s envSource) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	if s.dualStack {
		return aws.DualStackEndpointStateEnabled, s.dualStackSet, nil
	}
	return aws.DualStackEndpointStateDisabled, s.dualStackSet, nil
}

// envBool reads a true/false variable as the loader does.
func envBool(name string) (value, set bool, err error) {
	switch v := os.Getenv(name); {
	case v == "":
		return false, false, nil
	case strings.EqualFold(v, "true"):
		return true, true, nil
	case strings.EqualFold(v, "false"):
		return false, true, nil
	default:
		return false, false, fmt.Errorf("%s must be true or false, not %q", name, v)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
