package dynamoprotocol_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/dynamoprotocol"
)

// recorder answers {} and keeps the last request it was sent.
type recorder struct {
	header http.Header
	body   []byte
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.header = req.Header.Clone()
	r.body, _ = io.ReadAll(req.Body)
	return (&canned{status: 200, body: []byte(`{}`)}).Do(req)
}

func s(v string) *string { return &v }

func av(v any) types.AttributeValue {
	switch v := v.(type) {
	case string:
		return &types.AttributeValueMemberS{Value: v}
	case int:
		return &types.AttributeValueMemberN{Value: strconv.Itoa(v)}
	case bool:
		return &types.AttributeValueMemberBOOL{Value: v}
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}
	case map[string]any:
		m := map[string]types.AttributeValue{}
		for k, x := range v {
			m[k] = av(x)
		}
		return &types.AttributeValueMemberM{Value: m}
	case []any:
		l := []types.AttributeValue{}
		for _, x := range v {
			l = append(l, av(x))
		}
		return &types.AttributeValueMemberL{Value: l}
	}
	panic(v)
}

// item is a customer as the store writes it, with the awkward strings a
// client may send.
var item = map[string]types.AttributeValue{
	"customerId":  av("FST-1536316721808-NewCustomer"),
	"name":        av(`Says "hi" \ été ☃ 😀 </script> & <b>` + "\u2028\u2029\x00\x01\x1f\x7f\n\r\t"),
	"version":     av(3),
	"limits":      av(map[string]any{"maxDevices": 100, "maxUsers": 10}),
	"contactInfo": av(map[string]any{"address": map[string]any{"city": "Springfield", "empty": map[string]any{}}, "phone": nil}),
	"tags":        av([]any{"a", 1, true, nil, []any{}, map[string]any{}}),
	"set":         &types.AttributeValueMemberSS{Value: []string{"x", "y"}},
	"nums":        &types.AttributeValueMemberNS{Value: []string{"1", "2.5"}},
	"nilMap":      &types.AttributeValueMemberM{},
	"nilList":     &types.AttributeValueMemberL{},
	"false":       &types.AttributeValueMemberBOOL{Value: false},
	"notNull":     &types.AttributeValueMemberNULL{Value: false},
}

var key = map[string]types.AttributeValue{"customerId": av("FST-1536316721808-NewCustomer")}

// inputs the direct encoder writes: the store's, and every member it takes.
var directInputs = map[string]any{
	"GetItem": &dynamodb.GetItemInput{TableName: s("t"), Key: key, ConsistentRead: aws.Bool(true),
		ProjectionExpression: s("#a"), ExpressionAttributeNames: map[string]string{"#a": "a"}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal},
	"GetItem minimal": &dynamodb.GetItemInput{TableName: s("t"), Key: key},
	"PutItem": &dynamodb.PutItemInput{TableName: s("t"), Item: item, ConditionExpression: s("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": "customerId"}, ExpressionAttributeValues: map[string]types.AttributeValue{},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal, ReturnValues: types.ReturnValueNone,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld},
	"UpdateItem": &dynamodb.UpdateItemInput{TableName: s("t"), Key: key, UpdateExpression: s("SET #n0 = :v0, #n1.#n2 = :v1"),
		ConditionExpression:       s("attribute_exists(#n3) AND #n4 IN (:v2, :v3)"),
		ExpressionAttributeNames:  map[string]string{"#n0": "name", "#n1": "contactInfo", "#n2": "phone", "#n3": "customerId", "#n4": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v0": item["name"], ":v1": av(nil), ":v2": av(1), ":v3": av(2)},
		ReturnConsumedCapacity:    types.ReturnConsumedCapacityTotal, ReturnValues: types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld},
	"Query": &dynamodb.QueryInput{TableName: s("t"), IndexName: s("status-index"), KeyConditionExpression: s("#shard = :shard"),
		ExpressionAttributeNames: map[string]string{"#shard": "statusShard"}, ExpressionAttributeValues: map[string]types.AttributeValue{":shard": av("ACTIVE#3")},
		Limit: aws.Int32(25), ExclusiveStartKey: map[string]types.AttributeValue{"customerId": av("a"), "statusShard": av("ACTIVE#3")},
		ConsistentRead: aws.Bool(false), ScanIndexForward: aws.Bool(true), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal},
	"Scan":         &dynamodb.ScanInput{TableName: s("t"), Limit: aws.Int32(-1), ExclusiveStartKey: key, ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes},
	"Scan minimal": &dynamodb.ScanInput{TableName: s("t")},
	"BatchGetItem": &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"t":  {Keys: []map[string]types.AttributeValue{key, {"customerId": av("b")}}, ConsistentRead: aws.Bool(true), ProjectionExpression: s("#id"), ExpressionAttributeNames: map[string]string{"#id": "customerId"}},
		"t2": {Keys: []map[string]types.AttributeValue{}},
	}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal},
}

// inputs left to the SDK's encoder.
var sdkInputs = map[string]any{
	"AttributesToGet":       &dynamodb.GetItemInput{TableName: s("t"), Key: key, AttributesToGet: []string{"a"}},
	"binary attribute":      &dynamodb.PutItemInput{TableName: s("t"), Item: map[string]types.AttributeValue{"b": &types.AttributeValueMemberB{Value: []byte{1, 2}}}},
	"invalid UTF-8":         &dynamodb.PutItemInput{TableName: s("t"), Item: map[string]types.AttributeValue{"a": av("\xff\xfe")}},
	"filter":                &dynamodb.ScanInput{TableName: s("t"), FilterExpression: s("#a = :a")},
	"AttributeUpdates":      &dynamodb.UpdateItemInput{TableName: s("t"), Key: key, AttributeUpdates: map[string]types.AttributeValueUpdate{"a": {Action: types.AttributeActionDelete}}},
	"batch AttributesToGet": &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{key}, AttributesToGet: []string{"a"}}}},
}

// call sends in with c and returns the request recorded.
func call(t *testing.T, c *dynamodb.Client, in any) {
	t.Helper()
	ctx := context.Background()
	var err error
	switch in := in.(type) {
	case *dynamodb.GetItemInput:
		_, err = c.GetItem(ctx, in)
	case *dynamodb.PutItemInput:
		_, err = c.PutItem(ctx, in)
	case *dynamodb.UpdateItemInput:
		_, err = c.UpdateItem(ctx, in)
	case *dynamodb.QueryInput:
		_, err = c.Query(ctx, in)
	case *dynamodb.ScanInput:
		_, err = c.Scan(ctx, in)
	case *dynamodb.BatchGetItemInput:
		_, err = c.BatchGetItem(ctx, in)
	}
	if err != nil {
		t.Fatalf("call: %v", err)
	}
}

// Every request, written directly or by the SDK, is the one the SDK writes:
// the same JSON and the same headers.
func TestRequestsAreTheSDKs(t *testing.T) {
	for direct, inputs := range map[bool]map[string]any{true: directInputs, false: sdkInputs} {
		for name, in := range inputs {
			t.Run(name, func(t *testing.T) {
				if _, ok := dynamoprotocol.Encode(nil, in); ok != direct {
					t.Fatalf("Encode took it: %v, want %v", ok, direct)
				}
				sdkRec, directRec := &recorder{}, &recorder{}
				sdk, _ := clients(sdkRec)
				_, d := clients(directRec)
				call(t, sdk, in)
				call(t, d, in)
				if sdkRec.header == nil || directRec.header == nil {
					t.Fatalf("sent by the SDK: %v, directly: %v", sdkRec.header != nil, directRec.header != nil)
				}
				for _, h := range []string{"X-Amz-Target", "Content-Type", "Content-Length"} {
					if got, want := directRec.header.Get(h), sdkRec.header.Get(h); got != want && h != "Content-Length" {
						t.Errorf("%s: %q, SDK %q", h, got, want)
					}
				}
				var got, want any
				if err := json.Unmarshal(directRec.body, &got); err != nil {
					t.Fatalf("direct request is not JSON: %v\n%s", err, directRec.body)
				}
				if err := json.Unmarshal(sdkRec.body, &want); err != nil {
					t.Fatalf("SDK request is not JSON: %v\n%s", err, sdkRec.body)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("direct request\n%s\nSDK's\n%s", directRec.body, sdkRec.body)
				}
			})
		}
	}
}

// FuzzEncodeMatchesSDK: whatever the strings, the request written directly
// is the SDK's, or is left to the SDK.
func FuzzEncodeMatchesSDK(f *testing.F) {
	f.Add("name", "value", "SET #a = :a", "7")
	f.Add(`"\`, "\x00\u2028é😀", "", "-1.5e3")
	f.Add("\xff", "\xc3", "\x7f", "")
	sdkRec, directRec := &recorder{}, &recorder{}
	sdk, _ := clients(sdkRec)
	_, direct := clients(directRec)
	f.Fuzz(func(t *testing.T, name, value, expression, number string) {
		in := &dynamodb.UpdateItemInput{
			TableName: s(name), Key: map[string]types.AttributeValue{name: av(value)},
			UpdateExpression:         s(expression),
			ExpressionAttributeNames: map[string]string{"#" + name: value},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":" + value: &types.AttributeValueMemberN{Value: number},
				":m":        av(map[string]any{name: []any{value, map[string]any{value: name}}}),
				":ss":       &types.AttributeValueMemberSS{Value: []string{name, value, expression}},
			},
		}
		sdkRec.header, directRec.header = nil, nil
		_, sdkErr := sdk.UpdateItem(context.Background(), in)
		_, directErr := direct.UpdateItem(context.Background(), in)
		if (sdkErr == nil) != (directErr == nil) {
			t.Fatalf("SDK: %v; direct: %v", sdkErr, directErr)
		}
		if sdkErr != nil {
			return
		}
		var got, want any
		if err := json.Unmarshal(directRec.body, &got); err != nil {
			if _, ok := dynamoprotocol.Encode(nil, in); ok {
				t.Fatalf("direct request is not JSON: %v\n%q", err, directRec.body)
			}
			return // the SDK's own request: whatever it writes
		}
		if err := json.Unmarshal(sdkRec.body, &want); err != nil {
			t.Fatalf("SDK request is not JSON where the direct one is: %v\n%q", err, sdkRec.body)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("direct request\n%q\nSDK's\n%q", directRec.body, sdkRec.body)
		}
	})
}

// BenchmarkEncode writes the store's UpdateItem request of a typical
// customer.
func BenchmarkEncode(b *testing.B) {
	in := *directInputs["UpdateItem"].(*dynamodb.UpdateItemInput)
	values := map[string]types.AttributeValue{}
	for k, v := range item {
		values[":"+k] = v
	}
	in.ExpressionAttributeValues = values
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := dynamoprotocol.Encode(make([]byte, 0, 1024), &in); !ok {
			b.Fatal("not encoded")
		}
	}
}
