// Package requestlog gathers, during one request, what its log line reports
// beyond HTTP: the customers it touched and the DynamoDB time, calls and
// capacity it cost. The HTTP layer starts it; handlers and the store add to it.
package requestlog

import (
	"context"
	"sync"
	"time"
)

// Info is what one request did.
type Info struct {
	mu               sync.Mutex
	customerIDs      []string
	dynamoDBCalls    int
	dynamoDBTime     time.Duration
	consumedCapacity float64
}

type key struct{}

// Start returns a context that carries a fresh Info.
func Start(ctx context.Context) (context.Context, *Info) {
	info := &Info{}
	return context.WithValue(ctx, key{}, info), info
}

// from returns the request's Info, or nil outside a request.
func from(ctx context.Context) *Info {
	info, _ := ctx.Value(key{}).(*Info)
	return info
}

// Customers records the ids a request is about.
func Customers(ctx context.Context, ids ...string) {
	if info := from(ctx); info != nil {
		info.mu.Lock()
		info.customerIDs = append(info.customerIDs, ids...)
		info.mu.Unlock()
	}
}

// DynamoDB records one DynamoDB call: how long it took and the capacity
// units it consumed.
func DynamoDB(ctx context.Context, took time.Duration, capacity float64) {
	if info := from(ctx); info != nil {
		info.mu.Lock()
		info.dynamoDBCalls++
		info.dynamoDBTime += took
		info.consumedCapacity += capacity
		info.mu.Unlock()
	}
}

// Snapshot is a copy of an Info's figures.
type Snapshot struct {
	CustomerIDs      []string
	DynamoDBCalls    int
	DynamoDBTime     time.Duration
	ConsumedCapacity float64
}

// Snapshot copies the figures.
func (i *Info) Snapshot() Snapshot {
	i.mu.Lock()
	defer i.mu.Unlock()
	return Snapshot{CustomerIDs: append([]string(nil), i.customerIDs...), DynamoDBCalls: i.dynamoDBCalls,
		DynamoDBTime: i.dynamoDBTime, ConsumedCapacity: i.consumedCapacity}
}
