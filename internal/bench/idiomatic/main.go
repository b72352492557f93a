// Command idiomatic is the reference each function's cost is set against in
// make bench: the same DynamoDB operation on the same customer, written the
// way AWS's reference Go serverless application writes a function
// (config.LoadDefaultConfig, attributevalue, encoding/json, a payload 2.0
// event in and out), with no signature check, validation or log line.
// IDIOMATIC_OPERATION picks the operation, named as the function's
// package: register, update, get, list, exists or apikeys, or events, the
// stream handler that publishes each record's new image to EventBridge.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

type Address struct {
	Street     string `json:"street,omitempty" dynamodbav:"street,omitempty"`
	City       string `json:"city,omitempty" dynamodbav:"city,omitempty"`
	State      string `json:"state,omitempty" dynamodbav:"state,omitempty"`
	Country    string `json:"country,omitempty" dynamodbav:"country,omitempty"`
	PostalCode string `json:"postalCode,omitempty" dynamodbav:"postalCode,omitempty"`
}

type ContactInfo struct {
	Email   string  `json:"email" dynamodbav:"email"`
	Phone   string  `json:"phone,omitempty" dynamodbav:"phone,omitempty"`
	Address Address `json:"address" dynamodbav:"address"`
}

type BusinessInfo struct {
	Industry string `json:"industry,omitempty" dynamodbav:"industry,omitempty"`
	Sector   string `json:"sector,omitempty" dynamodbav:"sector,omitempty"`
	Timezone string `json:"timezone,omitempty" dynamodbav:"timezone,omitempty"`
}

type Settings struct {
	DataRetentionDays int    `json:"dataRetentionDays,omitempty" dynamodbav:"dataRetentionDays,omitempty"`
	AlertFrequency    string `json:"alertFrequency,omitempty" dynamodbav:"alertFrequency,omitempty"`
	ReportingEnabled  bool   `json:"reportingEnabled" dynamodbav:"reportingEnabled"`
}

type Location struct {
	Latitude  float64 `json:"latitude" dynamodbav:"latitude"`
	Longitude float64 `json:"longitude" dynamodbav:"longitude"`
}

type Limits struct {
	MaxDevices    int `json:"maxDevices" dynamodbav:"maxDevices"`
	MaxUsers      int `json:"maxUsers" dynamodbav:"maxUsers"`
	MaxDataPoints int `json:"maxDataPoints" dynamodbav:"maxDataPoints"`
}

type Customer struct {
	CustomerID   string            `json:"customerId" dynamodbav:"customerId"`
	CustomerName string            `json:"customerName" dynamodbav:"customerName"`
	Description  string            `json:"description,omitempty" dynamodbav:"description,omitempty"`
	ContactInfo  ContactInfo       `json:"contactInfo" dynamodbav:"contactInfo"`
	BusinessInfo BusinessInfo      `json:"businessInfo" dynamodbav:"businessInfo"`
	Settings     Settings          `json:"settings" dynamodbav:"settings"`
	Location     Location          `json:"location" dynamodbav:"location"`
	Status       string            `json:"status" dynamodbav:"status"`
	StatusShard  string            `json:"-" dynamodbav:"statusShard"`
	Limits       Limits            `json:"limits" dynamodbav:"limits"`
	APIKeyHashes map[string]string `json:"-" dynamodbav:"apiKeyHashes"`
	CreatedAt    string            `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt    string            `json:"updatedAt" dynamodbav:"updatedAt"`
	Version      int               `json:"-" dynamodbav:"version"`
}

type store struct {
	client *dynamodb.Client
	table  string
}

func loadConfig(ctx context.Context) aws.Config {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatalf("unable to load SDK config, %v", err)
	}
	return cfg
}

func newStore(ctx context.Context, table string) *store {
	cfg := loadConfig(ctx)
	var opts []func(*dynamodb.Options)
	if endpoint := os.Getenv("DYNAMODB_ENDPOINT"); endpoint != "" {
		opts = append(opts, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(endpoint) })
	}
	return &store{client: dynamodb.NewFromConfig(cfg, opts...), table: table}
}

func key(id string) map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{"customerId": &ddbtypes.AttributeValueMemberS{Value: id}}
}

func (s *store) register(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var c Customer
	if err := json.Unmarshal([]byte(event.Body), &c); err != nil {
		return errResponse(http.StatusBadRequest, err.Error()), nil
	}
	now := time.Now().UTC().Format(time.RFC3339)
	c.CreatedAt, c.UpdatedAt, c.Version = now, now, 1
	c.StatusShard = c.Status + "#0"
	c.Limits = Limits{MaxDevices: 100, MaxUsers: 50, MaxDataPoints: 1000000}
	item, err := attributevalue.MarshalMap(&c)
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           &s.table,
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(customerId)"),
	})
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	return response(http.StatusCreated, c), nil
}

func (s *store) update(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var fields map[string]any
	if err := json.Unmarshal([]byte(event.Body), &fields); err != nil {
		return errResponse(http.StatusBadRequest, err.Error()), nil
	}
	update := expression.Set(expression.Name("updatedAt"), expression.Value(time.Now().UTC().Format(time.RFC3339)))
	for name, value := range fields {
		update = update.Set(expression.Name(name), expression.Value(value))
	}
	expr, err := expression.NewBuilder().
		WithUpdate(update.Add(expression.Name("version"), expression.Value(1))).
		WithCondition(expression.AttributeExists(expression.Name("customerId"))).
		Build()
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(event.PathParameters["customerId"]),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnValues:              ddbtypes.ReturnValueAllNew,
	})
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	var c Customer
	if err := attributevalue.UnmarshalMap(out.Attributes, &c); err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	return response(http.StatusOK, c), nil
}

func (s *store) get(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(event.PathParameters["customerId"]),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	if len(out.Item) == 0 {
		return errResponse(http.StatusNotFound, "customer not found"), nil
	}
	var c Customer
	if err := attributevalue.UnmarshalMap(out.Item, &c); err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	return response(http.StatusOK, c), nil
}

type page struct {
	Customers []Customer `json:"customers"`
	NextToken string     `json:"nextToken,omitempty"`
}

func (s *store) list(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	limit, err := strconv.Atoi(event.QueryStringParameters["limit"])
	if err != nil {
		limit = 50
	}
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String("status-index"),
		KeyConditionExpression:    aws.String("statusShard = :shard"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":shard": &ddbtypes.AttributeValueMemberS{Value: event.QueryStringParameters["status"] + "#0"}},
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	p := page{Customers: []Customer{}}
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &p.Customers); err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	if id, ok := out.LastEvaluatedKey["customerId"].(*ddbtypes.AttributeValueMemberS); ok {
		p.NextToken = id.Value
	}
	return response(http.StatusOK, p), nil
}

func (s *store) exists(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	ids := strings.Split(event.PathParameters["customerId"], ",")
	keys := make([]map[string]ddbtypes.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(id)
	}
	out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{
		s.table: {Keys: keys, ProjectionExpression: aws.String("customerId"), ConsistentRead: aws.Bool(true)},
	}})
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	var found []struct {
		CustomerID string `dynamodbav:"customerId"`
	}
	if err := attributevalue.UnmarshalListOfMaps(out.Responses[s.table], &found); err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	if len(found) < len(ids) {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusNotFound}, nil
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK}, nil
}

type regenerated struct {
	CustomerID    string            `json:"customerId"`
	APIKeys       map[string]string `json:"apiKeys"`
	RegeneratedAt string            `json:"regeneratedAt"`
}

func (s *store) apikeys(ctx context.Context, event events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	var in struct {
		Key string `json:"key"`
	}
	if err := json.Unmarshal([]byte(event.Body), &in); err != nil {
		return errResponse(http.StatusBadRequest, err.Error()), nil
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	apiKey := "xck_" + base64.RawURLEncoding.EncodeToString(secret)
	hash := sha256.Sum256([]byte(apiKey))
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("apiKeyHashes."+in.Key), expression.Value(hex.EncodeToString(hash[:])))).
		WithCondition(expression.AttributeExists(expression.Name("customerId"))).
		Build()
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	id := event.PathParameters["customerId"]
	_, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(id),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error()), nil
	}
	return response(http.StatusOK, regenerated{CustomerID: id, APIKeys: map[string]string{in.Key: apiKey},
		RegeneratedAt: time.Now().UTC().Format(time.RFC3339)}), nil
}

func response(code int, object any) events.APIGatewayV2HTTPResponse {
	marshalled, err := json.Marshal(object)
	if err != nil {
		return errResponse(http.StatusInternalServerError, err.Error())
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: code,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(marshalled),
	}
}

func errResponse(status int, body string) events.APIGatewayV2HTTPResponse {
	messageBytes, _ := json.Marshal(map[string]string{"message": body})
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(messageBytes),
	}
}

// publisher is the stream handler: for each record, the new image as the
// event's detail; PutEvents in batches of at most 10 entries.
type publisher struct {
	client *eventbridge.Client
	bus    string
}

func newPublisher(ctx context.Context, bus string) *publisher {
	return &publisher{client: eventbridge.NewFromConfig(loadConfig(ctx)), bus: bus}
}

func (p *publisher) handle(ctx context.Context, event events.DynamoDBEvent) error {
	var entries []ebtypes.PutEventsRequestEntry
	for _, record := range event.Records {
		if record.Change.NewImage == nil {
			continue
		}
		item, err := fromStreamImage(record.Change.NewImage)
		if err != nil {
			return err
		}
		var c Customer
		if err := attributevalue.UnmarshalMap(item, &c); err != nil {
			return err
		}
		detail, err := json.Marshal(c)
		if err != nil {
			return err
		}
		entries = append(entries, ebtypes.PutEventsRequestEntry{
			EventBusName: aws.String(p.bus),
			Source:       aws.String("xcloud.customers"),
			DetailType:   aws.String("Customer" + record.EventName),
			Detail:       aws.String(string(detail)),
		})
	}
	for start := 0; start < len(entries); start += 10 {
		out, err := p.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries[start:min(start+10, len(entries))]})
		if err != nil {
			return err
		}
		if out.FailedEntryCount > 0 {
			return errors.New("failed to publish " + strconv.Itoa(int(out.FailedEntryCount)) + " events")
		}
	}
	return nil
}

// fromStreamImage converts a stream record's image to the SDK's attribute
// values, which attributevalue reads.
func fromStreamImage(image map[string]events.DynamoDBAttributeValue) (map[string]ddbtypes.AttributeValue, error) {
	item := make(map[string]ddbtypes.AttributeValue, len(image))
	for name, value := range image {
		av, err := fromStreamAttribute(value)
		if err != nil {
			return nil, err
		}
		item[name] = av
	}
	return item, nil
}

func fromStreamAttribute(value events.DynamoDBAttributeValue) (ddbtypes.AttributeValue, error) {
	switch value.DataType() {
	case events.DataTypeString:
		return &ddbtypes.AttributeValueMemberS{Value: value.String()}, nil
	case events.DataTypeNumber:
		return &ddbtypes.AttributeValueMemberN{Value: value.Number()}, nil
	case events.DataTypeBoolean:
		return &ddbtypes.AttributeValueMemberBOOL{Value: value.Boolean()}, nil
	case events.DataTypeNull:
		return &ddbtypes.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &ddbtypes.AttributeValueMemberB{Value: value.Binary()}, nil
	case events.DataTypeStringSet:
		return &ddbtypes.AttributeValueMemberSS{Value: value.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &ddbtypes.AttributeValueMemberNS{Value: value.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &ddbtypes.AttributeValueMemberBS{Value: value.BinarySet()}, nil
	case events.DataTypeMap:
		m, err := fromStreamImage(value.Map())
		if err != nil {
			return nil, err
		}
		return &ddbtypes.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		l := make([]ddbtypes.AttributeValue, 0, len(value.List()))
		for _, v := range value.List() {
			av, err := fromStreamAttribute(v)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &ddbtypes.AttributeValueMemberL{Value: l}, nil
	}
	return nil, errors.New("unsupported attribute type")
}

func main() {
	operation := os.Getenv("IDIOMATIC_OPERATION")
	if operation == "events" {
		bus, ok := os.LookupEnv("EVENT_BUS_NAME")
		if !ok {
			panic("Need EVENT_BUS_NAME environment variable")
		}
		lambda.Start(newPublisher(context.TODO(), bus).handle)
		return
	}
	table, ok := os.LookupEnv("TABLE_NAME")
	if !ok {
		panic("Need TABLE_NAME environment variable")
	}
	s := newStore(context.TODO(), table)
	handlers := map[string]func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error){
		"register": s.register, "update": s.update, "get": s.get, "list": s.list, "exists": s.exists,
		"apikeys": s.apikeys,
	}
	handler, ok := handlers[operation]
	if !ok {
		panic(errors.New("IDIOMATIC_OPERATION must be register, update, get, list, exists, apikeys or events"))
	}
	lambda.Start(handler)
}
