// Package localdynamo prepares a DynamoDB other than AWS's (the embedded
// minidyn, dynalite, moto, DynamoDB Local) for local runs and tests: it
// creates the customers table as template.yaml declares it, and where such a
// DynamoDB answers otherwise than AWS's, adapts it on the wire
// (ConditionItems; internal/minidyn for the embedded one).
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

// Client is a DynamoDB client of the local DynamoDB at endpoint, built as
// the functions build theirs.
func Client(ctx context.Context, endpoint string) (*dynamodb.Client, error) {
	o := awsclient.Options{DynamoDBEndpoint: endpoint}
	cfg, err := awsclient.Config(ctx, o)
	if err != nil {
		return nil, err
	}
	return awsclient.DynamoDB(cfg, endpoint), nil
}
