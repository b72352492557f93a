// Package dynamoprotocol is DynamoDB's wire protocol (awsJson 1.0) as the
// functions use it: the SDK's operation serializer and deserializer, with the
// requests and the successful answers of the six operations they call
// written and read directly from and into the SDK's input and output types.
//
// The SDK encodes and decodes through generic code: its decoder reads every
// answer into maps of interfaces before it builds the output, about 300
// allocations for a customer's item (docs/PERFORMANCE.md). The direct
// encoder appends the JSON to one buffer; the direct decoder reads it in one
// pass, with the strings of the answer sliced from one copy of its body.
// They cover the members and attribute types these operations use; anything
// else (an error answer, another operation, a member or attribute type they
// do not know, an escape they cannot read the same way) goes to the SDK, so
// requests and outputs are always the ones the SDK would have made
// (TestRequestsAreTheSDKs, FuzzDecodeMatchesSDK). Malformed JSON in an answer
// is always an error, which the SDK's decoder does not ensure.
package dynamoprotocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// AddTo puts the direct encoder and decoder in place of the operation's
// serializer and deserializer, keeping the SDK's to hand over to; add it to
// dynamodb.Options.APIOptions.
func AddTo(s *middleware.Stack) error {
	ser := &serializer{}
	sdkSer, err := s.Serialize.Swap("OperationSerializer", ser)
	if err != nil {
		return fmt.Errorf("direct DynamoDB encoder: %w", err)
	}
	ser.sdk = sdkSer
	de := &deserializer{}
	sdkDe, err := s.Deserialize.Swap("OperationDeserializer", de)
	if err != nil {
		return fmt.Errorf("direct DynamoDB decoder: %w", err)
	}
	de.sdk = sdkDe
	return nil
}

// operations are the operations written and read directly: their
// X-Amz-Target and a new output of each.
var operations = map[string]struct {
	target string
	output func() any
}{
	"GetItem":      {"DynamoDB_20120810.GetItem", func() any { return &dynamodb.GetItemOutput{} }},
	"PutItem":      {"DynamoDB_20120810.PutItem", func() any { return &dynamodb.PutItemOutput{} }},
	"UpdateItem":   {"DynamoDB_20120810.UpdateItem", func() any { return &dynamodb.UpdateItemOutput{} }},
	"Query":        {"DynamoDB_20120810.Query", func() any { return &dynamodb.QueryOutput{} }},
	"Scan":         {"DynamoDB_20120810.Scan", func() any { return &dynamodb.ScanOutput{} }},
	"BatchGetItem": {"DynamoDB_20120810.BatchGetItem", func() any { return &dynamodb.BatchGetItemOutput{} }},
}

// serializer writes the request of the operations above directly, as the
// SDK would, and hands everything else to the SDK's serializer.
type serializer struct {
	sdk middleware.SerializeMiddleware
}

func (*serializer) ID() string { return "OperationSerializer" }

func (m *serializer) HandleSerialize(ctx context.Context, in middleware.SerializeInput, next middleware.SerializeHandler) (middleware.SerializeOutput, middleware.Metadata, error) {
	op, known := operations[middleware.GetOperationName(ctx)]
	request, isHTTP := in.Request.(*smithyhttp.Request)
	if !known || !isHTTP {
		return m.sdk.HandleSerialize(ctx, in, next)
	}
	body, ok := Encode(make([]byte, 0, 1024), in.Parameters) // a GetItem needs 200 bytes, a PutItem 2 KB
	if !ok {
		return m.sdk.HandleSerialize(ctx, in, next)
	}
	// As the SDK's serializer: every operation is a POST of / (after any
	// path of the endpoint).
	if request.URL.Path == "" {
		request.URL.Path = "/"
	} else if request.URL.Path = path.Join(request.URL.Path, "/"); request.URL.Path != "/" {
		request.URL.Path += "/"
	}
	request.Method = http.MethodPost
	request.Header.Set("Content-Type", "application/x-amz-json-1.0")
	request.Header.Set("X-Amz-Target", op.target)
	request, err := request.SetStream(bytes.NewReader(body))
	if err != nil {
		return middleware.SerializeOutput{}, middleware.Metadata{}, &smithy.SerializationError{Err: err}
	}
	in.Request = request
	return next.HandleSerialize(ctx, in)
}

// deserializer reads the successful answers of the operations above
// directly and hands everything else to the SDK's deserializer.
type deserializer struct {
	sdk middleware.DeserializeMiddleware
}

func (*deserializer) ID() string { return "OperationDeserializer" }

func (m *deserializer) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, metadata, err := next.HandleDeserialize(ctx, in)
	if err != nil {
		return out, metadata, err
	}
	received := replay{out, metadata}
	resp, isHTTP := out.RawResponse.(*smithyhttp.Response)
	op, known := operations[middleware.GetOperationName(ctx)]
	if !known || !isHTTP || resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return m.sdk.HandleDeserialize(ctx, in, received)
	}
	body, err := readAll(resp.Body, resp.ContentLength)
	resp.Body.Close()
	if err != nil {
		return out, metadata, &smithy.DeserializationError{Err: fmt.Errorf("read the answer: %w", err)}
	}
	output := op.output()
	if len(body) == 0 {
		out.Result = output // as the SDK: an empty answer is an empty output
		return out, metadata, nil
	}
	switch err := Decode(body, output); {
	case err == nil:
		out.Result = output
		return out, metadata, nil
	case errors.Is(err, ErrSeveralTypes):
		return out, metadata, &smithy.DeserializationError{Err: err, Snapshot: body[:min(len(body), 1024)]}
	}
	if !json.Valid(body) {
		return out, metadata, &smithy.DeserializationError{Err: errors.New("the answer is not valid JSON"), Snapshot: body[:min(len(body), 1024)]}
	}
	// A shape the direct decoder leaves to the SDK; it reads the same bytes.
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return m.sdk.HandleDeserialize(ctx, in, received)
}

// replay hands the SDK's deserializer the answer already received.
type replay struct {
	out      middleware.DeserializeOutput
	metadata middleware.Metadata
}

func (r replay) HandleDeserialize(context.Context, middleware.DeserializeInput) (middleware.DeserializeOutput, middleware.Metadata, error) {
	return r.out, r.metadata, nil
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

// ErrSeveralTypes is an answer with an attribute value of several types
// ({"S":"a","N":"1"}), which DynamoDB never sends. It is an error here: the
// SDK's decoder would keep one of them at random.
var ErrSeveralTypes = errors.New("an attribute value has several types")

// Decode fills out, a new output of GetItem, PutItem, UpdateItem, Query,
// Scan or BatchGetItem, from body, a JSON answer. On an error out may be
// partly filled: drop it, and let the SDK's decoder read the answer (or, for
// ErrSeveralTypes, fail). body must not change afterwards: the output's
// strings share its memory.
func Decode(body []byte, out any) (err error) {
	if len(body) == 0 {
		return errUnsupported
	}
	d := &decoder{s: unsafe.String(&body[0], len(body))}
	switch o := out.(type) {
	case *dynamodb.GetItemOutput:
		o.Item, o.ConsumedCapacity, err = d.itemAnswer("Item")
	case *dynamodb.PutItemOutput:
		o.Attributes, o.ConsumedCapacity, err = d.itemAnswer("Attributes")
	case *dynamodb.UpdateItemOutput:
		o.Attributes, o.ConsumedCapacity, err = d.itemAnswer("Attributes")
	case *dynamodb.QueryOutput:
		var p page
		p, err = d.page()
		o.Items, o.LastEvaluatedKey, o.Count, o.ScannedCount, o.ConsumedCapacity = p.items, p.lastEvaluatedKey, p.count, p.scanned, p.capacity
	case *dynamodb.ScanOutput:
		var p page
		p, err = d.page()
		o.Items, o.LastEvaluatedKey, o.Count, o.ScannedCount, o.ConsumedCapacity = p.items, p.lastEvaluatedKey, p.count, p.scanned, p.capacity
	case *dynamodb.BatchGetItemOutput:
		err = d.batchGetItem(o)
	default:
		err = errUnsupported
	}
	return err
}
