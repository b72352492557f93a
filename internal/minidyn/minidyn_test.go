package minidyn_test

import (
	"context"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/internal/localdynamo"
	"github.com/xcloud/customers/internal/minidyn"
)

// The embedded DynamoDB answers as DynamoDB does where minidyn alone does
// not: a top-level REMOVE removes, empty maps read back as maps, and every
// answer carries its CRC-32.
func TestAnswersAsDynamoDB(t *testing.T) {
	srv, err := minidyn.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	db, err := localdynamo.Client(ctx, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := localdynamo.CreateTable(ctx, db, "../../template.yaml", "t"); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"customerId": &types.AttributeValueMemberS{Value: "a"}}
	item := map[string]types.AttributeValue{
		"customerId": key["customerId"], "statusShard": &types.AttributeValueMemberS{Value: "ACTIVE#1"},
		"top": &types.AttributeValueMemberS{Value: "x"}, "empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"leaf": &types.AttributeValueMemberS{Value: "y"}, "inner": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		}},
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
		t.Fatal(err)
	}
	out, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("t"), Key: key, UpdateExpression: aws.String("SET #s = :v REMOVE #top, #nested.#leaf"),
		ExpressionAttributeNames:  map[string]string{"#s": "set", "#top": "top", "#nested": "nested", "#leaf": "leaf"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "v"}},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	for name, it := range map[string]map[string]types.AttributeValue{"UpdateItem's ALL_NEW": out.Attributes, "GetItem": got.Item} {
		if _, ok := it["top"]; ok {
			t.Errorf("%s: a removed top-level attribute is still there: %v", name, it)
		}
		if s, ok := it["set"].(*types.AttributeValueMemberS); !ok || s.Value != "v" {
			t.Errorf("%s: set %v", name, it["set"])
		}
		nested, ok := it["nested"].(*types.AttributeValueMemberM)
		if !ok || len(nested.Value) != 1 {
			t.Fatalf("%s: nested %#v, want the map with only its empty inner map", name, it["nested"])
		}
		if inner, ok := nested.Value["inner"].(*types.AttributeValueMemberM); !ok || len(inner.Value) != 0 {
			t.Errorf("%s: nested.inner %#v, want an empty map", name, nested.Value["inner"])
		}
		if empty, ok := it["empty"].(*types.AttributeValueMemberM); !ok || len(empty.Value) != 0 {
			t.Errorf("%s: empty %#v, want an empty map", name, it["empty"])
		}
	}

	// A refused condition, read raw: the CRC-32 is there and right.
	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"TableName":"t","Item":{"customerId":{"S":"a"}},"ConditionExpression":"attribute_not_exists(customerId)"}`))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.PutItem")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got, want := resp.Header.Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10); got != want || resp.StatusCode != 400 {
		t.Errorf("refused write: %d, X-Amz-Crc32 %q, want %q for %s", resp.StatusCode, got, want, body)
	}
	var ccf *types.ConditionalCheckFailedException
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: key,
		ConditionExpression: aws.String("attribute_not_exists(customerId)")}); !errors.As(err, &ccf) {
		t.Errorf("refused write through the SDK: %v", err)
	}
}
