package changeevent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Bus is the part of the EventBridge client the publisher uses.
type Bus interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Queue is the part of the SQS client the publisher uses.
type Queue interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// MaxEntries is the most entries one PutEvents takes.
const MaxEntries = 10

// Record is one stream record's share of a batch: its events, or the reason
// it could not be read.
type Record struct {
	Seq        string // the record's sequence number: what a partial batch failure names
	ID         string // the record's event id
	CustomerID string // "" when unreadable
	Events     []Event
	Unreadable error // the record cannot be turned into events, ever
}

// Outcome is what publishing a batch did.
type Outcome struct {
	// FailedFrom is the sequence number of the first record not handled,
	// "" when all were: Lambda delivers the batch again from there.
	FailedFrom    string
	Published     int // events the bus took
	Calls         int // PutEvents calls
	DeadLettered  int // events and records sent to the dead-letter queue
	FailedEntries int // entries the bus refused, retries included
}

// Publisher publishes events to one bus and sends to one queue what it
// cannot publish.
type Publisher struct {
	bus      Bus
	busName  string
	queue    Queue
	queueURL string
	log      *slog.Logger
	// attempts is how many times an entry is offered to the bus before its
	// record is given back to Lambda (or, if the bus refused the entry
	// itself, dead-lettered); backoff is the wait before attempt n+1.
	attempts int
	backoff  func(n int) time.Duration
}

// NewPublisher returns a publisher to the bus named busName, dead letters
// going to the queue at queueURL.
func NewPublisher(bus Bus, busName string, queue Queue, queueURL string, log *slog.Logger) *Publisher {
	return &Publisher{bus: bus, busName: busName, queue: queue, queueURL: queueURL, log: log,
		attempts: 4, backoff: func(n int) time.Duration { return 100 * time.Millisecond << (n - 1) }}
}

// retryable are the entry error codes worth offering again: the bus was
// busy or failed, not the entry.
var retryable = map[string]bool{"ThrottlingException": true, "InternalFailure": true, "InternalException": true, "ServiceUnavailable": true,
	"NoAnswer": true} // an entry the answer left out

// Publish publishes the records' events in order. A PutEvents call takes at
// most one record of each customer (and at most MaxEntries entries), so
// that a customer's events are published in version order whatever fails.
// An unreadable record, or an entry the bus refuses as such, goes to the
// dead-letter queue and the rest goes on; entries the bus keeps failing
// stop the batch at their record (Outcome.FailedFrom). An error is returned
// only with FailedFrom set.
func (p *Publisher) Publish(ctx context.Context, records []Record) (Outcome, error) {
	var out Outcome
	for i := 0; i < len(records); {
		if r := records[i]; r.Unreadable != nil {
			if err := p.deadLetter(ctx, deadRecord(r)); err != nil {
				out.FailedFrom = r.Seq
				return out, err
			}
			out.DeadLettered++
			i++
			continue
		}
		// The next call: whole records, one per customer, in order.
		type entry struct {
			record int
			event  Event
		}
		var chunk []entry
		customers := map[string]bool{}
		j := i
		for ; j < len(records); j++ {
			r := records[j]
			if r.Unreadable != nil || customers[r.CustomerID] || (len(chunk) > 0 && len(chunk)+len(r.Events) > MaxEntries) {
				break
			}
			customers[r.CustomerID] = true
			for _, e := range r.Events {
				chunk = append(chunk, entry{j, e})
			}
		}
		events := make([]Event, len(chunk))
		for k, e := range chunk {
			events[k] = e.event
		}
		failed, err := p.put(ctx, events, &out)
		for k := range chunk {
			switch code, bad := failed[k]; {
			case !bad:
				out.Published++
			case retryable[code] || code == callFailed:
				out.FailedFrom = records[chunk[k].record].Seq
				if err == nil {
					err = fmt.Errorf("publish event %s of customer %s: %s", chunk[k].event.ID, chunk[k].event.CustomerID, code)
				}
				return out, err
			default:
				if dlErr := p.deadLetter(ctx, deadEvent(chunk[k].event, code)); dlErr != nil {
					out.FailedFrom = records[chunk[k].record].Seq
					return out, dlErr
				}
				out.DeadLettered++
			}
		}
		i = j
	}
	return out, nil
}

// put offers events to the bus, the failed ones again with backoff, and
// returns the ones still failing by position, with their error codes (all
// of them, and an error, when the calls themselves failed).
func (p *Publisher) put(ctx context.Context, events []Event, out *Outcome) (map[int]string, error) {
	pending := make([]int, len(events))
	for k := range pending {
		pending[k] = k
	}
	failed := map[int]string{}
	var callErr error
	for attempt := 1; attempt <= p.attempts && len(pending) > 0; attempt++ {
		if attempt > 1 {
			select {
			case <-ctx.Done():
				for _, n := range pending {
					failed[n] = callFailed
				}
				return failed, fmt.Errorf("publish events: %w", ctx.Err())
			case <-time.After(p.backoff(attempt - 1)):
			}
		}
		entries := make([]ebtypes.PutEventsRequestEntry, len(pending))
		for k, n := range pending {
			e := events[n]
			entries[k] = ebtypes.PutEventsRequestEntry{EventBusName: aws.String(p.busName), Source: aws.String(Source),
				DetailType: aws.String(e.DetailType), Detail: aws.String(string(e.Detail))}
		}
		out.Calls++
		res, err := p.bus.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			callErr = fmt.Errorf("publish %d events: %w", len(entries), err)
			p.log.WarnContext(ctx, "PutEvents failed", "attempt", attempt, "entries", len(entries), "error", err.Error())
			continue
		}
		callErr = nil
		for _, n := range pending {
			delete(failed, n)
		}
		var still []int
		for k, r := range res.Entries {
			if k >= len(pending) || r.ErrorCode == nil {
				continue
			}
			n := pending[k]
			out.FailedEntries++
			failed[n] = *r.ErrorCode
			if retryable[*r.ErrorCode] {
				still = append(still, n)
			}
		}
		if len(res.Entries) != len(entries) {
			// The bus must answer every entry; take the silent ones as failed.
			for _, n := range pending[min(len(res.Entries), len(pending)):] {
				failed[n] = "NoAnswer"
				still = append(still, n)
			}
		}
		if len(still) > 0 {
			p.log.WarnContext(ctx, "PutEvents refused entries", "attempt", attempt, "failed", len(failed), "retrying", len(still))
		}
		pending = still
	}
	if callErr != nil {
		for _, n := range pending {
			failed[n] = callFailed
		}
	}
	return failed, callErr
}

// callFailed marks the entries of calls that failed as a whole.
const callFailed = "CallFailed"

// deadLetter is a dead-letter queue message: what could not be published
// and why. It never holds a key, a key hash, an idempotency key or an
// image of the item: only events, which hold none, and record ids.
type deadLetter struct {
	Reason     string          `json:"reason"`
	EventID    string          `json:"eventId,omitempty"`
	DetailType string          `json:"detailType,omitempty"`
	CustomerID string          `json:"customerId,omitempty"`
	Detail     json.RawMessage `json:"detail,omitempty"`
	RecordID   string          `json:"recordId,omitempty"`
	Sequence   string          `json:"sequenceNumber,omitempty"`
}

func deadEvent(e Event, code string) deadLetter {
	return deadLetter{Reason: "the bus refused the event: " + code, EventID: e.ID, DetailType: e.DetailType, CustomerID: e.CustomerID, Detail: e.Detail}
}

func deadRecord(r Record) deadLetter {
	return deadLetter{Reason: "unreadable stream record: " + r.Unreadable.Error(), RecordID: r.ID, Sequence: r.Seq, CustomerID: r.CustomerID}
}

func (p *Publisher) deadLetter(ctx context.Context, m deadLetter) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("dead letter: %w", err)
	}
	if _, err := p.queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.queueURL), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("send dead letter (%s): %w", m.Reason, err)
	}
	p.log.ErrorContext(ctx, "dead-lettered", "reason", m.Reason, "eventId", m.EventID, "customerId", m.CustomerID, "sequenceNumber", m.Sequence)
	return nil
}
