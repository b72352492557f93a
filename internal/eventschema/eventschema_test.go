package eventschema_test

import (
	"strings"
	"testing"

	"github.com/xcloud/customers/internal/eventschema"
	"github.com/xcloud/customers/shared/changeevent"
)

const customer = `{"customerId":"FST-1536316721808-Acme","customerName":"Acme","contactInfo":{"email":"a@example.com"},"status":"SUSPENDED",` +
	`"limits":{"maxDevices":100,"maxUsers":50,"maxDataPoints":1000000},"createdAt":"2026-12-02T09:00:00Z","updatedAt":"2026-12-02T09:10:00Z"}`

func change(version, changes string) string {
	return `{"eventId":"0123456789abcdef0123456789abcdef","customerId":"FST-1536316721808-Acme","version":` + version +
		`,"occurredAt":"2026-12-02T09:10:00Z","changes":` + changes + `,"customer":` + customer + `}`
}

const keys = `{"eventId":"0123456789abcdef0123456789abcdef","customerId":"FST-1536316721808-Acme","occurredAt":"2026-12-02T09:10:00Z","keys":["secondary"]}`

// Every detail type the publisher derives has its schema.
func TestEveryDetailTypeHasASchema(t *testing.T) {
	for _, dt := range changeevent.DetailTypes {
		if eventschema.Files[dt] == "" {
			t.Errorf("no schema for %q", dt)
		}
	}
	if len(eventschema.Files) != len(changeevent.DetailTypes) {
		t.Errorf("%d schemas for %d detail types", len(eventschema.Files), len(changeevent.DetailTypes))
	}
}

func TestSchemas(t *testing.T) {
	schemas, err := eventschema.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, detailType, detail string
		valid                    bool
	}{
		{"registered", "Customer Registered", change("1", `[]`), true},
		{"registered with changes", "Customer Registered", change("1", `["status"]`), false},
		{"updated", "Customer Updated", change("2", `["status"]`), true},
		{"updated with nothing changed", "Customer Updated", change("2", `[]`), false},
		{"updated with an unknown field path", "Customer Updated", change("2", `["apiKeys"]`), false},
		{"status changed", "Customer Status Changed", change("3", `["description","status"]`), true},
		{"status changed without status", "Customer Status Changed", change("3", `["description"]`), false},
		{"a key hash in the customer", "Customer Updated", strings.Replace(change("2", `["status"]`), `"status":"SUSPENDED"`, `"status":"SUSPENDED","apiKeyHashes":{"primary":"x"}`, 1), false},
		{"an API key in the detail", "Customer Updated", strings.Replace(change("2", `["status"]`), `"version"`, `"apiKey":"xck_1","version"`, 1), false},
		{"a malformed event id", "Customer Updated", strings.Replace(change("2", `["status"]`), "0123456789abcdef0123456789abcdef", "x", 1), false},
		{"key regenerated", "Customer API Key Regenerated", keys, true},
		{"both keys", "Customer API Key Regenerated", strings.Replace(keys, `["secondary"]`, `["primary","secondary"]`, 1), true},
		{"a third key", "Customer API Key Regenerated", strings.Replace(keys, `["secondary"]`, `["tertiary"]`, 1), false},
		{"the key itself", "Customer API Key Regenerated", strings.Replace(keys, `"keys"`, `"key":"xck_1","keys"`, 1), false},
		{"an unknown detail type", "Customer Deleted", keys, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := schemas.Validate(eventschema.Envelope("xcloud.customers", c.detailType, []byte(c.detail)))
			if c.valid && err != nil {
				t.Errorf("valid event refused: %v", err)
			}
			if !c.valid && err == nil {
				t.Error("invalid event accepted")
			}
		})
	}
	if err := schemas.Validate(eventschema.Envelope("other.source", "Customer Registered", []byte(change("1", `[]`)))); err == nil {
		t.Error("another source accepted")
	}
}
