package dynamoprotocol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/xcloud/customers/shared/dynamoprotocol"
)

// canned answers every request with one status and body, as DynamoDB would.
type canned struct {
	status int
	body   []byte
}

func (c *canned) Do(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: c.status, Status: http.StatusText(c.status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amzn-Requestid": {"req-1"}},
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		ContentLength: int64(len(c.body)),
		Request:       r,
	}, nil
}

// clients returns a client with the SDK's protocol and one with this
// package's, both answered by c.
func clients(c dynamodb.HTTPClient) (sdk, direct *dynamodb.Client) {
	opts := dynamodb.Options{
		Region:                          "us-east-1",
		Credentials:                     credentials.NewStaticCredentialsProvider("k", "s", ""),
		HTTPClient:                      c,
		BaseEndpoint:                    aws.String("http://127.0.0.1:1"),
		DisableValidateResponseChecksum: true,
		RetryMaxAttempts:                1,
	}
	sdk = dynamodb.New(opts)
	direct = dynamodb.New(opts, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, dynamoprotocol.AddTo) })
	return sdk, direct
}

// operations calls each operation the package decodes and returns its
// output with the metadata cleared.
var operations = map[string]func(*dynamodb.Client) (any, error){
	"GetItem": func(c *dynamodb.Client) (any, error) {
		o, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key})
		if o != nil {
			o.ResultMetadata = middleware.Metadata{}
		}
		return o, err
	},
	"PutItem": func(c *dynamodb.Client) (any, error) {
		o, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: key})
		if o != nil {
			o.ResultMetadata = middleware.Metadata{}
		}
		return o, err
	},
	"UpdateItem": func(c *dynamodb.Client) (any, error) {
		o, err := c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key})
		if o != nil {
			o.ResultMetadata = middleware.Metadata{}
		}
		return o, err
	},
	"Query": func(c *dynamodb.Client) (any, error) {
		o, err := c.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String("t")})
		if o != nil {
			o.ResultMetadata = middleware.Metadata{}
		}
		return o, err
	},
	"Scan": func(c *dynamodb.Client) (any, error) {
		o, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("t")})
		if o != nil {
			o.ResultMetadata = middleware.Metadata{}
		}
		return o, err
	},
	"BatchGetItem": func(c *dynamodb.Client) (any, error) {
		o, err := c.BatchGetItem(context.Background(), &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{key}}}})
		if o != nil {
			o.ResultMetadata = middleware.Metadata{}
		}
		return o, err
	},
}

// answers are recorded successful answers of DynamoDB, dynalite, minidyn
// and moto, one file per operation and case: testdata/<Operation>.<case>.json.
func answers(t testing.TB) map[string][]byte {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no answers in testdata: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = b
	}
	return out
}

func operationOf(name string) string { return strings.SplitN(name, ".", 2)[0] }

// Every recorded answer takes the direct path and gives exactly the output
// the SDK's own decoder gives.
func TestRecordedAnswersDecodeAsTheSDKDoes(t *testing.T) {
	for name, body := range answers(t) {
		t.Run(name, func(t *testing.T) {
			op := operationOf(name)
			call, ok := operations[op]
			if !ok {
				t.Fatalf("no operation %q", op)
			}
			var out any
			switch op {
			case "GetItem":
				out = &dynamodb.GetItemOutput{}
			case "PutItem":
				out = &dynamodb.PutItemOutput{}
			case "UpdateItem":
				out = &dynamodb.UpdateItemOutput{}
			case "Query":
				out = &dynamodb.QueryOutput{}
			case "Scan":
				out = &dynamodb.ScanOutput{}
			case "BatchGetItem":
				out = &dynamodb.BatchGetItemOutput{}
			}
			if err := dynamoprotocol.Decode(bytes.Clone(body), out); err != nil {
				t.Fatalf("the direct decoder left it to the SDK: %v", err)
			}
			sdk, direct := clients(&canned{status: 200, body: body})
			want, err := call(sdk)
			if err != nil {
				t.Fatalf("SDK: %v", err)
			}
			got, err := call(direct)
			if err != nil {
				t.Fatalf("direct: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("direct decoder gave\n%#v\nthe SDK\n%#v", got, want)
			}
			if !reflect.DeepEqual(reflect.ValueOf(out).Elem().Interface(), reflect.ValueOf(want).Elem().Interface()) {
				t.Errorf("Decode gave\n%#v\nthe SDK\n%#v", out, want)
			}
		})
	}
}

// Errors, and answers the direct decoder does not take, come out exactly as
// the SDK makes them.
func TestOtherAnswersGoToTheSDK(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
	}{
		{"conditional check failed", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"customerId":{"S":"FST-1"},"version":{"N":"3"}}}`},
		{"throttled", 400, `{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate exceeded"}`},
		{"unknown member", 200, `{"Item":{"a":{"S":"x"}},"ItemCollectionMetrics":{"ItemCollectionKey":{"a":{"S":"x"}},"SizeEstimateRangeGB":[1,2]}}`},
		{"binary attribute", 200, `{"Item":{"a":{"B":"aGVsbG8="}}}`},
		{"null member", 200, `{"Item":null,"ConsumedCapacity":{"TableName":"t","CapacityUnits":1}}`},
		{"duplicate attribute", 200, `{"Item":{"a":{"S":"x"},"a":{"S":"y"}}}`},
		{"exponent", 200, `{"ConsumedCapacity":{"TableName":"t","CapacityUnits":1e0}}`},
		{"empty", 200, ``},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sdk, direct := clients(&canned{status: c.status, body: []byte(c.body)})
			want, wantErr := operations["GetItem"](sdk)
			got, gotErr := operations["GetItem"](direct)
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("errors differ: direct %v, SDK %v", gotErr, wantErr)
			}
			if wantErr != nil {
				if gotErr.Error() != wantErr.Error() {
					t.Errorf("direct error %v, SDK %v", gotErr, wantErr)
				}
				var gotCCF, wantCCF *types.ConditionalCheckFailedException
				if errors.As(wantErr, &wantCCF) && (!errors.As(gotErr, &gotCCF) || !reflect.DeepEqual(gotCCF.Item, wantCCF.Item)) {
					t.Errorf("direct error %#v, SDK %#v", gotCCF, wantCCF)
				}
				return
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("direct\n%#v\nSDK\n%#v", got, want)
			}
		})
	}
}

// FuzzDecodeMatchesSDK: on a JSON answer, the output and the error are
// the SDK's, whichever decoder takes it; malformed JSON is an error.
func FuzzDecodeMatchesSDK(f *testing.F) {
	names := slices.Sorted(maps.Keys(operations))
	for name, body := range answers(f) {
		for i, op := range names {
			if op == operationOf(name) {
				f.Add(uint8(i), body)
			}
		}
	}
	c := &canned{status: 200}
	sdk, direct := clients(c)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		op := names[int(which)%len(names)]
		c.body = body
		got, gotErr := operations[op](direct)
		if len(body) > 0 && !json.Valid(body) {
			// The SDK's decoder accepts some malformed JSON ("{}0"), fails
			// on some and panics on some; here it is always an error. An
			// empty answer is an empty output, as in the SDK.
			if gotErr == nil {
				t.Fatalf("%s: direct took malformed JSON: %#v", op, got)
			}
			return
		}
		var doc any
		if json.Unmarshal(body, &doc) == nil && severalTyped(doc) {
			// The SDK keeps one type of a several-typed value at random;
			// here that is an error, or the SDK's pick when the direct
			// decoder left the answer to it.
			return
		}
		want, wantErr := operations[op](sdk)
		if gotErr != nil {
			if wantErr == nil {
				t.Fatalf("%s: direct failed (%v) where the SDK did not", op, gotErr)
			}
			return
		}
		if wantErr != nil {
			t.Fatalf("%s: the SDK failed (%v) where direct did not: %#v", op, wantErr, got)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: direct\n%#v\nSDK\n%#v", op, got, want)
		}
	})
}

// An attribute value of two types is an error, where the SDK's decoder keeps
// one of them at random.
func TestAttributeValueOfSeveralTypesFails(t *testing.T) {
	_, direct := clients(&canned{status: 200, body: []byte(`{"Item":{"a":{"S":"x","N":"1"}}}`)})
	for range 10 {
		if out, err := operations["GetItem"](direct); !errors.Is(err, dynamoprotocol.ErrSeveralTypes) {
			t.Fatalf("output %#v, error %v; want ErrSeveralTypes", out, err)
		}
	}
}

// Malformed JSON is an error, where the SDK's decoder may accept it, fail,
// or panic.
func TestMalformedAnswersFail(t *testing.T) {
	for op, call := range operations {
		for _, body := range []string{`{"Item":{"a":{"S":"x"}`, `{}0`, `{"Responses":{"t":[,0A`, `{"Items":[{"a":{"S":"x"}},]}`} {
			_, direct := clients(&canned{status: 200, body: []byte(body)})
			if out, err := call(direct); err == nil {
				t.Errorf("%s of %s: no error, output %#v", op, body, out)
			}
		}
	}
}

// BenchmarkDecode decodes a typical customer's UpdateItem answer: Decode
// alone, and a whole call answered at once with the SDK's protocol and with
// this package's.
func BenchmarkDecode(b *testing.B) {
	body := answers(b)["UpdateItem.dynalite"]
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out dynamodb.UpdateItemOutput
			if err := dynamoprotocol.Decode(body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	sdk, direct := clients(&canned{status: 200, body: body})
	for name, c := range map[string]*dynamodb.Client{"call/SDK": sdk, "call/direct": direct} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := operations["UpdateItem"](c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// severalTyped reports whether any object in v has two keys that name
// attribute types: perhaps an attribute value of several types.
func severalTyped(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		types := 0
		for k, x := range v {
			switch k {
			case "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS":
				types++
			}
			if severalTyped(x) {
				return true
			}
		}
		return types > 1
	case []any:
		for _, x := range v {
			if severalTyped(x) {
				return true
			}
		}
	}
	return false
}
