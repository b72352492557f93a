package store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/requestlog"
)

// measured asks DynamoDB for the capacity each call consumes and records
// it, with the call's time, in the request's log line.
type measured struct{ db DynamoDB }

var _ DynamoDB = measured{}

func record(ctx context.Context, start time.Time, ccs ...*types.ConsumedCapacity) {
	total := 0.0
	for _, cc := range ccs {
		if cc != nil && cc.CapacityUnits != nil {
			total += *cc.CapacityUnits
		}
	}
	requestlog.DynamoDB(ctx, time.Since(start), total)
}

// measure records a call that started at start, with the capacity its
// output reports, and passes its result on.
func measure[O any](ctx context.Context, start time.Time, out *O, err error, capacity func(*O) []*types.ConsumedCapacity) (*O, error) {
	if out != nil {
		record(ctx, start, capacity(out)...)
	} else {
		record(ctx, start)
	}
	return out, err
}

func all(ccs []types.ConsumedCapacity) []*types.ConsumedCapacity {
	out := make([]*types.ConsumedCapacity, len(ccs))
	for i := range ccs {
		out[i] = &ccs[i]
	}
	return out
}

func (m measured) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	start := time.Now()
	out, err := m.db.PutItem(ctx, in, optFns...)
	return measure(ctx, start, out, err, func(o *dynamodb.PutItemOutput) []*types.ConsumedCapacity {
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	})
}

func (m measured) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	start := time.Now()
	out, err := m.db.UpdateItem(ctx, in, optFns...)
	return measure(ctx, start, out, err, func(o *dynamodb.UpdateItemOutput) []*types.ConsumedCapacity {
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	})
}

func (m measured) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	start := time.Now()
	out, err := m.db.GetItem(ctx, in, optFns...)
	return measure(ctx, start, out, err, func(o *dynamodb.GetItemOutput) []*types.ConsumedCapacity {
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	})
}

func (m measured) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	start := time.Now()
	out, err := m.db.Query(ctx, in, optFns...)
	return measure(ctx, start, out, err, func(o *dynamodb.QueryOutput) []*types.ConsumedCapacity {
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	})
}

func (m measured) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	start := time.Now()
	out, err := m.db.Scan(ctx, in, optFns...)
	return measure(ctx, start, out, err, func(o *dynamodb.ScanOutput) []*types.ConsumedCapacity {
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	})
}

func (m measured) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	start := time.Now()
	out, err := m.db.BatchGetItem(ctx, in, optFns...)
	return measure(ctx, start, out, err, func(o *dynamodb.BatchGetItemOutput) []*types.ConsumedCapacity { return all(o.ConsumedCapacity) })
}
