// Package dynamoprotocol is DynamoDB's wire protocol (awsJson 1.0) as the
// functions use it: the SDK's own protocol, with the requests and the
// successful answers of the six operations they call written and read
// directly from and into the SDK's input and output types.
//
// The SDK encodes and decodes through generic, schema-driven code: a
// closure and a string copy for each attribute of each item, about 100
// allocations and a sixth of the CPU of a call (docs/PERFORMANCE.md). The
// direct encoder appends the JSON to one buffer; the direct decoder reads it
// in one pass, with the strings of the answer sliced from one copy of its
// body. They cover the members and attribute types these operations use;
// anything else (an error answer, another operation, a member or attribute
// type they do not know, an escape they cannot read the same way) goes to
// the SDK, so requests and outputs are always the ones the SDK would have
// made (TestRequestsAreTheSDKs, FuzzDecodeMatchesSDK). Malformed JSON in an
// answer is always an error, which the SDK's decoder does not ensure.
package dynamoprotocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Protocol is the SDK's DynamoDB protocol with direct decoding of successful
// answers; set it as dynamodb.Options.Protocol with New(o.Protocol).
type Protocol struct {
	smithyhttp.ClientProtocol // the SDK's, for everything else
}

var _ smithyhttp.ClientProtocol = (*Protocol)(nil)

// New wraps sdk, the protocol the SDK's DynamoDB client set up.
func New(sdk smithyhttp.ClientProtocol) *Protocol {
	return &Protocol{ClientProtocol: sdk}
}

// SerializeRequest writes the requests of GetItem, PutItem, UpdateItem,
// Query, Scan and BatchGetItem directly, as the SDK would, and hands
// everything else to the SDK.
func (p *Protocol) SerializeRequest(ctx context.Context, schema *smithy.OperationSchema, in smithy.Serializable, req *smithyhttp.Request) error {
	target, known := targets[schema.ID().Name]
	if !known || schema.IsInputEventStream() {
		return p.ClientProtocol.SerializeRequest(ctx, schema, in, req)
	}
	body, ok := Encode(make([]byte, 0, 1024), in) // a GetItem needs 200 bytes, a PutItem 2 KB
	if !ok {
		return p.ClientProtocol.SerializeRequest(ctx, schema, in, req)
	}
	req.Method = http.MethodPost
	if req.URL.Path == "" {
		req.URL.Path = "/"
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	sreq, err := req.SetStream(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("set stream: %w", err)
	}
	*req = *sreq
	return nil
}

// targets are the X-Amz-Target headers of the operations written directly.
var targets = map[string]string{
	"GetItem":      "DynamoDB_20120810.GetItem",
	"PutItem":      "DynamoDB_20120810.PutItem",
	"UpdateItem":   "DynamoDB_20120810.UpdateItem",
	"Query":        "DynamoDB_20120810.Query",
	"Scan":         "DynamoDB_20120810.Scan",
	"BatchGetItem": "DynamoDB_20120810.BatchGetItem",
}

// DeserializeResponse decodes a successful answer of GetItem, PutItem,
// UpdateItem, Query, Scan or BatchGetItem directly and hands everything else
// to the SDK.
func (p *Protocol) DeserializeResponse(ctx context.Context, schema *smithy.OperationSchema, types *smithy.TypeRegistry, resp *smithyhttp.Response, out smithy.Deserializable) error {
	if resp.StatusCode < 200 || resp.StatusCode >= 300 || !Decodes(out) {
		return p.ClientProtocol.DeserializeResponse(ctx, schema, types, resp, out)
	}
	body, err := readAll(resp.Body, resp.ContentLength)
	if err != nil {
		return &smithy.DeserializationError{Err: err}
	}
	if len(body) == 0 {
		return nil // as the SDK: an empty answer leaves the output empty
	}
	if Decode(body, out) == nil {
		return nil
	}
	// The SDK's decoder can panic on malformed JSON (smithy-go 1.28.9 does on
	// `{"Responses":{"t":[,`), which DynamoDB never sends but a broken proxy
	// might: such an answer is an error here.
	if !json.Valid(body) {
		return &smithy.DeserializationError{Err: errors.New("the answer is not valid JSON"), Snapshot: body[:min(len(body), 1024)]}
	}
	// A shape the direct decoder leaves to the SDK; it reads the same bytes.
	sdkResp := &smithyhttp.Response{Response: new(http.Response)}
	*sdkResp.Response = *resp.Response
	sdkResp.Body = io.NopCloser(bytes.NewReader(body))
	return p.ClientProtocol.DeserializeResponse(ctx, schema, types, sdkResp, out)
}

// readAll reads body to its end (where the SDK's CRC32 check runs) into one
// buffer sized by Content-Length.
func readAll(body io.Reader, contentLength int64) ([]byte, error) {
	size := 4096 // DynamoDB always sends Content-Length; a proxy might not
	if contentLength > 0 && contentLength < 64<<20 {
		size = int(contentLength) + bytes.MinRead
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
}

// errUnsupported marks an answer the direct decoder leaves to the SDK.
var errUnsupported = errors.New("left to the SDK's decoder")

// Decodes reports whether Decode takes outputs of out's type.
func Decodes(out smithy.Deserializable) bool {
	switch out.(type) {
	case *dynamodb.GetItemOutput, *dynamodb.PutItemOutput, *dynamodb.UpdateItemOutput,
		*dynamodb.QueryOutput, *dynamodb.ScanOutput, *dynamodb.BatchGetItemOutput:
		return true
	}
	return false
}

// Decode fills out, one of the outputs Decodes takes, from body, a JSON
// answer. On an error out is unchanged and the SDK's decoder should read the
// answer instead. body must not change afterwards: the output's strings
// share its memory.
func Decode(body []byte, out smithy.Deserializable) error {
	if len(body) == 0 {
		return errUnsupported
	}
	d := &decoder{s: unsafe.String(&body[0], len(body))}
	switch o := out.(type) {
	case *dynamodb.GetItemOutput:
		return into(o, func(v *dynamodb.GetItemOutput) (err error) {
			v.Item, v.ConsumedCapacity, err = d.itemAnswer("Item")
			return err
		})
	case *dynamodb.PutItemOutput:
		return into(o, func(v *dynamodb.PutItemOutput) (err error) {
			v.Attributes, v.ConsumedCapacity, err = d.itemAnswer("Attributes")
			return err
		})
	case *dynamodb.UpdateItemOutput:
		return into(o, func(v *dynamodb.UpdateItemOutput) (err error) {
			v.Attributes, v.ConsumedCapacity, err = d.itemAnswer("Attributes")
			return err
		})
	case *dynamodb.QueryOutput:
		return into(o, func(v *dynamodb.QueryOutput) error {
			p, err := d.page()
			v.Items, v.LastEvaluatedKey, v.Count, v.ScannedCount, v.ConsumedCapacity = p.items, p.lastEvaluatedKey, p.count, p.scanned, p.capacity
			return err
		})
	case *dynamodb.ScanOutput:
		return into(o, func(v *dynamodb.ScanOutput) error {
			p, err := d.page()
			v.Items, v.LastEvaluatedKey, v.Count, v.ScannedCount, v.ConsumedCapacity = p.items, p.lastEvaluatedKey, p.count, p.scanned, p.capacity
			return err
		})
	case *dynamodb.BatchGetItemOutput:
		return into(o, d.batchGetItem)
	}
	return errUnsupported
}

// into decodes into a fresh output and sets *o only when that succeeds.
func into[T any](o *T, decode func(*T) error) error {
	var v T
	if err := decode(&v); err != nil {
		return err
	}
	*o = v
	return nil
}
