package awsclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/xcloud/customers/shared/awsclient"
)

// The AWS configuration comes from the variables Lambda sets; a missing
// region is an error at cold start.
func TestAWSFromTheEnvironment(t *testing.T) {
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		t.Setenv(name, "")
	}
	// No developer's files: only the environment counts here.
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	if _, err := awsclient.Config(t.Context(), awsclient.Options{}); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Fatalf("nothing set: %v, want the region named", err)
	}

	local, err := awsclient.Config(t.Context(), awsclient.Options{DynamoDBEndpoint: "http://127.0.0.1:8000"})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := local.Credentials.Retrieve(t.Context())
	if err != nil || local.Region != "us-east-1" || creds.AccessKeyID != "local" {
		t.Errorf("local endpoint: region %q, key %q (%v), want stand-ins", local.Region, creds.AccessKeyID, err)
	}

	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	cfg, err := awsclient.Config(t.Context(), awsclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	creds, err = cfg.Credentials.Retrieve(t.Context())
	if err != nil || cfg.Region != "eu-west-1" || creds.AccessKeyID != "AKIDEXAMPLE" || creds.SessionToken != "token" {
		t.Errorf("from the environment: region %q, credentials %+v (%v)", cfg.Region, creds, err)
	}
	if cfg.Retryer().MaxAttempts() != 3 {
		t.Errorf("retryer allows %d attempts, want 3", cfg.Retryer().MaxAttempts())
	}
}

// DynamoDB calls are signed and report AWS's errors typed, with their codes
// and request ids, which the store tells 404 and 409 apart by; a refused
// condition is not retried.
func TestDynamoDBErrorsAreTyped(t *testing.T) {
	var attempts int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if r.Header.Get("Authorization") == "" {
			t.Errorf("request headers %v: want a signature", r.Header)
		}
		w.Header().Set("X-Amzn-Requestid", "REQ123")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`))
	}))
	defer srv.Close()
	o := awsclient.Options{DynamoDBEndpoint: srv.URL}
	cfg, err := awsclient.Config(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	db := awsclient.DynamoDB(cfg, o.DynamoDBEndpoint)
	key := map[string]types.AttributeValue{"customerId": &types.AttributeValueMemberS{Value: "FST-1-a"}}
	_, err = db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: key})
	var failed *types.ConditionalCheckFailedException
	var respErr *awshttp.ResponseError
	var apiErr smithy.APIError
	if !errors.As(err, &failed) || !errors.As(err, &respErr) || respErr.ServiceRequestID() != "REQ123" ||
		!errors.As(err, &apiErr) || apiErr.ErrorCode() != "ConditionalCheckFailedException" {
		t.Errorf("a refused write: %v, want the typed error with its code and request id", err)
	}
	if attempts != 1 {
		t.Errorf("%d attempts, want 1 (a refused condition is not retried)", attempts)
	}
}

// Every client built on the configuration goes where the environment's
// AWS_ENDPOINT_URL_<SERVICE> says, as with the SDK's loader, and carries
// the options' middleware.
func TestClientsOnTheConfigurationHonourTheEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL", "")
	hits := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.Header.Get("X-Amz-Target")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write([]byte(`{"Name":"s","SecretString":"{}"}`))
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL)

	var called []string
	record := func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("record", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			called = append(called, awsmiddleware.GetOperationName(ctx))
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
	}
	cfg, err := awsclient.Config(t.Context(), awsclient.Options{APIOptions: []func(*middleware.Stack) error{record}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}); err != nil {
		t.Fatalf("GetSecretValue at AWS_ENDPOINT_URL_SECRETS_MANAGER: %v", err)
	}
	if got := <-hits; got != "secretsmanager.GetSecretValue" {
		t.Errorf("the endpoint got %q", got)
	}
	if len(called) != 1 || called[0] != "GetSecretValue" {
		t.Errorf("middleware saw %v, want the one call", called)
	}
}

// FIPS and dual-stack endpoints are asked for in the environment, as the
// SDK's loader reads them, and a malformed value is a cold-start error.
func TestFIPSAndDualStackFromTheEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	for _, c := range []struct{ fips, dualStack, host string }{
		{"", "", "dynamodb.us-east-1.amazonaws.com"},
		{"true", "", "dynamodb-fips.us-east-1.amazonaws.com"},
		{"false", "TRUE", "dynamodb.us-east-1.api.aws"},
	} {
		t.Setenv("AWS_USE_FIPS_ENDPOINT", c.fips)
		t.Setenv("AWS_USE_DUALSTACK_ENDPOINT", c.dualStack)
		cfg, err := awsclient.Config(t.Context(), awsclient.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The parameters the client resolves its endpoint with, resolved.
		o := awsclient.DynamoDB(cfg, "").Options()
		endpoint, err := o.EndpointResolverV2.ResolveEndpoint(t.Context(), dynamodb.EndpointParameters{
			Region:       aws.String(o.Region),
			UseFIPS:      aws.Bool(o.EndpointOptions.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled),
			UseDualStack: aws.Bool(o.EndpointOptions.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled),
		})
		if err != nil || endpoint.URI.Host != c.host {
			t.Errorf("FIPS %q, dual-stack %q: endpoint %s (%v), want %s", c.fips, c.dualStack, endpoint.URI.Host, err, c.host)
		}
	}
	t.Setenv("AWS_USE_FIPS_ENDPOINT", "yes")
	if _, err := awsclient.Config(t.Context(), awsclient.Options{}); err == nil || !strings.Contains(err.Error(), "AWS_USE_FIPS_ENDPOINT") {
		t.Errorf("AWS_USE_FIPS_ENDPOINT=yes: %v, want it named", err)
	}
}

// AWS_ENDPOINT_URL sends every client there, as with the SDK's loader,
// except DynamoDB's when a local DynamoDB is given.
func TestGlobalEndpointFromTheEnvironment(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
	t.Setenv("AWS_ENDPOINT_URL", "http://global.example:4566")
	cfg, err := awsclient.Config(t.Context(), awsclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(secretsmanager.NewFromConfig(cfg).Options().BaseEndpoint); got != "http://global.example:4566" {
		t.Errorf("Secrets Manager at %q, want AWS_ENDPOINT_URL", got)
	}
	if got := aws.ToString(awsclient.DynamoDB(cfg, "").Options().BaseEndpoint); got != "http://global.example:4566" {
		t.Errorf("DynamoDB at %q, want AWS_ENDPOINT_URL", got)
	}
	if got := aws.ToString(awsclient.DynamoDB(cfg, "http://127.0.0.1:8000").Options().BaseEndpoint); got != "http://127.0.0.1:8000" {
		t.Errorf("DynamoDB with a local endpoint at %q, want the local one", got)
	}
}
