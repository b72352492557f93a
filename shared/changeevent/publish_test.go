package changeevent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/xcloud/customers/internal/localbus"
	"github.com/xcloud/customers/shared/awsclient"
	"github.com/xcloud/customers/shared/changeevent"
)

// publisher publishes to bus through the SDK's own clients.
func publisher(t *testing.T, bus *localbus.Bus) *changeevent.Publisher {
	t.Helper()
	t.Cleanup(bus.Close)
	o := awsclient.Options{DynamoDBEndpoint: bus.URL} // a local endpoint: stand-in credentials
	cfg, err := awsclient.Config(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	eb := eventbridge.NewFromConfig(cfg, func(o *eventbridge.Options) { o.BaseEndpoint = aws.String(bus.URL) })
	q := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(bus.URL) })
	return changeevent.NewPublisher(eb, "bus", q, bus.QueueURL(), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// records are n stream records, one event each, of the customers named.
func records(customers ...string) []changeevent.Record {
	var rs []changeevent.Record
	for i, c := range customers {
		id := fmt.Sprintf("rec-%02d", i)
		rs = append(rs, changeevent.Record{Seq: fmt.Sprintf("%04d", i), ID: id, CustomerID: c, Events: []changeevent.Event{{
			ID: id, DetailType: changeevent.Updated, CustomerID: c,
			Detail: []byte(fmt.Sprintf(`{"eventId":%q,"customerId":%q}`, id, c)),
		}}})
	}
	return rs
}

func distinct(n int) []string {
	var cs []string
	for i := range n {
		cs = append(cs, fmt.Sprintf("c%02d", i))
	}
	return cs
}

func published(bus *localbus.Bus) []string {
	var ids []string
	for _, e := range bus.Entries() {
		var d struct{ EventID string }
		json.Unmarshal(e.Detail, &d)
		ids = append(ids, d.EventID)
	}
	return ids
}

func TestPublishesInBatchesOfTen(t *testing.T) {
	bus := localbus.Start()
	out, err := publisher(t, bus).Publish(context.Background(), records(distinct(25)...))
	if err != nil || out.FailedFrom != "" || out.Published != 25 || out.Calls != 3 || bus.Calls() != 3 {
		t.Fatalf("outcome %+v, %v; bus calls %d; want 25 published in 3 calls", out, err, bus.Calls())
	}
	if got := published(bus); got[0] != "rec-00" || got[24] != "rec-24" {
		t.Errorf("order %v", got)
	}
	if e := bus.Entries()[0]; e.Source != changeevent.Source || e.EventBusName != "bus" || e.DetailType != changeevent.Updated {
		t.Errorf("entry %+v", e)
	}
}

// A customer's events never share a call, so that a failure cannot publish
// a later version before an earlier one.
func TestOneRecordPerCustomerPerCall(t *testing.T) {
	bus := localbus.Start()
	out, err := publisher(t, bus).Publish(context.Background(), records("a", "b", "a", "c", "a"))
	if err != nil || out.Published != 5 || out.Calls != 3 {
		t.Fatalf("outcome %+v, %v; want 5 in 3 calls (a,b | a,c | a)", out, err)
	}
}

func TestThrottledEntriesAreRetried(t *testing.T) {
	bus := localbus.Start()
	bus.Refuse = func(call int, e localbus.Entry) string {
		if call == 1 && strings.Contains(string(e.Detail), "rec-03") {
			return "ThrottlingException"
		}
		return ""
	}
	out, err := publisher(t, bus).Publish(context.Background(), records(distinct(5)...))
	if err != nil || out.FailedFrom != "" || out.Published != 5 || out.FailedEntries != 1 || out.Calls != 2 {
		t.Fatalf("outcome %+v, %v", out, err)
	}
}

// An entry throttled until the retries run out gives the batch back from
// its record; the other customers' events of the call are published, and
// nothing after the call is sent.
func TestAnEntryThatKeepsFailingStopsTheBatchAtItsRecord(t *testing.T) {
	bus := localbus.Start()
	bus.Refuse = func(_ int, e localbus.Entry) string {
		if strings.Contains(string(e.Detail), "rec-03") {
			return "ThrottlingException"
		}
		return ""
	}
	out, err := publisher(t, bus).Publish(context.Background(), records(distinct(15)...))
	if err == nil || out.FailedFrom != "0003" || out.DeadLettered != 0 {
		t.Fatalf("outcome %+v, %v; want the batch given back from 0003", out, err)
	}
	if got := published(bus); len(got) != 9 || strings.Contains(strings.Join(got, ","), "rec-03") || strings.Contains(strings.Join(got, ","), "rec-10") {
		t.Errorf("published %v; want the first call's 9 others, nothing of the second", got)
	}
}

// An entry the bus refuses for what it is goes to the dead-letter queue;
// the rest of the batch is published.
func TestARefusedEntryIsDeadLettered(t *testing.T) {
	bus := localbus.Start()
	bus.Refuse = func(_ int, e localbus.Entry) string {
		if strings.Contains(string(e.Detail), "rec-01") {
			return "MalformedDetail"
		}
		return ""
	}
	out, err := publisher(t, bus).Publish(context.Background(), records(distinct(4)...))
	if err != nil || out.FailedFrom != "" || out.Published != 3 || out.DeadLettered != 1 || out.Calls != 1 {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	msgs := bus.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0], `"eventId":"rec-01"`) || !strings.Contains(msgs[0], "MalformedDetail") {
		t.Errorf("dead letters %v", msgs)
	}
}

func TestUnreadableRecordsAreDeadLettered(t *testing.T) {
	bus := localbus.Start()
	rs := records(distinct(3)...)
	rs[1] = changeevent.Record{Seq: "0001", ID: "rec-01", CustomerID: "c01", Unreadable: fmt.Errorf("new image: no version")}
	out, err := publisher(t, bus).Publish(context.Background(), rs)
	if err != nil || out.Published != 2 || out.DeadLettered != 1 {
		t.Fatalf("outcome %+v, %v", out, err)
	}
	if msgs := bus.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0], `"sequenceNumber":"0001"`) || !strings.Contains(msgs[0], "no version") {
		t.Errorf("dead letters %v", msgs)
	}
	// With the queue down too, nothing is dropped: the batch comes back
	// from the unreadable record.
	bus2 := localbus.Start()
	bus2.QueueDown = true
	out, err = publisher(t, bus2).Publish(context.Background(), rs)
	if err == nil || out.FailedFrom != "0001" || out.Published != 1 {
		t.Errorf("queue down: outcome %+v, %v; want the batch back from 0001", out, err)
	}
}

func TestBusDown(t *testing.T) {
	bus := localbus.Start()
	bus.Down = func(int) bool { return true }
	out, err := publisher(t, bus).Publish(context.Background(), records(distinct(3)...))
	if err == nil || out.FailedFrom != "0000" || out.Published != 0 || len(bus.Messages()) != 0 {
		t.Fatalf("outcome %+v, %v; want the whole batch back, nothing dead-lettered", out, err)
	}
	// Down for the first calls only: the retries publish everything.
	bus2 := localbus.Start()
	bus2.Down = func(call int) bool { return call <= 2 }
	out, err = publisher(t, bus2).Publish(context.Background(), records(distinct(3)...))
	if err != nil || out.Published != 3 {
		t.Fatalf("down twice: outcome %+v, %v", out, err)
	}
}
