// Package localbus stands in for EventBridge and SQS where there are none:
// `make invoke` of the change-event publisher, and tests that break the bus
// on purpose. It answers PutEvents and SendMessage as the services do,
// keeps what they were sent, and fails what it is told to.
package localbus

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Entry is one PutEvents entry the bus took.
type Entry struct {
	EventBusName, Source, DetailType string
	Detail                           json.RawMessage
}

// Bus is a running stand-in.
type Bus struct {
	*httptest.Server
	mu       sync.Mutex
	entries  []Entry
	messages []string
	calls    int
	// Refuse, when set, says how the bus answers an entry: "" takes it,
	// an error code ("ThrottlingException") refuses it. Down, when set,
	// fails whole calls with a 500; QueueDown fails SendMessage.
	Refuse    func(call int, e Entry) string
	Down      func(call int) bool
	QueueDown bool
	// Forget, when set, counts entries without keeping them (a benchmark's
	// millions).
	Forget bool
	taken  int
}

// Start serves a bus on a free loopback port.
func Start() *Bus {
	b := &Bus{}
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	return b
}

func (b *Bus) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	target := r.Header.Get("X-Amz-Target")
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case target == "AWSEvents.PutEvents":
		b.calls++
		if b.Down != nil && b.Down(b.calls) {
			fail(w, http.StatusInternalServerError, "InternalException", "the bus is down")
			return
		}
		var in struct {
			Entries []struct{ EventBusName, Source, DetailType, Detail string }
		}
		if err := json.Unmarshal(body, &in); err != nil || len(in.Entries) == 0 || len(in.Entries) > 10 {
			fail(w, http.StatusBadRequest, "ValidationException", "1 to 10 entries")
			return
		}
		var out struct {
			FailedEntryCount int
			Entries          []map[string]string
		}
		for i, sent := range in.Entries {
			e := Entry{EventBusName: sent.EventBusName, Source: sent.Source, DetailType: sent.DetailType, Detail: json.RawMessage(sent.Detail)}
			if code := b.refuse(e); code != "" {
				out.FailedEntryCount++
				out.Entries = append(out.Entries, map[string]string{"ErrorCode": code, "ErrorMessage": "refused"})
				continue
			}
			b.taken++
			if !b.Forget {
				b.entries = append(b.entries, e)
			}
			out.Entries = append(out.Entries, map[string]string{"EventId": fmt.Sprintf("local-%d-%d", b.calls, i)})
		}
		answer(w, out)
	case target == "AmazonSQS.SendMessage":
		if b.QueueDown {
			fail(w, http.StatusInternalServerError, "InternalError", "the queue is down")
			return
		}
		var in struct{ QueueUrl, MessageBody string }
		json.Unmarshal(body, &in)
		b.messages = append(b.messages, in.MessageBody)
		sum := md5.Sum([]byte(in.MessageBody))
		answer(w, map[string]string{"MessageId": fmt.Sprintf("m-%d", len(b.messages)), "MD5OfMessageBody": hex.EncodeToString(sum[:])})
	default:
		fail(w, http.StatusBadRequest, "UnknownOperationException", "not "+target)
	}
}

func (b *Bus) refuse(e Entry) string {
	if b.Refuse == nil {
		return ""
	}
	return b.Refuse(b.calls, e)
}

func answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
}

// Entries are the entries the bus took, in order.
func (b *Bus) Entries() []Entry {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Entry(nil), b.entries...)
}

// Messages are the bodies the queue was sent, in order.
func (b *Bus) Messages() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.messages...)
}

// Taken is how many entries the bus took.
func (b *Bus) Taken() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.taken
}

// Calls is how many PutEvents calls the bus answered.
func (b *Bus) Calls() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls
}

// Env points the SDK's EventBridge and SQS clients at the bus.
func (b *Bus) Env() []string {
	return []string{"AWS_ENDPOINT_URL_EVENTBRIDGE=" + b.URL, "AWS_ENDPOINT_URL_SQS=" + b.URL}
}

// QueueURL is a queue URL on the bus.
func (b *Bus) QueueURL() string { return b.URL + "/000000000000/events-dead-letters" }
