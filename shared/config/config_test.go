package config_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/xcloud/customers/shared/config"
	"github.com/xcloud/customers/shared/customer"
)

func TestFromEnvInLambdaRequiresTheTemplatesVariables(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "ListFunction")
	for _, name := range config.Everything.Env() {
		t.Setenv(name, "")
	}
	t.Setenv(config.EnvTable, "customers")
	t.Setenv(config.EnvCredentials, `{}`) // stands in for CREDENTIALS_SECRET_ID
	_, err := config.FromEnv(config.Needs{StatusIndex: true, PageTokens: true})
	if err == nil {
		t.Fatal("no error with variables missing")
	}
	for _, want := range []string{config.EnvStatusIndex, config.EnvPageTokenSecretID, config.EnvLogLevel} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), config.EnvCredentialsSecretID) || strings.Contains(err.Error(), "LIMIT_") {
		t.Errorf("error %q names a variable that is not needed or has its local stand-in", err)
	}
}

func TestFromEnvLocally(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "")
	for _, name := range config.Everything.Env() {
		t.Setenv(name, "")
	}
	t.Setenv(config.EnvMaxUsers, "7")
	c, err := config.FromEnv(config.Everything)
	if err != nil {
		t.Fatal(err)
	}
	want := customer.DefaultLimits
	want.MaxUsers = 7
	if c.Table != config.DefaultTable || c.StatusIndex != config.DefaultStatusIndex || c.Limits != want {
		t.Errorf("got %+v", c)
	}
	for _, bad := range [][2]string{{config.EnvMaxDevices, "-1"}, {config.EnvMaxDataPoints, "lots"}, {config.EnvLogLevel, "LOUD"}} {
		t.Run(bad[0], func(t *testing.T) {
			t.Setenv(bad[0], bad[1])
			if _, err := config.FromEnv(config.Everything); err == nil || !strings.Contains(err.Error(), bad[0]) {
				t.Errorf("%s=%s: error %v", bad[0], bad[1], err)
			}
		})
	}
}

// The AWS configuration comes from the variables Lambda sets; against AWS a
// missing region or key is an error at cold start, not a hunt through files
// and instance metadata.
func TestAWSFromTheEnvironment(t *testing.T) {
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
		t.Setenv(name, "")
	}
	_, err := config.AWS(config.Config{})
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION") || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("nothing set: %v, want both the region and the keys named", err)
	}

	local, err := config.AWS(config.Config{DynamoDBEndpoint: "http://127.0.0.1:8000"})
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
	cfg, err := config.AWS(config.Config{})
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

// DynamoDB calls run without the SDK steps the functions do not need, and
// still sign, retry, and report AWS's errors with their codes and request ids.
func TestDynamoDBCallsRunATrimmedStack(t *testing.T) {
	var attempts int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if r.Header.Get("Authorization") == "" || r.Header.Get("X-Amzn-Trace-Id") != "" || r.Header.Get("Amz-Sdk-Invocation-Id") != "" {
			t.Errorf("request headers %v: want a signature and no trace or invocation id", r.Header)
		}
		w.Header().Set("X-Amzn-Requestid", "REQ123")
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".PutItem") {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`))
			return
		}
		w.Write([]byte(`{"Item":{"customerId":{"S":"FST-1-a"}}}`))
	}))
	defer srv.Close()
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "GetFunction")
	t.Setenv("_X_AMZN_TRACE_ID", "Root=1-00000000-000000000000000000000000")

	var stack string
	c := config.Config{DynamoDBEndpoint: srv.URL, APIOptions: []func(*middleware.Stack) error{
		func(s *middleware.Stack) error { stack = s.String(); return nil },
	}}
	awsCfg, err := config.AWS(c)
	if err != nil {
		t.Fatal(err)
	}
	db := config.NewDynamoDB(awsCfg, c)
	key := map[string]types.AttributeValue{"customerId": &types.AttributeValueMemberS{Value: "FST-1-a"}}
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := out.Item["customerId"].(*types.AttributeValueMemberS); !ok || s.Value != "FST-1-a" {
		t.Errorf("item %v", out.Item)
	}
	for _, gone := range []string{"ClientRequestID", "UserAgent", "RecursionDetection", "DiscoverEndpoint",
		"AddRawResponseToMetadata", "RecordResponseTiming", "RequestResponseLogger"} {
		if strings.Contains(stack, "\t"+gone+"\n") {
			t.Errorf("the stack still runs %s:\n%s", gone, stack)
		}
	}
	for _, kept := range []string{"Retry", "Signing", "OperationDeserializer", "ResponseErrorWrapper", "RequestIDRetriever"} {
		if !strings.Contains(stack, "\t"+kept+"\n") {
			t.Errorf("the stack lost %s:\n%s", kept, stack)
		}
	}

	_, err = db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: key})
	var failed *types.ConditionalCheckFailedException
	var respErr *awshttp.ResponseError
	var apiErr smithy.APIError
	if !errors.As(err, &failed) || !errors.As(err, &respErr) || respErr.ServiceRequestID() != "REQ123" ||
		!errors.As(err, &apiErr) || apiErr.ErrorCode() != "ConditionalCheckFailedException" {
		t.Errorf("a refused write: %v, want the typed error with its code and request id", err)
	}
	if attempts != 2 {
		t.Errorf("%d attempts, want 2 (a refused condition is not retried)", attempts)
	}
}

// In Lambda, Load opens the first DynamoDB call's connection in the
// background, with a GET that is no operation, and leaves it in the client's
// pool for the calls (which connection a call takes is net/http's choice).
func TestLoadPrimesTheDynamoDBConnection(t *testing.T) {
	var mu sync.Mutex
	conns, gets := 0, 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			mu.Lock()
			gets++
			mu.Unlock()
			w.Write([]byte("healthy: test"))
			return
		}
		w.Write([]byte(`{}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	for _, name := range config.Everything.Env() {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "GetFunction")
	t.Setenv(config.EnvTable, "t")
	t.Setenv(config.EnvCredentials, `{}`)
	t.Setenv(config.EnvLogLevel, "ERROR")
	t.Setenv(config.EnvDynamoDBEndpoint, srv.URL)

	// Load's context reaches the priming request: its trace says when the
	// connection is back in the client's pool.
	pooled := make(chan error, 1)
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{PutIdleConn: func(err error) { pooled <- err }})
	d, err := config.Load(ctx, config.Needs{})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-pooled:
		if err != nil {
			t.Fatalf("the primed connection was not kept: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no primed connection after Load")
	}
	key := map[string]types.AttributeValue{"customerId": &types.AttributeValueMemberS{Value: "FST-1-a"}}
	if _, err := d.DynamoDB.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if gets != 1 || conns < 1 {
		t.Errorf("%d GETs over %d connections, want 1 GET", gets, conns)
	}
}
