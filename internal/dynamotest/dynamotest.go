// Package dynamotest gives tests a DynamoDB: the one at $DYNAMODB_ENDPOINT
// when set (dynalite, moto, DynamoDB Local), else an embedded minidyn
// server. Each call makes a fresh table, so tests never share data.
package dynamotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"

	"github.com/xcloud/customers/internal/localdynamo"
	"github.com/xcloud/customers/internal/minidyn"
	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/settings"
	"github.com/xcloud/customers/shared/store"
)

// DB is a DynamoDB with one fresh customers table.
type DB struct {
	Client   *dynamodb.Client
	Endpoint string
	Table    string
	Index    string
	// Embedded is the minidyn server, for fault injection; nil when the
	// tests run against $DYNAMODB_ENDPOINT.
	Embedded *server.Server
}

// New starts (or connects to) a DynamoDB and creates a fresh table, as
// template.yaml declares it.
func New(t testing.TB) *DB {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	template := filepath.Join(root, "template.yaml")
	table, err := samtemplate.Table(template, "")
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{Endpoint: os.Getenv(settings.EnvDynamoDBEndpoint), Index: *table.GlobalSecondaryIndexes[0].IndexName}
	if db.Endpoint == "" {
		db.Embedded = server.NewServer()
		srv := httptest.NewServer(minidyn.Handler(db.Embedded))
		t.Cleanup(srv.Close)
		db.Endpoint = srv.URL
	} else {
		// dynalite, moto or DynamoDB Local, through the proxy that answers
		// as DynamoDB where dynalite does not (a no-op for the others).
		h, err := localdynamo.ProxyHandler(db.Endpoint)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		db.Endpoint = srv.URL
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	db.Table = "test-customers-" + hex.EncodeToString(suffix)
	if db.Client, err = localdynamo.Client(context.Background(), db.Endpoint); err != nil {
		t.Fatal(err)
	}
	if err := localdynamo.CreateTable(context.Background(), db.Client, template, db.Table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(db.Table)})
	})
	return db
}

// Settings are the function settings that use this table.
func (db *DB) Settings() settings.Settings {
	return settings.Settings{DynamoDBEndpoint: db.Endpoint, Table: db.Table, StatusIndex: db.Index, Limits: customer.DefaultLimits}
}

// Store is a store on this table, adapted to local DynamoDBs as local runs
// adapt it.
func (db *DB) Store() *store.Store {
	return store.New(db.Client, db.Table, db.Index)
}

// Root is the repository: the folder of go.mod, from the test's folder up.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}

// Snapshot returns every item of the table, as DynamoDB JSON, for checking
// that a failed request changed nothing.
func (db *DB) Snapshot(t testing.TB) map[string]string {
	t.Helper()
	items := map[string]string{}
	var start map[string]types.AttributeValue
	for {
		out, err := db.Client.Scan(context.Background(), &dynamodb.ScanInput{
			TableName: aws.String(db.Table), ExclusiveStartKey: start, ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range out.Items {
			id := item["customerId"].(*types.AttributeValueMemberS).Value
			items[id] = render(item)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return items
		}
		start = out.LastEvaluatedKey
	}
}

// render prints an item deterministically (encoding/json sorts map keys).
func render(item map[string]types.AttributeValue) string {
	b, _ := json.Marshal(plain(&types.AttributeValueMemberM{Value: item}))
	return string(b)
}

func plain(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			m[k] = plain(e)
		}
		return m
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = plain(e)
		}
		return l
	case *types.AttributeValueMemberS:
		return "S:" + v.Value
	case *types.AttributeValueMemberN:
		return "N:" + v.Value
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	default:
		return fmt.Sprintf("%T", av)
	}
}
