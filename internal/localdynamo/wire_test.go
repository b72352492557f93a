package localdynamo_test

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/internal/localdynamo"
)

const stored = `{"customerId":{"S":"c1"},"version":{"N":"3"}}`

// fakeDynalite refuses every conditional write without the item, as
// dynalite does, and answers GetItem with the stored item.
func fakeDynalite(t *testing.T, withItem bool, gets *atomic.Int32) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		var body string
		status := http.StatusBadRequest
		switch op := r.Header.Get("X-Amz-Target"); {
		case strings.HasSuffix(op, ".GetItem"):
			gets.Add(1)
			status, body = http.StatusOK, `{"Item":`+stored+`}`
		case withItem:
			body = `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":` + stored + `}`
		default:
			body = `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// proxied is a client of endpoint through StartProxy.
func proxied(t *testing.T, endpoint string) *dynamodb.Client {
	t.Helper()
	p, err := localdynamo.StartProxy(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	db, err := localdynamo.Client(context.Background(), p.URL)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConditionFailureGetsItsItem(t *testing.T) {
	for _, c := range []struct {
		name     string
		withItem bool
		wantGets int32
	}{
		{"dynalite: the item is read and added", false, 2},
		{"a DynamoDB that returns it: nothing is read", true, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var gets atomic.Int32
			db := proxied(t, fakeDynalite(t, c.withItem, &gets))
			key := map[string]types.AttributeValue{"customerId": &types.AttributeValueMemberS{Value: "c1"}}
			_, putErr := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: key,
				ConditionExpression: aws.String("attribute_not_exists(customerId)"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
			_, updateErr := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key,
				UpdateExpression: aws.String("SET a = :a"), ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: "x"}},
				ConditionExpression: aws.String("version = :a"), ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
			for op, err := range map[string]error{"PutItem": putErr, "UpdateItem": updateErr} {
				var ccf *types.ConditionalCheckFailedException
				if !errors.As(err, &ccf) {
					t.Fatalf("%s: %v, want a condition failure (the CRC-32 must match the new body)", op, err)
				}
				if v, ok := ccf.Item["version"].(*types.AttributeValueMemberN); !ok || v.Value != "3" {
					t.Errorf("%s: the failure's item is %v, want the stored one", op, ccf.Item)
				}
			}
			if gets.Load() != c.wantGets {
				t.Errorf("%d GetItem calls, want %d", gets.Load(), c.wantGets)
			}
		})
	}
}

// A write that does not ask for the item passes untouched: no read.
func TestOtherRequestsPassThrough(t *testing.T) {
	var gets atomic.Int32
	db := proxied(t, fakeDynalite(t, false, &gets))
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"),
		Item: map[string]types.AttributeValue{"customerId": &types.AttributeValueMemberS{Value: "c1"}}})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.Item != nil || gets.Load() != 0 {
		t.Errorf("PutItem without ALL_OLD: %v, item %v, %d reads; want the failure as it was, no read", err, ccf, gets.Load())
	}
	if _, err := localdynamo.ProxyHandler("not a url"); err == nil {
		t.Error("Handler of a bad endpoint: no error")
	}
}
