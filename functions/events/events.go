// Package events is the change-event publisher: fed by the customers
// table's stream, it publishes every change to a customer to the stack's
// EventBridge bus (shared/changeevent), off the request path.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/xcloud/customers/shared/changeevent"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/store"
)

// Function is the change-event publisher's Lambda function.
var Function = function.Function{
	ID:    "EventsFunction",
	Needs: function.Needs{Events: true},
	Stream: func(d function.Deps) function.StreamHandler {
		return (&handler{pub: NewPublisher(d), log: d.Log}).handle
	},
}

// NewPublisher is the publisher on d's bus and dead-letter queue. Its
// EventBridge and SQS clients are built here, on d.AWS, rather than with
// the other functions' clients, so that no other function links them
// (their packages cost every cold start their initialisation).
func NewPublisher(d function.Deps) *changeevent.Publisher {
	return changeevent.NewPublisher(eventbridge.NewFromConfig(d.AWS), d.EventBus, sqs.NewFromConfig(d.AWS), d.EventsQueue, d.Log)
}

// Publisher publishes a batch's events.
type Publisher interface {
	Publish(ctx context.Context, records []changeevent.Record) (changeevent.Outcome, error)
}

var _ Publisher = (*changeevent.Publisher)(nil)

type handler struct {
	pub Publisher
	log *slog.Logger
}

// handle publishes the events of a batch of stream records and names the
// record Lambda must deliver again from, if any: a partial batch failure,
// so that neither one bad record nor a busy bus replays the whole batch.
func (h *handler) handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	start := time.Now()
	records := make([]changeevent.Record, len(ev.Records))
	for i, r := range ev.Records {
		records[i] = Read(r)
	}
	out, err := h.pub.Publish(ctx, records)
	resp := events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	level := slog.LevelInfo
	attrs := []slog.Attr{
		slog.Int("records", len(records)),
		slog.Int("published", out.Published),
		slog.Int("putEventsCalls", out.Calls),
		slog.Int("failedEntries", out.FailedEntries),
		slog.Int("deadLettered", out.DeadLettered),
		slog.Float64("latencyMs", float64(time.Since(start).Microseconds())/1000),
	}
	if out.FailedFrom != "" {
		resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: out.FailedFrom}}
		level = slog.LevelError
		attrs = append(attrs, slog.String("failedFrom", out.FailedFrom))
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
	}
	attrs = append(attrs, metrics(start, len(records), out)...)
	h.log.LogAttrs(ctx, level, "batch", attrs...)
	return resp, nil
}

// Read turns one stream record into its events, or says why it cannot.
func Read(r events.DynamoDBEventRecord) changeevent.Record {
	rec := changeevent.Record{Seq: r.Change.SequenceNumber, ID: r.EventID}
	if id, ok := r.Change.Keys[store.KeyAttribute]; ok && id.DataType() == events.DataTypeString {
		rec.CustomerID = id.String()
	}
	fail := func(err error) changeevent.Record {
		rec.Unreadable = err
		return rec
	}
	if rec.Seq == "" || rec.ID == "" {
		return fail(fmt.Errorf("no sequence number or event id"))
	}
	change := changeevent.Change{ID: r.EventID, At: r.Change.ApproximateCreationDateTime.Time}
	for _, img := range []struct {
		from map[string]events.DynamoDBAttributeValue
		to   **store.Image
		name string
	}{{r.Change.OldImage, &change.Before, "old"}, {r.Change.NewImage, &change.After, "new"}} {
		if len(img.from) == 0 {
			continue
		}
		item, err := attributes(img.from)
		if err != nil {
			return fail(fmt.Errorf("%s image: %w", img.name, err))
		}
		if *img.to, err = store.DecodeImage(item); err != nil {
			return fail(fmt.Errorf("%s image: %w", img.name, err))
		}
	}
	switch {
	case r.EventName == "INSERT" && (change.After == nil || change.Before != nil),
		r.EventName == "MODIFY" && (change.After == nil || change.Before == nil):
		return fail(fmt.Errorf("%s record without its images (the stream must carry new and old images)", r.EventName))
	case r.EventName != "INSERT" && r.EventName != "MODIFY" && r.EventName != "REMOVE":
		return fail(fmt.Errorf("event name %q", r.EventName))
	}
	if change.After != nil && change.After.Customer.ID() != rec.CustomerID {
		return fail(fmt.Errorf("the new image is of customer %q, the record's key %q", change.After.Customer.ID(), rec.CustomerID))
	}
	rec.Events = changeevent.Derive(change)
	return rec
}

// attributes converts a stream image to the SDK's attribute values, which
// the store reads.
func attributes(m map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		av, err := attribute(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func attribute(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeMap:
		m, err := attributes(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case events.DataTypeList:
		l := make([]types.AttributeValue, len(v.List()))
		for i, e := range v.List() {
			av, err := attribute(e)
			if err != nil {
				return nil, err
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %d", v.DataType())
}

// emf declares the metrics of every batch line, without dimensions: the
// function is the only publisher. A constant, like httpapi's.
var emf = json.RawMessage(`[{"Dimensions":[[]],"Metrics":[{"Name":"StreamRecords","Unit":"Count"},{"Name":"EventsPublished","Unit":"Count"},{"Name":"PublishFailures","Unit":"Count"},{"Name":"DeadLetters","Unit":"Count"},{"Name":"BatchLatency","Unit":"Milliseconds"}],"Namespace":"XCloud/Customers"}]`)

// metrics are a batch's metrics, in Embedded Metric Format.
func metrics(start time.Time, records int, out changeevent.Outcome) []slog.Attr {
	return []slog.Attr{
		slog.Group("_aws", slog.Int64("Timestamp", start.UnixMilli()), slog.Any("CloudWatchMetrics", emf)),
		slog.Int("StreamRecords", records),
		slog.Int("EventsPublished", out.Published),
		slog.Int("PublishFailures", b2i(out.FailedFrom != "")),
		slog.Int("DeadLetters", out.DeadLettered),
		slog.Float64("BatchLatency", float64(time.Since(start).Microseconds())/1000),
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
