package bench

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Meter is SDK middleware that counts the DynamoDB calls a function makes,
// by operation, and adds up the capacity DynamoDB reports for them. It sits
// in the Initialize step, so a call the SDK retries counts once.
type Meter struct {
	mu       sync.Mutex
	calls    map[string]int
	capacity float64
}

// NewMeter returns a Meter with nothing counted.
func NewMeter() *Meter { return &Meter{calls: map[string]int{}} }

// AddTo puts the meter on a client's stack: config.Config.APIOptions takes it.
func (m *Meter) AddTo(s *middleware.Stack) error {
	return s.Initialize.Add(middleware.InitializeMiddlewareFunc("bench.Meter", m.handle), middleware.Before)
}

func (m *Meter) handle(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleInitialize(ctx, in)
	units := 0.0
	for _, cc := range consumed(out.Result) {
		if cc != nil && cc.CapacityUnits != nil {
			units += *cc.CapacityUnits
		}
	}
	m.mu.Lock()
	m.calls[awsmiddleware.GetOperationName(ctx)]++
	m.capacity += units
	m.mu.Unlock()
	return out, md, err
}

// consumed is the capacity an operation's output reports.
func consumed(result any) []*types.ConsumedCapacity {
	switch o := result.(type) {
	case *dynamodb.PutItemOutput:
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	case *dynamodb.UpdateItemOutput:
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	case *dynamodb.GetItemOutput:
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	case *dynamodb.QueryOutput:
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	case *dynamodb.ScanOutput:
		return []*types.ConsumedCapacity{o.ConsumedCapacity}
	case *dynamodb.BatchGetItemOutput:
		out := make([]*types.ConsumedCapacity, len(o.ConsumedCapacity))
		for i := range o.ConsumedCapacity {
			out[i] = &o.ConsumedCapacity[i]
		}
		return out
	}
	return nil
}

// Take returns the calls by operation and the capacity units counted since
// the last Take, and starts again from nothing.
func (m *Meter) Take() (calls map[string]int, capacity float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	calls, capacity = m.calls, m.capacity
	m.calls, m.capacity = map[string]int{}, 0
	return calls, capacity
}
