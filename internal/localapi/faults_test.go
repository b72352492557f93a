package localapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"
)

// Storage failing after the SDK's retries gives 503 with Retry-After,
// says nothing internal, and writes nothing.
func TestStorageFailureIsServiceUnavailable(t *testing.T) {
	e := newEnv(t)
	if e.db.Embedded == nil {
		t.Skip("fault injection needs the embedded DynamoDB")
	}
	e.register(cid(1), "ACTIVE")
	before := e.db.Snapshot(t)
	e.db.Embedded.EmulateFailure(miniserver.FailureConditionInternalServerError)
	for _, r := range []request{
		{method: http.MethodPost, path: base, body: minimal(cid(2), "ACTIVE")},
		{method: http.MethodPut, path: base + "/" + cid(1), body: `{"customerName":"x"}`},
		{method: http.MethodGet, path: base + "/" + cid(1)},
		{method: http.MethodGet, path: base, query: "status=ACTIVE"},
	} {
		t.Run(r.method+" "+r.path+"?"+r.query, func(t *testing.T) {
			got := e.do(r)
			m := expectError(t, got, 503, "SERVICE_UNAVAILABLE")
			if got.header.Get("Retry-After") == "" {
				t.Error("no Retry-After")
			}
			if strings.Contains(strings.ToLower(m["message"].(string)), "dynamodb") {
				t.Errorf("message leaks internals: %v", m["message"])
			}
		})
	}
	if r := e.do(request{method: http.MethodHead, path: base + "/" + cid(1)}); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("HEAD: %d %v", r.status, r.header)
	}
	e.db.Embedded.EmulateFailure(miniserver.FailureConditionNone)
	if after := e.db.Snapshot(t); len(after) != len(before) || after[cid(1)] != before[cid(1)] {
		t.Errorf("stored data changed:\nbefore %v\nafter  %v", before, after)
	}
}

// The request log says who called and what happened, never a secret, a
// signature, an API key or personal data.
func TestLogsCarryNoSecrets(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: http.MethodPost, path: base, body: fixture(t, "register.json")})
	var created struct {
		APIKeys struct{ Primary, Secondary string }
	}
	if err := json.Unmarshal(r.body, &created); err != nil || created.APIKeys.Primary == "" {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	e.do(request{method: http.MethodGet, path: base + "/FST-1536316721808-NewCustomer", secret: "wrong-secret"})
	e.do(request{method: http.MethodPut, path: base + "/FST-1536316721808-NewCustomer", body: fixture(t, "update.json")})
	logs := e.log.String()
	if !strings.Contains(logs, `"status":201`) || !strings.Contains(logs, `"errorCode":"INVALID_SIGNATURE"`) || !strings.Contains(logs, writer) {
		t.Errorf("log lines lack the request outcome: %s", logs)
	}
	for _, leak := range []string{secret, nextSecret, "wrong-secret", "contact@dewatering-solutions.com", "+1-555-0123",
		"123 Industrial Drive", created.APIKeys.Primary, created.APIKeys.Secondary} {
		if strings.Contains(logs, leak) {
			t.Errorf("log contains %q", leak)
		}
	}
}

// Anything unexpected, here a stored item of the wrong shape, is a 500 that
// says nothing internal; the detail goes to the log.
func TestUnexpectedFailureIsInternalError(t *testing.T) {
	e := newEnv(t)
	_, err := e.db.Client.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(e.db.Table),
		Item: map[string]types.AttributeValue{
			"customerId":   &types.AttributeValueMemberS{Value: cid(1)},
			"customerName": &types.AttributeValueMemberBOOL{Value: true},
			"statusShard":  &types.AttributeValueMemberS{Value: "ACTIVE#0"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := expectError(t, e.do(request{method: http.MethodGet, path: base + "/" + cid(1)}), 500, "INTERNAL_ERROR")
	if m["message"] != "An internal error occurred" {
		t.Errorf("message %v", m["message"])
	}
	if !strings.Contains(e.log.String(), "customerName") {
		t.Errorf("the log does not say what failed: %s", e.log.String())
	}
}
