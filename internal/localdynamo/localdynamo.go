// Package localdynamo prepares a DynamoDB other than AWS's (the embedded
// minidyn, dynalite, moto, DynamoDB Local) for local runs and tests: it
// creates the customers table as template.yaml declares it, and adapts the
// store's client where such a DynamoDB answers otherwise than DynamoDB.
package localdynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/awsclient"
	"github.com/xcloud/customers/shared/store"
)

// TableCreator is the part of the DynamoDB client CreateTable uses.
type TableCreator interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// tableWait bounds the wait for a new table to become ACTIVE.
const tableWait = 2 * time.Minute

// CreateTable creates the customers table of the SAM template at template,
// named name, unless it exists already, and waits until it is ACTIVE.
func CreateTable(ctx context.Context, db TableCreator, template, name string) error {
	in, err := samtemplate.Table(template, name)
	if err != nil {
		return err
	}
	_, err = db.CreateTable(ctx, in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	return waitActive(ctx, db, name)
}

// waitActive polls until the table is ACTIVE. minidyn reports no status at
// all, and its tables are ready at once: no status counts as ready.
func waitActive(ctx context.Context, db TableCreator, table string) error {
	ctx, cancel := context.WithTimeout(ctx, tableWait)
	defer cancel()
	for {
		out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		var notFound *types.ResourceNotFoundException
		switch {
		case err == nil && out.Table != nil && (out.Table.TableStatus == types.TableStatusActive || out.Table.TableStatus == ""):
			return nil
		case err != nil && !errors.As(err, &notFound):
			return fmt.Errorf("wait for table %s: %w", table, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for table %s to be ACTIVE: %w", table, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Compat adapts the store's client to local DynamoDBs: dynalite ignores
// ReturnValuesOnConditionCheckFailure, so a refused conditional write comes
// back without the item that refused it, which DynamoDB always returns and
// the store reads (to tell 409 from its own retried create, 412 from 404).
// Here the item is read and put in the error. On a DynamoDB that returns
// it, nothing is read.
func Compat(db store.DynamoDB) store.DynamoDB { return conditionItems{db} }

type conditionItems struct{ store.DynamoDB }

func (c conditionItems) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := c.DynamoDB.PutItem(ctx, in, optFns...)
	if in.ReturnValuesOnConditionCheckFailure == types.ReturnValuesOnConditionCheckFailureAllOld {
		err = c.withItem(ctx, err, in.TableName, map[string]types.AttributeValue{store.KeyAttribute: in.Item[store.KeyAttribute]})
	}
	return out, err
}

func (c conditionItems) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := c.DynamoDB.UpdateItem(ctx, in, optFns...)
	if in.ReturnValuesOnConditionCheckFailure == types.ReturnValuesOnConditionCheckFailureAllOld {
		err = c.withItem(ctx, err, in.TableName, in.Key)
	}
	return out, err
}

// withItem puts the stored item into a condition failure that lacks it.
func (c conditionItems) withItem(ctx context.Context, err error, table *string, key map[string]types.AttributeValue) error {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || len(ccf.Item) > 0 {
		return err
	}
	got, getErr := c.DynamoDB.GetItem(Adapting(ctx), &dynamodb.GetItemInput{TableName: table, Key: key, ConsistentRead: aws.Bool(true)})
	if getErr != nil {
		return errors.Join(err, getErr)
	}
	ccf.Item = got.Item
	return err
}

type adapting struct{}

// Adapting marks ctx as a call this package makes to stand in for what
// DynamoDB itself would do: no function makes it in AWS.
func Adapting(ctx context.Context) context.Context { return context.WithValue(ctx, adapting{}, true) }

// IsAdapting reports whether ctx is such a call's.
func IsAdapting(ctx context.Context) bool { return ctx.Value(adapting{}) != nil }

// Client is a DynamoDB client of the local DynamoDB at endpoint, built as
// the functions build theirs.
func Client(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	o := awsclient.Options{DynamoDBEndpoint: endpoint}
	cfg, err := awsclient.Config(ctx, o)
	if err != nil {
		return nil, err
	}
	return awsclient.DynamoDB(cfg, o), nil
}
