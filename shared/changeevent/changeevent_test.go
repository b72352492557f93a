package changeevent_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xcloud/customers/internal/eventschema"
	"github.com/xcloud/customers/shared/changeevent"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/store"
)

var t0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// image is a stored customer at version v, from a registration body and
// updates merged in order.
func image(t *testing.T, v int64, keys store.APIKeyHashes, body string, updates ...string) *store.Image {
	t.Helper()
	doc, err := customer.DecodeCreate([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range updates {
		upd, err := customer.DecodeUpdate([]byte(u), doc.Str(customer.CustomerID))
		if err != nil {
			t.Fatal(err)
		}
		doc, _ = customer.Merge(doc, upd)
	}
	return &store.Image{Customer: &customer.Customer{Fields: doc, Limits: customer.DefaultLimits, CreatedAt: t0,
		UpdatedAt: t0.Add(time.Duration(v) * time.Minute), Version: v}, Keys: keys}
}

const body = `{"customerId":"FST-1536316721808-Acme","customerName":"Acme","contactInfo":{"email":"a@example.com"},"status":"ACTIVE"}`

var keys1 = store.APIKeyHashes{Primary: "p1", Secondary: "s1"}

func TestDerive(t *testing.T) {
	schemas, err := eventschema.Load("../..")
	if err != nil {
		t.Fatal(err)
	}
	registered := image(t, 1, keys1, body)
	renamed := image(t, 2, keys1, body, `{"customerName":"Acme Two"}`)
	for _, c := range []struct {
		name    string
		change  changeevent.Change
		types   []string
		changes []string
		keys    []string
	}{
		{"registration", changeevent.Change{ID: "r1", After: registered}, []string{changeevent.Registered}, []string{}, nil},
		{"an update", changeevent.Change{ID: "r2", Before: registered, After: renamed}, []string{changeevent.Updated}, []string{"customerName"}, nil},
		{"a status change: both events", changeevent.Change{ID: "r3", Before: registered, After: image(t, 2, keys1, body, `{"status":"SUSPENDED","description":"late"}`)},
			[]string{changeevent.Updated, changeevent.StatusChanged}, []string{"description", "status"}, nil},
		{"a PUT that changed nothing", changeevent.Change{ID: "r4", Before: registered, After: image(t, 2, keys1, body, `{"customerName":"Acme"}`)}, nil, nil, nil},
		{"a key regeneration", changeevent.Change{ID: "r5", Before: registered, After: image(t, 1, store.APIKeyHashes{Primary: "p1", Secondary: "s2"}, body), At: t0},
			[]string{changeevent.KeyRegenerated}, nil, []string{"secondary"}},
		{"an idempotent replay: both keys", changeevent.Change{ID: "r6", Before: registered, After: image(t, 1, store.APIKeyHashes{Primary: "p2", Secondary: "s2"}, body), At: t0},
			[]string{changeevent.KeyRegenerated}, nil, []string{"primary", "secondary"}},
		{"the idempotency record alone", changeevent.Change{ID: "r7", Before: registered, After: image(t, 1, keys1, body)}, nil, nil, nil},
		{"a removal", changeevent.Change{ID: "r8", Before: registered}, nil, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			events := changeevent.Derive(c.change)
			var types []string
			for _, e := range events {
				types = append(types, e.DetailType)
				var d map[string]any
				if err := json.Unmarshal(e.Detail, &d); err != nil {
					t.Fatalf("detail %s: %v", e.Detail, err)
				}
				if err := schemas.Validate(eventschema.Envelope(changeevent.Source, e.DetailType, e.Detail)); err != nil {
					t.Errorf("%v: %s", err, e.Detail)
				}
				if d["eventId"] != e.ID || d["customerId"] != "FST-1536316721808-Acme" || e.CustomerID != "FST-1536316721808-Acme" {
					t.Errorf("detail %s, event id %s", e.Detail, e.ID)
				}
				for _, secret := range []string{"p1", "s1", "p2", "s2", "apiKey", "idempotency"} {
					if strings.Contains(string(e.Detail), `"`+secret+`"`) {
						t.Errorf("detail holds %q: %s", secret, e.Detail)
					}
				}
				if e.DetailType == changeevent.KeyRegenerated {
					if got := strs(d["keys"]); !slices.Equal(got, c.keys) || d["occurredAt"] != "2026-12-02T09:00:00Z" {
						t.Errorf("keys %v, want %v: %s", got, c.keys, e.Detail)
					}
					continue
				}
				if got := strs(d["changes"]); !slices.Equal(got, c.changes) {
					t.Errorf("changes %v, want %v", got, c.changes)
				}
				cust, _ := d["customer"].(map[string]any)
				if d["version"] != float64(c.change.After.Customer.Version) || cust["customerId"] != "FST-1536316721808-Acme" || cust["updatedAt"] != d["occurredAt"] {
					t.Errorf("detail %s", e.Detail)
				}
			}
			if !slices.Equal(types, c.types) {
				t.Errorf("detail types %v, want %v", types, c.types)
			}
		})
	}
}

// An event's id is the same on every redelivery of its record, and differs
// between records and between the events of one record.
func TestEventIDs(t *testing.T) {
	before := image(t, 1, keys1, body)
	after := image(t, 2, keys1, body, `{"status":"INACTIVE"}`)
	a := changeevent.Derive(changeevent.Change{ID: "rec-1", Before: before, After: after})
	again := changeevent.Derive(changeevent.Change{ID: "rec-1", Before: before, After: after})
	other := changeevent.Derive(changeevent.Change{ID: "rec-2", Before: before, After: after})
	if len(a) != 2 || a[0].ID != again[0].ID || a[1].ID != again[1].ID {
		t.Fatalf("redelivery: %v then %v", a, again)
	}
	if a[0].ID == a[1].ID || a[0].ID == other[0].ID {
		t.Errorf("ids not unique: %s %s %s", a[0].ID, a[1].ID, other[0].ID)
	}
}

func strs(v any) []string {
	l, _ := v.([]any)
	out := []string{}
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	if v == nil {
		return nil
	}
	return out
}
