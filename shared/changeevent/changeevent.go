// Package changeevent turns writes to stored customers, as the table's
// stream records them, into the change events of docs/API.md ("Change
// events"), and publishes them to the stack's EventBridge bus (publish.go).
// The request path never calls it: events cost no API answer anything.
package changeevent

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/store"
)

// Source is every event's source.
const Source = "xcloud.customers"

// The detail types.
const (
	Registered     = "Customer Registered"
	Updated        = "Customer Updated"
	StatusChanged  = "Customer Status Changed" // with Updated, when status changed
	KeyRegenerated = "Customer API Key Regenerated"
)

// DetailTypes lists them, in the order one write's events are published.
var DetailTypes = []string{Registered, Updated, StatusChanged, KeyRegenerated}

// Change is one write to a customer, as a stream record holds it.
type Change struct {
	// ID identifies the write: the stream record's event id, unique per
	// record and the same on every redelivery of it.
	ID            string
	Before, After *store.Image // nil when there was none, or is none
	At            time.Time    // when the write happened
}

// Event is one event, ready to publish.
type Event struct {
	ID         string // the detail's eventId
	DetailType string
	CustomerID string
	Detail     []byte // JSON
}

// customerDetail is the detail of the events about the customer document.
type customerDetail struct {
	EventID    string          `json:"eventId"`
	CustomerID string          `json:"customerId"`
	Version    int64           `json:"version"`
	OccurredAt string          `json:"occurredAt"`
	Changes    []string        `json:"changes"`
	Customer   json.RawMessage `json:"customer"` // as GET shows it: never a key or its hash
}

// keysDetail is the detail of a key event: the names of the keys replaced,
// never a key or its hash.
type keysDetail struct {
	EventID    string   `json:"eventId"`
	CustomerID string   `json:"customerId"`
	OccurredAt string   `json:"occurredAt"`
	Keys       []string `json:"keys"`
}

// Derive returns the events of one write, in publishing order: none for a
// removal or for a write that changed nothing a consumer sees (a PUT whose
// changes are [], the idempotency record alone).
func Derive(c Change) []Event {
	if c.After == nil {
		return nil
	}
	after := c.After.Customer
	var events []Event
	add := func(detailType string, detail func(eventID string) any) {
		id := eventID(c.ID, detailType)
		b, _ := json.Marshal(detail(id)) // plain strings, numbers and raw JSON: cannot fail
		events = append(events, Event{ID: id, DetailType: detailType, CustomerID: after.ID(), Detail: b})
	}
	document := func(changes []string) func(string) any {
		return func(id string) any {
			return customerDetail{EventID: id, CustomerID: after.ID(), Version: after.Version,
				OccurredAt: customer.Timestamp(after.UpdatedAt), Changes: changes, Customer: after.AppendJSON(nil)}
		}
	}
	if c.Before == nil {
		add(Registered, document([]string{}))
		return events
	}
	if after.Version != c.Before.Customer.Version {
		if changes := customer.Changes(c.Before.Customer.Fields, after.Fields); len(changes) > 0 {
			add(Updated, document(changes))
			if slices.Contains(changes, customer.Fields[customer.Status].Path) {
				add(StatusChanged, document(changes))
			}
		}
	}
	var keys []string
	if c.Before.Keys.Primary != c.After.Keys.Primary {
		keys = append(keys, string(store.Primary))
	}
	if c.Before.Keys.Secondary != c.After.Keys.Secondary {
		keys = append(keys, string(store.Secondary))
	}
	if len(keys) > 0 {
		add(KeyRegenerated, func(id string) any {
			return keysDetail{EventID: id, CustomerID: after.ID(), OccurredAt: customer.Timestamp(c.At), Keys: keys}
		})
	}
	return events
}

// eventID is unique per write and detail type, and the same on every
// redelivery of the write, so that consumers can drop repeats.
func eventID(changeID, detailType string) string {
	sum := sha256.Sum256([]byte(changeID + "\n" + detailType))
	return hex.EncodeToString(sum[:16])
}
