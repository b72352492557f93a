package store_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/store"
)

// The items below are as the store wrote them before it used the SDK's
// attributevalue and expression packages: a deployed table holds such items,
// so the store must keep writing the same ones and reading them back.

const fullBody = `{"customerId":"FST-1536316721808-C0001","customerName":" Dewatering Solutions Inc ","status":"ACTIVE",
	"description":"Municipal water management services","contactInfo":{"email":"a@example.com","phone":"+1-555-0123",
	"address":{"street":"123 Industrial Drive","city":"Springfield","state":"IL","country":"USA","postalCode":"62701"}},
	"businessInfo":{"industry":"Water Management","sector":"Municipal Services","timezone":"America/Chicago"},
	"settings":{"dataRetentionDays":365,"alertFrequency":"immediate","reportingEnabled":true},
	"location":{"latitude":39.7817,"longitude":-89.6501}}`

// Written by Create, every field set, with an Idempotency-Key.
const fullItem = `{"apiKeyHashes":{"primary":"S:p-hash","secondary":"S:s-hash"},"businessInfo":{"industry":"S:Water Management","sector":"S:Municipal Services","timezone":"S:America/Chicago"},"contactInfo":{"address":{"city":"S:Springfield","country":"S:USA","postalCode":"S:62701","state":"S:IL","street":"S:123 Industrial Drive"},"email":"S:a@example.com","phone":"S:+1-555-0123"},"createdAt":"S:2024-01-01T10:30:00Z","customerId":"S:FST-1536316721808-C0001","customerName":"S:Dewatering Solutions Inc","description":"S:Municipal water management services","idempotency":{"body":"S:body-b","expires":"N:1704191400","key":"S:key-k","service":"S:svc"},"limits":{"maxDataPoints":"N:1000000","maxDevices":"N:100","maxUsers":"N:50"},"location":{"latitude":"N:39.7817","longitude":"N:-89.6501"},"settings":{"alertFrequency":"S:immediate","dataRetentionDays":"N:365","reportingEnabled":true},"status":"S:ACTIVE","statusShard":"S:ACTIVE#7","updatedAt":"S:2024-01-01T10:30:00Z","version":"N:1"}`

// Written by Create, only the required fields: every object present, even empty.
const minimalItem = `{"apiKeyHashes":{"primary":"S:p-hash","secondary":"S:s-hash"},"businessInfo":{},"contactInfo":{"address":{},"email":"S:a@example.com"},"createdAt":"S:2024-01-01T10:30:00Z","customerId":"S:FST-1536316721808-C0002","customerName":"S:Name of FST-1536316721808-C0002","limits":{"maxDataPoints":"N:1000000","maxDevices":"N:100","maxUsers":"N:50"},"location":{},"settings":{},"status":"S:INACTIVE","statusShard":"S:INACTIVE#2","updatedAt":"S:2024-01-01T10:30:00Z","version":"N:1"}`

const fullUpdate = `{"customerName":"New","description":null,"contactInfo":{"address":{"city":"Chicago"}},
	"settings":{"reportingEnabled":false,"dataRetentionDays":30},"location":{"latitude":1e-200,"longitude":-0.5},"status":"SUSPENDED"}`

// fullItem after Update with fullUpdate: a field removed, the status shard
// moved, a number too small for DynamoDB stored as 0.
const updatedItem = `{"apiKeyHashes":{"primary":"S:p-hash","secondary":"S:s-hash"},"businessInfo":{"industry":"S:Water Management","sector":"S:Municipal Services","timezone":"S:America/Chicago"},"contactInfo":{"address":{"city":"S:Chicago","country":"S:USA","postalCode":"S:62701","state":"S:IL","street":"S:123 Industrial Drive"},"email":"S:a@example.com","phone":"S:+1-555-0123"},"createdAt":"S:2024-01-01T10:30:00Z","customerId":"S:FST-1536316721808-C0001","customerName":"S:New","idempotency":{"body":"S:body-b","expires":"N:1704191400","key":"S:key-k","service":"S:svc"},"limits":{"maxDataPoints":"N:1000000","maxDevices":"N:100","maxUsers":"N:50"},"location":{"latitude":"N:0","longitude":"N:-0.5"},"settings":{"alertFrequency":"S:immediate","dataRetentionDays":"N:30","reportingEnabled":false},"status":"S:SUSPENDED","statusShard":"S:SUSPENDED#7","updatedAt":"S:2024-01-02T16:30:00Z","version":"N:2"}`

func TestStoredItemFormat(t *testing.T) {
	s, db := newStore(t)
	doc, err := customer.DecodeCreate([]byte(fullBody))
	if err != nil {
		t.Fatal(err)
	}
	c := &customer.Customer{Fields: doc, Limits: customer.DefaultLimits, CreatedAt: created, UpdatedAt: created, Version: 1}
	if _, err := s.Create(ctx, c, keys, idem("svc", "k", "b"), created); err != nil {
		t.Fatal(err)
	}
	if err := create(s, newCustomer(t, id(2), "INACTIVE", ""), keys); err != nil {
		t.Fatal(err)
	}
	items := db.Snapshot(t)
	if items[id(1)] != fullItem {
		t.Errorf("created:\n%s\nwant\n%s", items[id(1)], fullItem)
	}
	if items[id(2)] != minimalItem {
		t.Errorf("created with the required fields:\n%s\nwant\n%s", items[id(2)], minimalItem)
	}
	if _, err := s.Update(ctx, id(1), update(t, id(1), fullUpdate), []int64{1}, later); err != nil {
		t.Fatal(err)
	}
	if got := db.Snapshot(t)[id(1)]; got != updatedItem {
		t.Errorf("updated:\n%s\nwant\n%s", got, updatedItem)
	}
}

func av(v any) types.AttributeValue {
	switch v := v.(type) {
	case string:
		return &types.AttributeValueMemberS{Value: v}
	case bool:
		return &types.AttributeValueMemberBOOL{Value: v}
	case nil:
		return &types.AttributeValueMemberNULL{Value: true}
	case map[string]types.AttributeValue:
		return &types.AttributeValueMemberM{Value: v}
	}
	panic(v)
}

func n(s string) types.AttributeValue { return &types.AttributeValueMemberN{Value: s} }

type m = map[string]types.AttributeValue

// oldItem is an item as earlier versions stored it, with a field they
// cleared by storing NULL (description) and an Idempotency-Key.
func oldItem() m {
	return m{
		"customerId": av("FST-1536316721808-C0001"), "customerName": av("Dewatering Solutions Inc"), "description": av(nil),
		"contactInfo":  av(m{"email": av("a@example.com"), "phone": av("+1-555-0123"), "address": av(m{"city": av("Springfield")})}),
		"businessInfo": av(m{}), "settings": av(m{"dataRetentionDays": n("365"), "reportingEnabled": av(false)}),
		"location": av(m{"latitude": n("39.7817"), "longitude": n("-89.6501")}),
		"status":   av("ACTIVE"), "statusShard": av("ACTIVE#7"),
		"limits":       av(m{"maxDevices": n("100"), "maxUsers": n("50"), "maxDataPoints": n("1000000")}),
		"apiKeyHashes": av(m{"primary": av("p-hash"), "secondary": av("s-hash")}),
		"idempotency":  av(m{"service": av("svc"), "key": av("key-k"), "body": av("body-b"), "expires": n("1704191400")}),
		"createdAt":    av("2024-01-01T10:30:00Z"), "updatedAt": av("2024-01-02T16:30:00Z"), "version": n("3"),
	}
}

func oldCustomer() *customer.Customer {
	c := &customer.Customer{Limits: customer.DefaultLimits, CreatedAt: created, UpdatedAt: later, Version: 3}
	c.Fields.Set(customer.CustomerID, customer.String("FST-1536316721808-C0001"))
	c.Fields.Set(customer.CustomerName, customer.String("Dewatering Solutions Inc"))
	c.Fields.Set(customer.Email, customer.String("a@example.com"))
	c.Fields.Set(customer.Phone, customer.String("+1-555-0123"))
	c.Fields.Set(customer.City, customer.String("Springfield"))
	c.Fields.Set(customer.DataRetentionDays, customer.Integer(365))
	c.Fields.Set(customer.ReportingEnabled, customer.Boolean(false))
	c.Fields.Set(customer.Latitude, customer.Number(39.7817))
	c.Fields.Set(customer.Longitude, customer.Number(-89.6501))
	c.Fields.Set(customer.Status, customer.String("ACTIVE"))
	return c
}

func sameCustomer(t *testing.T, got, want *customer.Customer) {
	t.Helper()
	if got.Fields != want.Fields {
		t.Errorf("fields:\n got %+v\nwant %+v", got.Fields, want.Fields)
	}
	if got.Limits != want.Limits || !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) || got.Version != want.Version {
		t.Errorf("got limits %+v created %v updated %v version %d, want %+v %v %v %d", got.Limits, got.CreatedAt, got.UpdatedAt, got.Version,
			want.Limits, want.CreatedAt, want.UpdatedAt, want.Version)
	}
}

func TestOldItemsDecode(t *testing.T) {
	img, err := store.DecodeImage(oldItem())
	if err != nil {
		t.Fatal(err)
	}
	sameCustomer(t, img.Customer, oldCustomer())
	if img.Keys != keys {
		t.Errorf("keys %+v, want %+v", img.Keys, keys)
	}

	// Through a table: read, updated, and replayed with its Idempotency-Key.
	s, db := newStore(t)
	if _, err := db.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(db.Table), Item: oldItem()}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, id(1))
	if err != nil {
		t.Fatal(err)
	}
	sameCustomer(t, got, oldCustomer())
	res, err := s.Update(ctx, id(1), update(t, id(1), `{"description":"d"}`), []int64{3}, later.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := oldCustomer()
	want.Fields.Set(customer.Description, customer.String("d"))
	want.Version, want.UpdatedAt = 4, later.Add(time.Hour)
	sameCustomer(t, res.Customer, want)
	if len(res.Changes) != 1 || res.Changes[0] != "description" {
		t.Errorf("changes %q, want [description]", res.Changes)
	}
}

// A registration replayed with the Idempotency-Key an old item remembers.
func TestOldItemReplays(t *testing.T) {
	s, db := newStore(t)
	item := oldItem()
	item["version"] = n("1")
	if _, err := db.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(db.Table), Item: item}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Create(ctx, newCustomer(t, id(1), "ACTIVE", ""), store.APIKeyHashes{Primary: "p2", Secondary: "s2"},
		idem("svc", "k", "b"), created.Add(time.Hour))
	if err != nil || !res.Replayed {
		t.Fatalf("replay: %+v, %v", res, err)
	}
	want := oldCustomer()
	want.Version = 1
	sameCustomer(t, res.Customer, want)
}
