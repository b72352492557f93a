package localapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	eventsfn "github.com/xcloud/customers/functions/events"
	"github.com/xcloud/customers/internal/eventschema"
	"github.com/xcloud/customers/internal/localbus"
	"github.com/xcloud/customers/shared/awsclient"
	"github.com/xcloud/customers/shared/changeevent"
	"github.com/xcloud/customers/shared/deps"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/settings"
)

// moto is the moto server make test-moto starts; the test skips without it.
func moto(t *testing.T) string {
	t.Helper()
	endpoint := os.Getenv("XCLOUD_MOTO_ENDPOINT")
	if endpoint == "" {
		t.Skip("XCLOUD_MOTO_ENDPOINT is not set (make test-moto sets it): the change events are tested against moto's stream, bus and queues")
	}
	return endpoint
}

// streamReader is the test's own glue standing in for Lambda's event source
// mapping: it reads the table's stream from moto, as DynamoDB Streams
// answers, and shapes the records as Lambda delivers them. The product
// ships no poller.
type streamReader struct {
	t        *testing.T
	endpoint string
	iterator string
	arn      string
}

func (s *streamReader) call(target string, in, out any) {
	s.t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, s.endpoint, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20261202/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("%s: %d %s", target, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		s.t.Fatalf("%s: %v: %s", target, err, b)
	}
}

func newStreamReader(t *testing.T, endpoint, table string) *streamReader {
	s := &streamReader{t: t, endpoint: endpoint}
	var desc struct {
		Table struct{ LatestStreamArn string }
	}
	s.call("DynamoDB_20120810.DescribeTable", map[string]string{"TableName": table}, &desc)
	s.arn = desc.Table.LatestStreamArn
	if s.arn == "" {
		t.Fatalf("table %s has no stream: the template's StreamSpecification did not reach it", table)
	}
	var stream struct {
		StreamDescription struct {
			StreamViewType string
			Shards         []struct{ ShardId string }
		}
	}
	s.call("DynamoDBStreams_20120810.DescribeStream", map[string]string{"StreamArn": s.arn}, &stream)
	if v := stream.StreamDescription.StreamViewType; v != "NEW_AND_OLD_IMAGES" || len(stream.StreamDescription.Shards) != 1 {
		t.Fatalf("stream %s: view %s, %d shards", s.arn, v, len(stream.StreamDescription.Shards))
	}
	var it struct{ ShardIterator string }
	s.call("DynamoDBStreams_20120810.GetShardIterator", map[string]string{"StreamArn": s.arn,
		"ShardId": stream.StreamDescription.Shards[0].ShardId, "ShardIteratorType": "TRIM_HORIZON"}, &it)
	s.iterator = it.ShardIterator
	return s
}

// next is the records written since the last call, as Lambda delivers them.
func (s *streamReader) next() events.DynamoDBEvent {
	var out struct {
		Records           []events.DynamoDBEventRecord
		NextShardIterator string
	}
	s.call("DynamoDBStreams_20120810.GetRecords", map[string]string{"ShardIterator": s.iterator}, &out)
	s.iterator = out.NextShardIterator
	for i := range out.Records {
		out.Records[i].EventSourceArn = s.arn
	}
	return events.DynamoDBEvent{Records: out.Records}
}

// eventWiring is moto's bus, with a rule delivering the API's events to a
// consumer's queue, the publisher's dead-letter queue, and the publisher's
// handler built as its Lambda main builds it.
type eventWiring struct {
	handler   function.StreamHandler
	sqs       *sqs.Client
	consumer  string // queue URL
	suspended string // the queue of docs/API.md's example rule
	dead      string
}

// examplePattern is the event pattern of docs/API.md's example rule.
func examplePattern(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "--event-pattern '")
	pattern, _, ok2 := strings.Cut(rest, "'")
	if !ok || !ok2 || !json.Valid([]byte(pattern)) {
		t.Fatalf("docs/API.md has no example rule with an --event-pattern '<json>'")
	}
	return pattern
}

func newEventWiring(t *testing.T, endpoint string) *eventWiring {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL_EVENTBRIDGE", endpoint)
	t.Setenv("AWS_ENDPOINT_URL_SQS", endpoint)
	ctx := context.Background()
	o := awsclient.Options{DynamoDBEndpoint: endpoint}
	cfg, err := awsclient.Config(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	eb := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(endpoint) })
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	suffix := fmt.Sprint(time.Now().UnixNano())
	bus := "test-customers-" + suffix
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
		t.Fatal(err)
	}
	// The consumer's queue is FIFO, so that it keeps the order the bus
	// delivers in; the dead-letter queue is standard, as the template's.
	queue := func(name string, fifo bool) (url, arn string) {
		in := &sqs.CreateQueueInput{QueueName: aws.String(name + "-" + suffix)}
		if fifo {
			in.QueueName = aws.String(*in.QueueName + ".fifo")
			in.Attributes = map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}
		}
		out, err := q.CreateQueue(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		return *out.QueueUrl, attrs.Attributes["QueueArn"]
	}
	consumer, consumerArn := queue("consumer", true)
	suspended, suspendedArn := queue("suspended", true)
	dead, _ := queue("dead-letters", false)
	// A consumer's rule: every event of the API, to its queue.
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("all-customers"), EventBusName: aws.String(bus),
		EventPattern: aws.String(`{"source":["` + changeevent.Source + `"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("all-customers"), EventBusName: aws.String(bus),
		Targets: []ebTarget{{Id: aws.String("consumer"), Arn: aws.String(consumerArn), SqsParameters: &ebSQS{MessageGroupId: aws.String("customers")}}}}); err != nil {
		t.Fatal(err)
	}
	// And the example rule of docs/API.md: suspensions only.
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("suspended-customers"), EventBusName: aws.String(bus),
		EventPattern: aws.String(examplePattern(t))}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("suspended-customers"), EventBusName: aws.String(bus),
		Targets: []ebTarget{{Id: aws.String("suspended"), Arn: aws.String(suspendedArn), SqsParameters: &ebSQS{MessageGroupId: aws.String("customers")}}}}); err != nil {
		t.Fatal(err)
	}
	s := settings.Settings{Needs: eventsfn.Function.Needs, EventBus: bus, EventsQueue: dead, DynamoDBEndpoint: endpoint}
	o2 := recorded(eventsfn.Function, s)
	d, err := deps.Build(ctx, s, slog.New(slog.NewJSONHandler(io.Discard, nil)), o2)
	if err != nil {
		t.Fatal(err)
	}
	return &eventWiring{handler: eventsfn.Function.Stream(d), sqs: q, consumer: consumer, suspended: suspended, dead: dead}
}

// receive reads every message waiting in a queue, in order.
func (w *eventWiring) receive(t *testing.T, queue string) []string {
	t.Helper()
	var bodies []string
	for {
		out, err := w.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queue), MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, *m.Body)
			w.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queue), ReceiptHandle: m.ReceiptHandle})
		}
	}
}

type (
	ebTarget = ebtypes.Target
	ebSQS    = ebtypes.SqsParameters
)

// delivered is an event as the consumer's queue got it.
type delivered struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
	raw        string
	detail     struct {
		EventID    string   `json:"eventId"`
		CustomerID string   `json:"customerId"`
		Version    int64    `json:"version"`
		Changes    []string `json:"changes"`
		Keys       []string `json:"keys"`
	}
}

// Writes made through the API reach the bus as the contract's events, in
// version order per customer, valid against their schemas, with no secret;
// a PUT that changed nothing publishes nothing.
func TestChangeEventsThroughMoto(t *testing.T) {
	endpoint := moto(t)
	e := newEnv(t)
	wiring := newEventWiring(t, endpoint)
	stream := newStreamReader(t, endpoint, e.db.Table)
	schemas, err := eventschema.Load("../..")
	if err != nil {
		t.Fatal(err)
	}

	a, b := cid(1), cid(2)
	var secrets []string // every API key the API answered
	keep := func(r response) response {
		t.Helper()
		var m struct{ APIKeys map[string]string }
		json.Unmarshal(r.body, &m)
		for _, k := range m.APIKeys {
			secrets = append(secrets, k)
		}
		return r
	}
	expect := func(r response, status int) {
		t.Helper()
		if r.status != status {
			t.Fatalf("%d %s, want %d", r.status, r.body, status)
		}
	}
	expect(keep(e.do(request{method: http.MethodPost, path: base, body: minimal(a, "ACTIVE"), header: withKey("register-a")})), 201)
	expect(keep(e.do(request{method: http.MethodPost, path: base, body: minimal(b, "ACTIVE")})), 201)
	// An idempotent replay reissues both keys.
	expect(keep(e.do(request{method: http.MethodPost, path: base, body: minimal(a, "ACTIVE"), header: withKey("register-a")})), 201)
	expect(e.do(request{method: http.MethodPut, path: base + "/" + a, body: `{"description":"first"}`}), 200)
	expect(e.do(request{method: http.MethodPut, path: base + "/" + a, body: `{"description":"first"}`}), 200) // changes nothing
	expect(e.do(request{method: http.MethodPut, path: base + "/" + b, body: `{"status":"SUSPENDED"}`}), 200)
	expect(keep(e.do(request{method: http.MethodPost, path: base + "/" + a + "/apiKeys", body: `{"key":"secondary"}`})), 200)
	expect(e.do(request{method: http.MethodPut, path: base + "/" + a, body: `{"status":"INACTIVE","customerName":"Renamed"}`}), 200)

	batch := stream.next()
	if len(batch.Records) != 8 {
		t.Fatalf("the stream holds %d records, want 8 writes", len(batch.Records))
	}
	resp, err := wiring.handler(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handler: %+v, %v", resp, err)
	}
	got := parse(t, wiring.receive(t, wiring.consumer))
	want := []struct {
		customer, detailType string
		version              int64
		changes              []string
		keys                 []string
	}{
		{a, changeevent.Registered, 1, []string{}, nil},
		{b, changeevent.Registered, 1, []string{}, nil},
		{a, changeevent.KeyRegenerated, 0, nil, []string{"primary", "secondary"}},
		{a, changeevent.Updated, 2, []string{"description"}, nil},
		{b, changeevent.Updated, 2, []string{"status"}, nil},
		{b, changeevent.StatusChanged, 2, []string{"status"}, nil},
		{a, changeevent.KeyRegenerated, 0, nil, []string{"secondary"}},
		{a, changeevent.Updated, 4, []string{"customerName", "status"}, nil},
		{a, changeevent.StatusChanged, 4, []string{"customerName", "status"}, nil},
	}
	if len(got) != len(want) {
		t.Fatalf("the consumer got %d events, want %d:\n%s", len(got), len(want), dump(got))
	}
	ids := map[string]bool{}
	for i, w := range want {
		g := got[i]
		if g.detail.CustomerID != w.customer || g.DetailType != w.detailType || g.detail.Version != w.version ||
			!slices.Equal(g.detail.Changes, w.changes) || !slices.Equal(g.detail.Keys, w.keys) {
			t.Errorf("event %d: %s %s v%d changes %v keys %v; want %s %s v%d %v %v", i, g.detail.CustomerID, g.DetailType,
				g.detail.Version, g.detail.Changes, g.detail.Keys, w.customer, w.detailType, w.version, w.changes, w.keys)
		}
		if err := schemas.Validate([]byte(g.raw)); err != nil {
			t.Errorf("event %d: %v", i, err)
		}
		if ids[g.detail.EventID] {
			t.Errorf("event %d: eventId %s twice", i, g.detail.EventID)
		}
		ids[g.detail.EventID] = true
		for _, s := range append(secrets, "apiKeyHashes", "idempotency", "register-a", "xck_") {
			if strings.Contains(g.raw, s) {
				t.Errorf("event %d holds %q: %s", i, s, g.raw)
			}
		}
	}
	if len(secrets) < 7 {
		t.Errorf("only %d API keys seen in answers", len(secrets))
	}
	// docs/API.md's example rule got the one suspension.
	if s := parse(t, wiring.receive(t, wiring.suspended)); len(s) != 1 || s[0].detail.CustomerID != b || s[0].DetailType != changeevent.StatusChanged {
		t.Errorf("the example rule delivered %s; want %s's status change", dump(s), b)
	}

	// The same batch again, as Lambda redelivers it: the same events, with
	// the same eventIds, for consumers to drop.
	if resp, err := wiring.handler(context.Background(), batch); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: %+v, %v", resp, err)
	}
	again := parse(t, wiring.receive(t, wiring.consumer))
	for i := range min(len(again), len(got)) {
		if again[i].detail.EventID != got[i].detail.EventID {
			t.Errorf("redelivered event %d: eventId %s, first %s", i, again[i].detail.EventID, got[i].detail.EventID)
		}
	}
	if len(again) != len(got) {
		t.Errorf("redelivery published %d events, first %d", len(again), len(got))
	}
	if dead := wiring.receive(t, wiring.dead); len(dead) != 0 {
		t.Errorf("dead letters: %q", dead)
	}
}

// A poisoned record lands in the dead-letter queue; the rest of its batch
// is published, and the batch is not given back.
func TestPoisonedRecordThroughMoto(t *testing.T) {
	endpoint := moto(t)
	e := newEnv(t)
	wiring := newEventWiring(t, endpoint)
	stream := newStreamReader(t, endpoint, e.db.Table)
	for i := 1; i <= 3; i++ {
		e.register(cid(i), "ACTIVE")
	}
	batch := stream.next()
	if len(batch.Records) != 3 {
		t.Fatalf("%d records", len(batch.Records))
	}
	// The second record's new image loses its version: unreadable.
	delete(batch.Records[1].Change.NewImage, "version")
	resp, err := wiring.handler(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("handler: %+v, %v", resp, err)
	}
	got := parse(t, wiring.receive(t, wiring.consumer))
	if len(got) != 2 || got[0].detail.CustomerID != cid(1) || got[1].detail.CustomerID != cid(3) {
		t.Errorf("published %s; want the registrations of %s and %s", dump(got), cid(1), cid(3))
	}
	dead := wiring.receive(t, wiring.dead)
	if len(dead) != 1 || !strings.Contains(dead[0], batch.Records[1].Change.SequenceNumber) || !strings.Contains(dead[0], "no version") {
		t.Errorf("dead letters %q; want the second record, and why", dead)
	}
	for _, d := range dead {
		if strings.Contains(d, "apiKeyHashes") || strings.Contains(d, "contact") {
			t.Errorf("a dead letter holds the item: %s", d)
		}
	}
}

func parse(t *testing.T, bodies []string) []delivered {
	t.Helper()
	var out []delivered
	for _, b := range bodies {
		var d delivered
		if err := json.Unmarshal([]byte(b), &d); err != nil {
			t.Fatalf("message %s: %v", b, err)
		}
		json.Unmarshal(d.Detail, &d.detail)
		d.raw = b
		out = append(out, d)
	}
	return out
}

func dump(ds []delivered) string {
	var lines []string
	for _, d := range ds {
		lines = append(lines, fmt.Sprintf("%s %s v%d %v %v", d.detail.CustomerID, d.DetailType, d.detail.Version, d.detail.Changes, d.detail.Keys))
	}
	return strings.Join(lines, "\n")
}

// The publisher on a stand-in bus (no stream here: the fixtures' records),
// so that every run, with or without moto, sees it use its grants: events
// to the bus, an unreadable record to the queue; and with the bus down, the
// batch given back from its first record, nothing dead-lettered.
func TestChangeEventsThroughTheLocalBus(t *testing.T) {
	bus := localbus.Start()
	t.Cleanup(bus.Close)
	for _, kv := range bus.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	s := settings.Settings{Needs: eventsfn.Function.Needs, EventBus: "local-customers", EventsQueue: bus.QueueURL(), DynamoDBEndpoint: bus.URL}
	d, err := deps.Build(context.Background(), s, slog.New(slog.NewJSONHandler(io.Discard, nil)), recorded(eventsfn.Function, s))
	if err != nil {
		t.Fatal(err)
	}
	handler := eventsfn.Function.Stream(d)
	var batch events.DynamoDBEvent
	raw, err := os.ReadFile("../../events/stream-malformed.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &batch); err != nil {
		t.Fatal(err)
	}
	resp, err := handler(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 || len(bus.Entries()) != 1 || len(bus.Messages()) != 1 {
		t.Fatalf("%+v, %v: %d published, %d dead letters; want 1 and 1", resp, err, len(bus.Entries()), len(bus.Messages()))
	}
	bus.Down = func(int) bool { return true }
	resp, err = handler(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != batch.Records[2].Change.SequenceNumber {
		// The first record publishes nothing (a PUT that changed nothing) and
		// the second is dead-lettered; the third is given back.
		t.Errorf("bus down: %+v, %v; want the batch back from the third record", resp, err)
	}
	if len(bus.Messages()) != 2 {
		t.Errorf("bus down: %d dead letters, want the unreadable record's again only", len(bus.Messages()))
	}
}
