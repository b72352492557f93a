package bench

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/fixtures"
	"github.com/xcloud/customers/shared/config"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
)

// Table is the table name the benchmarks use.
const Table = "bench-customers"

// Case is one endpoint measured: a fixture event through its function, and
// the floor for the same request.
type Case struct {
	Name     string // the route
	Function string // logical id
	Event    string // fixture in events/
	Status   int    // the status every iteration must get
	// What the floor does for this request: the DynamoDB call it sends and
	// the response it encodes.
	DynamoOp   string
	DynamoBody string
	Response   string
}

// Cases are the five endpoints, with the typical customer.
var Cases = []Case{
	{"POST /xcloud/v1/customers", "RegisterFunction", "register.json", 201, "PutItem",
		`{"TableName":"` + Table + `","Item":` + Item + `,"ConditionExpression":"attribute_not_exists(#id)","ExpressionAttributeNames":{"#id":"customerId"}}`,
		`{"customerId":"FST-1536316721808-NewCustomer","customerName":"Dewatering Solutions Inc","status":"ACTIVE","createdAt":"2024-01-01T10:30:00Z","apiKeys":{"primary":"xck_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","secondary":"xck_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},"limits":{"maxDevices":100,"maxUsers":50,"maxDataPoints":1000000}}`},
	{"PUT /xcloud/v1/customers/{customerId}", "UpdateFunction", "update.json", 200, "UpdateItem",
		`{"TableName":"` + Table + `","Key":{"customerId":{"S":"FST-1536316721808-NewCustomer"}},"UpdateExpression":"SET #n0 = :v0, #n1 = :v1, #n2.#n3 = :v2","ConditionExpression":"attribute_exists(#n4)","ExpressionAttributeNames":{"#n0":"customerName","#n1":"description","#n2":"contactInfo","#n3":"email","#n4":"customerId"},"ExpressionAttributeValues":{":v0":{"S":"x"},":v1":{"S":"y"},":v2":{"S":"a@b.co"}},"ReturnValues":"ALL_OLD"}`,
		`{"customerId":"FST-1536316721808-NewCustomer","customerName":"Updated Dewatering Solutions Inc","status":"ACTIVE","updatedAt":"2024-01-02T16:30:00Z","changes":["customerName","description","contactInfo.email","contactInfo.phone","contactInfo.address.street","settings.dataRetentionDays","settings.alertFrequency"]}`},
	{"GET /xcloud/v1/customers/{customerId}", "GetFunction", "get.json", 200, "GetItem",
		`{"TableName":"` + Table + `","Key":{"customerId":{"S":"FST-1536316721808-NewCustomer"}},"ConsistentRead":true}`,
		customerJSON},
	{"GET /xcloud/v1/customers", "ListFunction", "list.json", 200, "Query",
		`{"TableName":"` + Table + `","IndexName":"status-index","KeyConditionExpression":"#shard = :shard","ExpressionAttributeNames":{"#shard":"statusShard"},"ExpressionAttributeValues":{":shard":{"S":"ACTIVE#0"}},"Limit":10}`,
		listJSON},
	{"HEAD /xcloud/v1/customers/{customerIds}", "ExistsFunction", "exists.json", 200, "BatchGetItem",
		`{"RequestItems":{"` + Table + `":{"Keys":[{"customerId":{"S":"FST-1536316721808-NewCustomer"}}],"ProjectionExpression":"#id","ExpressionAttributeNames":{"#id":"customerId"},"ConsistentRead":true}}}`,
		``},
}

const customerJSON = `{"customerId":"FST-1536316721808-NewCustomer","customerName":"Dewatering Solutions Inc","description":"Municipal water management services","contactInfo":{"email":"contact@dewatering-solutions.com","phone":"+1-555-0123","address":{"street":"123 Industrial Drive","city":"Springfield","state":"IL","country":"USA","postalCode":"62701"}},"businessInfo":{"industry":"Water Management","sector":"Municipal Services","timezone":"America/Chicago"},"settings":{"dataRetentionDays":365,"alertFrequency":"immediate","reportingEnabled":true},"location":{"latitude":39.7817,"longitude":-89.6501},"status":"ACTIVE","limits":{"maxDevices":100,"maxUsers":50,"maxDataPoints":1000000},"createdAt":"2024-01-01T10:30:00Z","updatedAt":"2024-01-01T10:30:00Z"}`

var listJSON = func() string {
	b := []byte(`{"customers":[`)
	for i := range PageSize {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, customerJSON...)
	}
	return string(append(b, `],"nextToken":"eyJzIjoiQUNUSVZFIiwiaCI6MX0.jIlYmmMWYlKKqvyg8_-UNg"}`...))
}()

// CaseOf returns the case of function id (a logical id of template.yaml).
func CaseOf(id string) Case {
	for _, c := range Cases {
		if c.Function == id {
			return c
		}
	}
	panic("bench: no case for " + id)
}

// IDs returns n customer ids: a HEAD asking after all of them at once.
func IDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("FST-1536316721808-Customer%03d", i)
	}
	return ids
}

// Setup is the whole API of every function on a fake DynamoDB.
type Setup struct {
	Fake    *FakeDynamoDB
	Meter   *Meter // every DynamoDB call of the functions, seen by SDK middleware
	deps    *config.Deps
	entries map[string]httpapi.LambdaHandler
	events  map[string]events.APIGatewayV2HTTPRequest
	dir     string // events/
	signer  hmacauth.Signer
}

// NewSetup wires every function as its main does, on a fake DynamoDB, with
// the local credential of events/env.json; root is the repository.
func NewSetup(root string) (*Setup, error) {
	fake := NewFakeDynamoDB(Table)
	s, err := NewSetupOn(root, fake.URL, Table)
	if err != nil {
		fake.Close()
		return nil, err
	}
	s.Fake = fake
	return s, nil
}

// NewSetupOn wires every function as its main does, on the DynamoDB at
// endpoint, using table (which must exist).
func NewSetupOn(root, endpoint, table string) (*Setup, error) {
	dir := filepath.Join(root, "events")
	env, signer, err := fixtures.Local(dir)
	if err != nil {
		return nil, err
	}
	s := &Setup{Meter: NewMeter(), dir: dir, signer: signer, entries: map[string]httpapi.LambdaHandler{}, events: map[string]events.APIGatewayV2HTTPRequest{}}
	cfg := config.Config{
		Table: table, StatusIndex: config.DefaultStatusIndex, DynamoDBEndpoint: endpoint,
		Credentials: env[config.EnvCredentials], PageTokenKey: "bench-key",
		APIOptions: []func(*middleware.Stack) error{s.Meter.AddTo},
	}
	// The request log line is part of the cost, written as in Lambda.
	deps, err := config.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	s.deps = deps
	for _, f := range functions.All {
		s.entries[f.ID] = httpapi.Lambda(f.New(deps), deps.Log)
	}
	for _, c := range Cases {
		ev, err := fixtures.ReadEvent(filepath.Join(dir, c.Event))
		if err != nil {
			return nil, err
		}
		if s.events[c.Name], err = s.sign(ev); err != nil {
			return nil, fmt.Errorf("sign %s: %w", c.Event, err)
		}
	}
	return s, nil
}

// Close stops the fake DynamoDB, if there is one.
func (s *Setup) Close() {
	if s.Fake != nil {
		s.Fake.Close()
	}
}

// ExistsEvent is the exists fixture asking after ids, signed now.
func (s *Setup) ExistsEvent(ids []string) (events.APIGatewayV2HTTPRequest, error) {
	ev, err := fixtures.ReadEvent(filepath.Join(s.dir, "exists.json"))
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	list := strings.Join(ids, ",")
	path := "/xcloud/v1/customers/" + list
	ev["rawPath"] = path
	ev["requestContext"].(map[string]any)["http"].(map[string]any)["path"] = path
	for name := range ev["pathParameters"].(map[string]any) {
		ev["pathParameters"].(map[string]any)[name] = list
	}
	return s.sign(ev)
}

// sign signs ev now and turns it into the event Lambda hands a function.
func (s *Setup) sign(ev fixtures.Event) (events.APIGatewayV2HTTPRequest, error) {
	var e events.APIGatewayV2HTTPRequest
	if err := ev.Resign(s.signer, time.Now()); err != nil {
		return e, err
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return e, err
	}
	err = json.Unmarshal(raw, &e)
	return e, err
}

// InvokeEvent runs ev through the Lambda entry of function id.
func (s *Setup) InvokeEvent(id string, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return s.entries[id](context.Background(), ev)
}

// Invoke runs one request of c through its function's Lambda entry.
func (s *Setup) Invoke(c Case) error {
	resp, err := s.entries[c.Function](context.Background(), s.events[c.Name])
	if err != nil {
		return err
	}
	if resp.StatusCode != c.Status {
		return fmt.Errorf("%s: status %d, want %d: %s", c.Name, resp.StatusCode, c.Status, resp.Body)
	}
	return nil
}

// Endpoint measures c through the whole Lambda path: event, api-proxy,
// signature, validation, DynamoDB client, response.
func (s *Setup) Endpoint(c Case) func(b *testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Invoke(c); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// Floor measures the work no implementation of c can avoid: the MD5 of the
// body, one HMAC-SHA256, decoding the body and encoding the response with
// encoding/json, and one plain net/http POST of the equivalent DynamoDB
// request to the same server.
func (s *Setup) Floor(c Case) func(b *testing.B) {
	ev := s.events[c.Name]
	body := []byte(ev.Body)
	var response any
	if c.Response != "" {
		if err := json.Unmarshal([]byte(c.Response), &response); err != nil {
			panic(err)
		}
	}
	stringToSign := []byte("XCLOUD-HMAC-SHA256\n" + ev.Headers["x-xcloud-timestamp"] + "\nlocal-dev\n" +
		ev.RequestContext.HTTP.Method + "\n" + ev.RawPath + "\n" + ev.RawQueryString + "\n" + ev.Headers["content-md5"])
	client := &http.Client{}
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			md5.Sum(body)
			m := hmac.New(sha256.New, []byte(s.signer.Secret))
			m.Write(stringToSign)
			m.Sum(nil)
			if len(body) > 0 {
				var v map[string]any
				if err := json.Unmarshal(body, &v); err != nil {
					b.Fatal(err)
				}
			}
			if response != nil {
				if _, err := json.Marshal(response); err != nil {
					b.Fatal(err)
				}
			}
			if err := post(client, s.Fake.URL, c.DynamoOp, c.DynamoBody); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// post sends one DynamoDB request as a plain net/http POST and reads the answer.
func post(client *http.Client, url, op, body string) error {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// SDKCall measures the get endpoint's DynamoDB call alone, through the
// functions' own aws-sdk-go-v2 client; PlainCall is the same request as one
// plain net/http POST. The gap between them is what the SDK costs per call,
// which no change to the functions' own code can reduce.
func (s *Setup) SDKCall(b *testing.B) {
	in := &dynamodb.GetItemInput{
		TableName:      aws.String(Table),
		Key:            map[string]types.AttributeValue{"customerId": &types.AttributeValueMemberS{Value: "FST-1536316721808-NewCustomer"}},
		ConsistentRead: aws.Bool(true),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.deps.DynamoDB.GetItem(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// PlainCall: see SDKCall.
func (s *Setup) PlainCall(b *testing.B) {
	get := CaseOf("GetFunction")
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		if err := post(client, s.Fake.URL, get.DynamoOp, get.DynamoBody); err != nil {
			b.Fatal(err)
		}
	}
}
