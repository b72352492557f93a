package permissions_test

import (
	"context"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"

	"github.com/xcloud/customers/internal/permissions"
	"github.com/xcloud/customers/shared/awsclient"
	"github.com/xcloud/customers/shared/settings"
)

// grants reads the template after an edit of its text.
func grants(t *testing.T, old, new string) permissions.Grants {
	t.Helper()
	var replace []string
	if old != "" {
		replace = []string{old, new}
	}
	gs, err := permissions.TemplateGrants("../..", replace...)
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

// Behaviour exactly as the template grants it passes; a grant removed, one
// added or one on the wrong resource fails, naming the function and grant.
func TestCompareCatchesRemovedAndExtraGrants(t *testing.T) {
	performed := grants(t, "", "")
	if errs := permissions.Compare(performed, performed); len(errs) != 0 {
		t.Fatalf("behaviour as granted: %v", errs)
	}
	for _, c := range []struct {
		name, old, new string
		want           []string
	}{
		{"a grant removed", `Action: "dynamodb:GetItem"`, `Action: "dynamodb:DescribeTable"`,
			[]string{"GetFunction performs dynamodb:GetItem on table, which its policy in template.yaml does not grant",
				"GetFunction is granted dynamodb:DescribeTable on table in template.yaml, which no test saw it use"}},
		{"a grant added", `Action: "dynamodb:GetItem"`, `Action: ["dynamodb:GetItem", "dynamodb:DeleteItem"]`,
			[]string{"GetFunction is granted dynamodb:DeleteItem on table in template.yaml, which no test saw it use"}},
		{"the index's grant on the table", `Resource: !Sub "${CustomersTable.Arn}/index/status-index"`, "Resource: !GetAtt CustomersTable.Arn",
			[]string{"ListFunction performs dynamodb:Query on index/status-index, which its policy in template.yaml does not grant",
				"ListFunction is granted dynamodb:Query on table in template.yaml, which no test saw it use"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, err := range permissions.Compare(performed, grants(t, c.old, c.new)) {
				got = append(got, err.Error())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// The recorder names what the SDK calls act on as the template does, both
// as middleware on the clients and as the endpoint they call (a built
// function's calls, from a process of its own).
func TestRecorder(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(`{}`))), 10))
		w.Write([]byte(`{}`))
	})
	s := settings.Settings{Table: "customers", CredentialsSecretID: "creds", PageTokenSecretID: "key", EventBus: "bus", EventsQueue: "http://q/1/dead"}
	want := []string{
		"dynamodb:BatchGetItem on table", "dynamodb:Query on index/status-index", "dynamodb:Scan on table", "dynamodb:UpdateItem on table",
		"events:PutEvents on bus other", "events:PutEvents on bus:EVENT_BUS_NAME",
		"secretsmanager:GetSecretValue on secret:PAGE_TOKEN_SECRET_ID", "sqs:SendMessage on queue:EVENTS_DEAD_LETTER_QUEUE_URL",
	}
	for _, how := range []string{"middleware", "endpoint"} {
		t.Run(how, func(t *testing.T) {
			rec := permissions.NewRecorder()
			h := http.Handler(ok)
			var mw []func(*middleware.Stack) error
			if how == "endpoint" {
				h = rec.Handler("ListFunction", s, ok)
			} else {
				mw = append(mw, rec.For("ListFunction", s))
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			calls(t, srv.URL, mw)
			var got []string
			for g := range rec.Seen()["ListFunction"] {
				got = append(got, g.String())
			}
			slices.Sort(got)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("recorded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// calls makes one call of each kind the functions make, to endpoint,
// through clients with the middleware mw.
func calls(t *testing.T, endpoint string, mw []func(*middleware.Stack) error) {
	t.Helper()
	ctx := context.Background()
	opts := awsclient.Options{DynamoDBEndpoint: endpoint, APIOptions: mw}
	cfg, err := awsclient.Config(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"customerId": &types.AttributeValueMemberS{Value: "c-1"}}
	db := awsclient.DynamoDB(cfg, opts.DynamoDBEndpoint)
	db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("customers"), IndexName: aws.String("status-index"),
		KeyConditionExpression: aws.String("statusShard = :s"), ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "active#0"}}})
	db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("customers")})
	db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("customers"), Key: key})
	db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"customers": {Keys: []map[string]types.AttributeValue{key}}}})
	sm := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		o.BaseEndpoint, o.APIOptions = aws.String(endpoint), mw
	})
	sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("key")})
	eb := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) {
		o.BaseEndpoint, o.APIOptions = aws.String(endpoint), mw
	})
	eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{EventBusName: aws.String("bus"), Time: aws.Time(time.Now()), Detail: aws.String(`{}`)}, {EventBusName: aws.String("other")}}})
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		o.BaseEndpoint, o.APIOptions = aws.String(endpoint), mw
	})
	q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("http://q/1/dead"), MessageBody: aws.String("m")})
}

// On the wire, an action the recorder does not know is recorded on no
// resource a template names, so that it fails the comparison.
func TestRequestOfAnUnknownAction(t *testing.T) {
	s := settings.Settings{Table: "customers"}
	for target, want := range map[string]string{
		"DynamoDB_20120810.DeleteTable": "dynamodb:DeleteTable on unknown",
		"Kinesis_20131202.PutRecord":    "target Kinesis_20131202.PutRecord on unknown",
		"DynamoDB_20120810.GetItem":     "dynamodb:GetItem on table",
	} {
		action, on := permissions.Request(target, []byte(`{"TableName":"customers","Key":{"customerId":{"S":"c-1"}}}`), s)
		if got := action + " on " + strings.Join(on, ","); got != want {
			t.Errorf("%s: %s, want %s", target, got, want)
		}
	}
}

// The publisher's own grants are the bus and the queue, named as the
// recorder names them; what Lambda does with its role (reading the stream,
// sending failed batches to a destination of the operator's) is not its
// code's to use.
func TestPublisherGrants(t *testing.T) {
	got := grants(t, "", "")["EventsFunction"]
	want := map[permissions.Grant]bool{
		{Action: "events:PutEvents", Resource: "bus:" + settings.EnvEventBus}:     true,
		{Action: "sqs:SendMessage", Resource: "queue:" + settings.EnvEventsQueue}: true,
	}
	if len(got) != len(want) {
		t.Errorf("grants %v, want %v", got, want)
	}
	for g := range want {
		if !got[g] {
			t.Errorf("no grant %s (grants %v)", g, got)
		}
	}
}
