//go:build library_awsconfig

package awsclient

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config returns the AWS configuration the clients share, loaded by the SDK's
// config.LoadDefaultConfig: the library version of config_lambda.go, which make
// bench measures it against.
func Config(ctx context.Context, o Options) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithHTTPClient(httpClient(o)),
		awsconfig.WithRetryer(retryer),
		awsconfig.WithLogger(sdkLogger),
	}
	if o.DynamoDBEndpoint != "" {
		if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
			opts = append(opts, awsconfig.WithRegion("us-east-1"))
		}
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" {
			opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	cfg.APIOptions = append(cfg.APIOptions, o.APIOptions...)
	if cfg.Region == "" {
		return aws.Config{}, errors.New("AWS configuration: AWS_REGION is not set")
	}
	return cfg, nil
}
