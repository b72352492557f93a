package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	miniserver "github.com/truora/minidyn/server"

	"github.com/xcloud/customers/internal/dynamotest"
	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/store"
)

var (
	ctx     = context.Background()
	created = time.Date(2024, 1, 1, 10, 30, 0, 0, time.UTC)
	later   = time.Date(2024, 1, 2, 16, 30, 0, 0, time.UTC)
	keys    = store.APIKeyHashes{Primary: "p-hash", Secondary: "s-hash"}
)

func newStore(t *testing.T) (*store.Store, *dynamotest.DB) {
	t.Helper()
	db := dynamotest.New(t)
	return db.Store(), db
}

// newCustomer decodes a POST body with the given id and status.
func newCustomer(t *testing.T, id, status, extra string) *customer.Customer {
	t.Helper()
	doc, err := customer.DecodeCreate([]byte(fmt.Sprintf(
		`{"customerId":%q,"customerName":"Name of %s","contactInfo":{"email":"a@example.com"},"status":%q%s}`,
		id, id, status, extra)))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &customer.Customer{Fields: doc, Limits: customer.DefaultLimits, CreatedAt: created, UpdatedAt: created, Version: 1}
}

func update(t *testing.T, id, body string) customer.Document {
	t.Helper()
	doc, err := customer.DecodeUpdate([]byte(body), id)
	if err != nil {
		t.Fatalf("decode update: %v", err)
	}
	return doc
}

func id(n int) string { return fmt.Sprintf("FST-1536316721808-C%04d", n) }

func TestCreateThenGet(t *testing.T) {
	s, _ := newStore(t)
	doc, err := customer.DecodeCreate([]byte(`{"customerId":"` + id(1) + `","customerName":"n","status":"ACTIVE",
		"description":"d","contactInfo":{"email":"a@example.com","phone":"+1-555-0123","address":{"city":"Springfield"}},
		"settings":{"dataRetentionDays":365,"reportingEnabled":false},
		"location":{"latitude":41.8781,"longitude":-87.6298},"businessInfo":{"timezone":"America/Chicago"}}`))
	if err != nil {
		t.Fatal(err)
	}
	c := &customer.Customer{Fields: doc, Limits: customer.DefaultLimits, CreatedAt: created, UpdatedAt: created, Version: 1}
	if err := create(s, c, keys); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, id(1))
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields != c.Fields {
		t.Errorf("fields differ:\n got %+v\nwant %+v", got.Fields, c.Fields)
	}
	if got.Version != 1 || !got.CreatedAt.Equal(created) || !got.UpdatedAt.Equal(created) || got.Limits != customer.DefaultLimits {
		t.Errorf("got version %d, created %v, updated %v, limits %+v", got.Version, got.CreatedAt, got.UpdatedAt, got.Limits)
	}
}

func TestCreateExistingIsRefusedAndChangesNothing(t *testing.T) {
	s, db := newStore(t)
	if err := create(s, newCustomer(t, id(1), "ACTIVE", ""), keys); err != nil {
		t.Fatal(err)
	}
	before := db.Snapshot(t)
	otherKeys := store.APIKeyHashes{Primary: "other-p", Secondary: "other-s"}
	err := create(s, newCustomer(t, id(1), "SUSPENDED", `,"description":"other"`), otherKeys)
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("second create: got %v, want ErrExists", err)
	}
	if after := db.Snapshot(t); !maps.Equal(before, after) {
		t.Errorf("table changed:\nbefore %v\nafter  %v", before, after)
	}
}

// An SDK retry of a create that was applied (its answer lost) meets its own
// item: that is the same request succeeding, not a conflict.
func TestCreateRetriedAfterALostAnswerSucceeds(t *testing.T) {
	s, db := newStore(t)
	c := newCustomer(t, id(1), "ACTIVE", "")
	if err := create(s, c, keys); err != nil {
		t.Fatal(err)
	}
	before := db.Snapshot(t)
	if err := create(s, c, keys); err != nil {
		t.Fatalf("the same create again: %v, want success", err)
	}
	if after := db.Snapshot(t); !maps.Equal(before, after) {
		t.Errorf("table changed:\nbefore %v\nafter  %v", before, after)
	}
}

func TestGetMissing(t *testing.T) {
	s, _ := newStore(t)
	if _, err := s.Get(ctx, id(9)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestUpdateMergesLeaves(t *testing.T) {
	s, _ := newStore(t)
	if err := create(s, newCustomer(t, id(1), "ACTIVE", `,"description":"old","settings":{"dataRetentionDays":365}`), keys); err != nil {
		t.Fatal(err)
	}
	res, err := s.Update(ctx, id(1), update(t, id(1), `{"customerName":"New","description":null,
		"contactInfo":{"address":{"city":"Springfield"}},"settings":{"dataRetentionDays":365,"alertFrequency":"hourly"},"status":"SUSPENDED"}`), nil, later)
	if err != nil {
		t.Fatal(err)
	}
	wantChanges := []string{"customerName", "description", "contactInfo.address.city", "settings.alertFrequency", "status"}
	if !slices.Equal(res.Changes, wantChanges) {
		t.Errorf("changes %q, want %q", res.Changes, wantChanges)
	}
	got, err := s.Get(ctx, id(1))
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields != res.Customer.Fields {
		t.Errorf("stored fields differ from returned:\n got %+v\nwant %+v", got.Fields, res.Customer.Fields)
	}
	checks := map[customer.Index]customer.Entry{
		customer.CustomerName:      {State: customer.Set, Value: customer.String("New")},
		customer.Description:       {},
		customer.Email:             {State: customer.Set, Value: customer.String("a@example.com")},
		customer.City:              {State: customer.Set, Value: customer.String("Springfield")},
		customer.DataRetentionDays: {State: customer.Set, Value: customer.Integer(365)},
		customer.AlertFrequency:    {State: customer.Set, Value: customer.String("hourly")},
		customer.Status:            {State: customer.Set, Value: customer.String("SUSPENDED")},
	}
	for i, want := range checks {
		if got.Fields[i] != want {
			t.Errorf("%s = %+v, want %+v", customer.Fields[i].Path, got.Fields[i], want)
		}
	}
	if got.Version != 2 || !got.UpdatedAt.Equal(later) || !got.CreatedAt.Equal(created) {
		t.Errorf("version %d updated %v created %v", got.Version, got.UpdatedAt, got.CreatedAt)
	}
	// The status index follows the status.
	page, err := s.List(ctx, "SUSPENDED", 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ids := listAll(t, s, "SUSPENDED", 100); !slices.Equal(ids, []string{id(1)}) {
		t.Errorf("SUSPENDED lists %v (first page %d)", ids, len(page.Customers))
	}
	if ids := listAll(t, s, "ACTIVE", 100); len(ids) != 0 {
		t.Errorf("ACTIVE still lists %v", ids)
	}
}

func TestUpdateWithNoChange(t *testing.T) {
	s, _ := newStore(t)
	if err := create(s, newCustomer(t, id(1), "ACTIVE", ""), keys); err != nil {
		t.Fatal(err)
	}
	res, err := s.Update(ctx, id(1), update(t, id(1), `{"status":"ACTIVE","description":null}`), nil, later)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changes == nil || len(res.Changes) != 0 {
		t.Errorf("changes %#v, want an empty list", res.Changes)
	}
}

func TestUpdateMissingCreatesNothing(t *testing.T) {
	s, db := newStore(t)
	_, err := s.Update(ctx, id(1), update(t, id(1), `{"customerName":"x"}`), nil, later)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
	if items := db.Snapshot(t); len(items) != 0 {
		t.Errorf("update of a missing customer wrote %v", items)
	}
}

func TestUpdateIfMatch(t *testing.T) {
	s, db := newStore(t)
	if err := create(s, newCustomer(t, id(1), "ACTIVE", ""), keys); err != nil {
		t.Fatal(err)
	}
	doc := update(t, id(1), `{"customerName":"x"}`)
	for _, tc := range []struct {
		name    string
		id      string
		ifMatch []int64
		want    error
	}{
		{"stale version", id(1), []int64{7}, store.ErrPreconditionFailed},
		{"no acceptable version", id(1), []int64{}, store.ErrPreconditionFailed},
		{"missing customer", id(2), []int64{1}, store.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := db.Snapshot(t)
			_, err := s.Update(ctx, tc.id, doc, tc.ifMatch, later)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if after := db.Snapshot(t); !maps.Equal(before, after) {
				t.Errorf("table changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
	res, err := s.Update(ctx, id(1), doc, []int64{3, 1}, later)
	if err != nil {
		t.Fatalf("matching If-Match: %v", err)
	}
	if res.Customer.Version != 2 {
		t.Errorf("version %d, want 2", res.Customer.Version)
	}
}

// listAll pages through a listing and returns the ids in the order seen.
func listAll(t *testing.T, s *store.Store, status string, limit int) []string {
	t.Helper()
	var ids []string
	var cursor *store.Cursor
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("listing does not end")
		}
		page, err := s.List(ctx, status, limit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Customers) > limit {
			t.Fatalf("page of %d customers, limit %d", len(page.Customers), limit)
		}
		for _, c := range page.Customers {
			if status != "" && c.Fields.Str(customer.Status) != status {
				t.Errorf("%s has status %s in a %s listing", c.ID(), c.Fields.Str(customer.Status), status)
			}
			ids = append(ids, c.ID())
		}
		if page.Next == nil {
			return ids
		}
		cursor = page.Next
	}
}

func TestListVisitsEveryCustomerOnce(t *testing.T) {
	s, _ := newStore(t)
	want := map[string][]string{}
	for n := range 37 {
		status := customer.Statuses[n%3]
		if err := create(s, newCustomer(t, id(n), status, ""), keys); err != nil {
			t.Fatal(err)
		}
		want[status] = append(want[status], id(n))
		want[""] = append(want[""], id(n))
	}
	for _, status := range []string{"", "ACTIVE", "INACTIVE", "SUSPENDED"} {
		for _, limit := range []int{1, 5, 13, 100} {
			t.Run(fmt.Sprintf("status=%s,limit=%d", status, limit), func(t *testing.T) {
				got := listAll(t, s, status, limit)
				slices.Sort(got)
				if !slices.Equal(got, want[status]) {
					t.Errorf("listed %d customers %v,\nwant %d %v", len(got), got, len(want[status]), want[status])
				}
			})
		}
	}
}

func TestMissing(t *testing.T) {
	s, _ := newStore(t)
	for _, n := range []int{1, 3} {
		if err := create(s, newCustomer(t, id(n), "ACTIVE", ""), keys); err != nil {
			t.Fatal(err)
		}
	}
	missing, err := s.Missing(ctx, []string{id(1), id(2), id(3), id(4)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missing, []string{id(2), id(4)}) {
		t.Errorf("missing %v", missing)
	}
	var ids []string
	for n := range store.MaxExistsIDs {
		ids = append(ids, id(1000+n))
	}
	if missing, err := s.Missing(ctx, ids); err != nil || len(missing) != store.MaxExistsIDs {
		t.Errorf("100 missing ids: got %d missing, err %v", len(missing), err)
	}
	if _, err := s.Missing(ctx, append(ids, id(1))); err == nil {
		t.Error("101 ids: no error")
	}
}

func embedded(t *testing.T, db *dynamotest.DB) *miniserver.Server {
	t.Helper()
	if db.Embedded == nil {
		t.Skip("fault injection needs the embedded DynamoDB")
	}
	return db.Embedded
}

func TestMissingRetriesUnprocessedKeys(t *testing.T) {
	s, db := newStore(t)
	srv := embedded(t, db)
	if err := create(s, newCustomer(t, id(1), "ACTIVE", ""), keys); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	// The first batch leaves every key unprocessed; the retry gets them.
	srv.EmulateUnprocessedItems(db.Table, func(n int, _ map[string]*miniserver.AttributeValue) bool {
		return calls.Add(1) <= 2
	})
	t.Cleanup(srv.ClearUnprocessedItems)
	missing, err := s.Missing(ctx, []string{id(1), id(2)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(missing, []string{id(2)}) {
		t.Errorf("missing %v, want [%s]", missing, id(2))
	}
	if calls.Load() < 3 {
		t.Errorf("predicate saw %d keys: the unprocessed keys were not retried", calls.Load())
	}

	srv.EmulateUnprocessedItems(db.Table, func(int, map[string]*miniserver.AttributeValue) bool { return true })
	if _, err := s.Missing(ctx, []string{id(1)}); !errors.Is(err, apierror.ErrUnavailable) {
		t.Errorf("keys never processed: got %v, want ErrUnavailable", err)
	}
}

func TestFailuresAreUnavailableAndWriteNothing(t *testing.T) {
	s, db := newStore(t)
	srv := embedded(t, db)
	if err := create(s, newCustomer(t, id(1), "ACTIVE", ""), keys); err != nil {
		t.Fatal(err)
	}
	before := db.Snapshot(t)
	srv.EmulateFailure(miniserver.FailureConditionInternalServerError)
	ops := map[string]func() error{
		"create": func() error { return create(s, newCustomer(t, id(2), "ACTIVE", ""), keys) },
		"update": func() error {
			_, err := s.Update(ctx, id(1), update(t, id(1), `{"customerName":"x"}`), nil, later)
			return err
		},
		"get":     func() error { _, err := s.Get(ctx, id(1)); return err },
		"list":    func() error { _, err := s.List(ctx, "", 10, nil); return err },
		"query":   func() error { _, err := s.List(ctx, "ACTIVE", 10, nil); return err },
		"missing": func() error { _, err := s.Missing(ctx, []string{id(1)}); return err },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, apierror.ErrUnavailable) {
			t.Errorf("%s: got %v, want ErrUnavailable", name, err)
		}
	}
	srv.EmulateFailure(miniserver.FailureConditionNone)
	if after := db.Snapshot(t); !maps.Equal(before, after) {
		t.Errorf("table changed:\nbefore %v\nafter  %v", before, after)
	}
}

func TestConcurrentUpdatesOfDifferentLeavesAllSurvive(t *testing.T) {
	s, _ := newStore(t)
	if err := create(s, newCustomer(t, id(1), "ACTIVE", ""), keys); err != nil {
		t.Fatal(err)
	}
	bodies := []string{
		`{"description":"d"}`,
		`{"contactInfo":{"phone":"+1 555 0100"}}`,
		`{"contactInfo":{"address":{"street":"1 Main St"}}}`,
		`{"contactInfo":{"address":{"city":"Springfield"}}}`,
		`{"contactInfo":{"address":{"postalCode":"62701"}}}`,
		`{"businessInfo":{"industry":"Water"}}`,
		`{"businessInfo":{"timezone":"America/Chicago"}}`,
		`{"settings":{"dataRetentionDays":30}}`,
		`{"settings":{"alertFrequency":"daily"}}`,
		`{"settings":{"reportingEnabled":true}}`,
		`{"location":{"latitude":1.5}}`,
		`{"location":{"longitude":-2.5}}`,
	}
	var wg sync.WaitGroup
	for _, b := range bodies {
		wg.Go(func() {
			if _, err := s.Update(ctx, id(1), update(t, id(1), b), nil, later); err != nil {
				t.Errorf("update %s: %v", b, err)
			}
		})
	}
	wg.Wait()
	got, err := s.Get(ctx, id(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []customer.Index{customer.Description, customer.Phone, customer.Street, customer.City, customer.PostalCode,
		customer.Industry, customer.Timezone, customer.DataRetentionDays, customer.AlertFrequency, customer.ReportingEnabled,
		customer.Latitude, customer.Longitude} {
		if got.Fields[i].State != customer.Set {
			t.Errorf("%s lost", customer.Fields[i].Path)
		}
	}
	if got.Version != int64(1+len(bodies)) {
		t.Errorf("version %d, want %d", got.Version, 1+len(bodies))
	}
}

// create registers c without an Idempotency-Key.
func create(s *store.Store, c *customer.Customer, k store.APIKeyHashes) error {
	_, err := s.Create(ctx, c, k, nil, created)
	return err
}

// idem is a registration's Idempotency-Key as the store remembers it.
func idem(service, key, body string) *store.Idempotency {
	return &store.Idempotency{Service: service, KeyHash: "key-" + key, BodyHash: "body-" + body, Expires: created.Add(24 * time.Hour)}
}

// Every row of the contract's idempotency table, at the store.
func TestCreateWithIdempotencyKey(t *testing.T) {
	newKeys := store.APIKeyHashes{Primary: "p2", Secondary: "s2"}
	for _, c := range []struct {
		name    string
		prepare func(t *testing.T, s *store.Store)
		again   *store.Idempotency
		at      time.Time
		want    error // nil: a replay
	}{
		{"same service, key and body", nil, idem("svc", "k", "b"), created.Add(time.Hour), nil},
		{"another body", nil, idem("svc", "k", "other"), created.Add(time.Hour), store.ErrIdempotencyKeyReused},
		{"changed since", func(t *testing.T, s *store.Store) {
			var d customer.Document
			d.Set(customer.Description, customer.String("changed"))
			if _, err := s.Update(ctx, id(1), d, nil, later); err != nil {
				t.Fatal(err)
			}
		}, idem("svc", "k", "b"), created.Add(time.Hour), store.ErrExists},
		{"another service", nil, idem("other-svc", "k", "b"), created.Add(time.Hour), store.ErrExists},
		{"another key", nil, idem("svc", "k2", "b"), created.Add(time.Hour), store.ErrExists},
		{"no key", nil, nil, created.Add(time.Hour), store.ErrExists},
		{"after 24 hours", nil, idem("svc", "k", "b"), created.Add(24 * time.Hour), store.ErrExists},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, db := newStore(t)
			first, err := s.Create(ctx, newCustomer(t, id(1), "ACTIVE", ""), keys, idem("svc", "k", "b"), created)
			if err != nil || first.Replayed {
				t.Fatalf("first registration: %+v, %v", first, err)
			}
			if c.prepare != nil {
				c.prepare(t, s)
			}
			before := db.Snapshot(t)
			got, err := s.Create(ctx, newCustomer(t, id(1), "ACTIVE", ""), newKeys, c.again, c.at)
			if !errors.Is(err, c.want) {
				t.Fatalf("again: %+v, %v; want error %v", got, err, c.want)
			}
			after := db.Snapshot(t)
			if c.want != nil {
				if !maps.Equal(before, after) {
					t.Errorf("a refused registration changed the table:\nbefore %v\nafter  %v", before, after)
				}
				return
			}
			if !got.Replayed || got.Customer.Version != 1 || !got.Customer.CreatedAt.Equal(created) {
				t.Errorf("replay: %+v %+v", got, got.Customer)
			}
			if !strings.Contains(after[id(1)], `"primary":"S:p2"`) || !strings.Contains(after[id(1)], `"secondary":"S:s2"`) || !strings.Contains(after[id(1)], `"version":"N:1"`) {
				t.Errorf("after the replay the item is %s: want the new keys and version 1", after[id(1)])
			}
		})
	}
}

// Replays at once each issue their keys; afterwards exactly one replay's
// pair of keys is stored, never a mix.
func TestConcurrentReplays(t *testing.T) {
	s, db := newStore(t)
	if _, err := s.Create(ctx, newCustomer(t, id(1), "ACTIVE", ""), keys, idem("svc", "k", "b"), created); err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Go(func() {
			k := store.APIKeyHashes{Primary: fmt.Sprintf("p%d", i), Secondary: fmt.Sprintf("s%d", i)}
			_, results[i] = s.Create(ctx, newCustomer(t, id(1), "ACTIVE", ""), k, idem("svc", "k", "b"), created.Add(time.Minute))
		})
	}
	wg.Wait()
	item := db.Snapshot(t)[id(1)]
	stored := -1
	for i, err := range results {
		if err != nil && !errors.Is(err, store.ErrExists) {
			t.Errorf("replay %d: %v", i, err)
		}
		if strings.Contains(item, fmt.Sprintf(`"primary":"S:p%d"`, i)) {
			stored = i
		}
	}
	if stored < 0 || results[stored] != nil || !strings.Contains(item, fmt.Sprintf(`"secondary":"S:s%d"`, stored)) {
		t.Errorf("stored item %s after replays %v: want the pair of one successful replay", item, results)
	}
}

// A replay racing an update: either the replay came first (both succeed)
// or the update did (the replay is refused); the update always applies.
func TestReplayRacingAnUpdate(t *testing.T) {
	for round := range 5 {
		s, db := newStore(t)
		if _, err := s.Create(ctx, newCustomer(t, id(1), "ACTIVE", ""), keys, idem("svc", "k", "b"), created); err != nil {
			t.Fatal(err)
		}
		var replayErr, updateErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			_, replayErr = s.Create(ctx, newCustomer(t, id(1), "ACTIVE", ""), store.APIKeyHashes{Primary: "p2", Secondary: "s2"},
				idem("svc", "k", "b"), created.Add(time.Minute))
		})
		wg.Go(func() {
			var d customer.Document
			d.Set(customer.Description, customer.String("raced"))
			_, updateErr = s.Update(ctx, id(1), d, nil, later)
		})
		wg.Wait()
		item := db.Snapshot(t)[id(1)]
		if updateErr != nil || !strings.Contains(item, `"description":"S:raced"`) || !strings.Contains(item, `"version":"N:2"`) {
			t.Fatalf("round %d: update %v, item %s", round, updateErr, item)
		}
		replayed := strings.Contains(item, `"primary":"S:p2"`)
		switch {
		case replayErr == nil && !replayed:
			t.Errorf("round %d: the replay succeeded but its keys are not stored: %s", round, item)
		case replayErr != nil && (!errors.Is(replayErr, store.ErrExists) || replayed):
			t.Errorf("round %d: replay %v, item %s", round, replayErr, item)
		}
	}
}

// Regenerating a key replaces that one hash and nothing else, with no
// change of version; a missing customer is ErrNotFound and nothing is
// created.
func TestRegenerateKey(t *testing.T) {
	s, db := newStore(t)
	if err := create(s, newCustomer(t, id(1), "ACTIVE", ""), keys); err != nil {
		t.Fatal(err)
	}
	before := db.Snapshot(t)[id(1)]
	if err := s.RegenerateKey(ctx, id(1), store.Secondary, "s-new"); err != nil {
		t.Fatal(err)
	}
	after := db.Snapshot(t)[id(1)]
	if want := strings.Replace(before, `"secondary":"S:s-hash"`, `"secondary":"S:s-new"`, 1); after != want {
		t.Errorf("after regenerating the secondary key:\n%s\nwant\n%s", after, want)
	}
	whole := db.Snapshot(t)
	if err := s.RegenerateKey(ctx, id(2), store.Primary, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing customer: %v", err)
	}
	if got := db.Snapshot(t); !maps.Equal(got, whole) {
		t.Errorf("regenerating a missing customer's key wrote %v", got)
	}
}
