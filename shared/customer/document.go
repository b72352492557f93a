package customer

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Value is one leaf's value; which member counts depends on Kind.
type Value struct {
	Kind Kind
	Str  string
	Int  int64
	Num  float64
	Bool bool
}

// String, Integer, Number and Boolean make Values.
func String(s string) Value  { return Value{Kind: KindString, Str: s} }
func Integer(i int64) Value  { return Value{Kind: KindInteger, Int: i} }
func Number(f float64) Value { return Value{Kind: KindNumber, Num: f} }
func Boolean(b bool) Value   { return Value{Kind: KindBoolean, Bool: b} }

// State says what a document holds for a field.
type State uint8

// The states of a field. A stored customer holds only Absent and Set; a
// request body may also hold Null, which clears an optional field on PUT.
const (
	Absent State = iota
	Set
	Null
	invalid // the body gave a value that broke the field's rule
)

// Entry is a field's state and, when Set, its value.
type Entry struct {
	State State
	Value Value
}

// Document holds an entry for every field, indexed by Index.
type Document [numFields]Entry

// Set sets field i to v.
func (d *Document) Set(i Index, v Value) { d[i] = Entry{State: Set, Value: v} }

// Str returns a string field's value, "" when it is not set.
func (d *Document) Str(i Index) string {
	if d[i].State != Set {
		return ""
	}
	return d[i].Value.Str
}

// Limits are a customer's quotas, fixed per deployment at registration.
type Limits struct {
	MaxDevices    int64 `json:"maxDevices"`
	MaxUsers      int64 `json:"maxUsers"`
	MaxDataPoints int64 `json:"maxDataPoints"`
}

// DefaultLimits are the contract's defaults.
var DefaultLimits = Limits{MaxDevices: 100, MaxUsers: 50, MaxDataPoints: 1000000}

// Customer is a stored customer.
type Customer struct {
	Fields    Document
	Limits    Limits
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64 // starts at 1 and grows by one with every write
}

// ID returns the customer id.
func (c *Customer) ID() string { return c.Fields.Str(CustomerID) }

// ETag is the strong entity tag of this version of the customer.
func (c *Customer) ETag() string { return ETag(c.Version) }

// ETag formats a version as an entity tag.
func ETag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// Timestamp formats a time as the contract does: RFC 3339, UTC, seconds.
func Timestamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// Merge applies an update to a stored document. It returns the merged
// document and the dot paths of the leaves whose value changed, in field order.
func Merge(stored, update Document) (Document, []string) {
	merged := stored
	for i := range numFields {
		switch update[i].State {
		case Set:
			merged[i] = update[i]
		case Null:
			merged[i] = Entry{}
		}
	}
	return merged, Changes(stored, merged)
}

// Changes returns the dot paths of the leaves whose value differs between
// two stored documents, in field order: what a PUT answers as changes, and
// what a change event carries.
func Changes(before, after Document) []string {
	changes := []string{}
	for i := range numFields {
		b, a := before[i], after[i]
		if b.State != a.State || (a.State == Set && !a.Value.equal(b.Value)) {
			changes = append(changes, Fields[i].Path)
		}
	}
	return changes
}

func (v Value) equal(o Value) bool {
	return v.Kind == o.Kind && v.Str == o.Str && v.Int == o.Int && v.Num == o.Num && v.Bool == o.Bool
}

// customerJSON is a customer as the contract renders it, fields in the
// contract's order. A nil pointer is a field that is not set, left out; an
// object with no field set is nil, left out too.
type customerJSON struct {
	CustomerID   *string       `json:"customerId,omitempty"`
	CustomerName *string       `json:"customerName,omitempty"`
	Description  *string       `json:"description,omitempty"`
	ContactInfo  *contactJSON  `json:"contactInfo,omitempty"`
	BusinessInfo *businessJSON `json:"businessInfo,omitempty"`
	Settings     *settingsJSON `json:"settings,omitempty"`
	Location     *locationJSON `json:"location,omitempty"`
	Status       *string       `json:"status,omitempty"`
	Limits       Limits        `json:"limits"`
	CreatedAt    string        `json:"createdAt"`
	UpdatedAt    string        `json:"updatedAt"`
}

type contactJSON struct {
	Email   *string      `json:"email,omitempty"`
	Phone   *string      `json:"phone,omitempty"`
	Address *addressJSON `json:"address,omitempty"`
}

type addressJSON struct {
	Street     *string `json:"street,omitempty"`
	City       *string `json:"city,omitempty"`
	State      *string `json:"state,omitempty"`
	Country    *string `json:"country,omitempty"`
	PostalCode *string `json:"postalCode,omitempty"`
}

type businessJSON struct {
	Industry *string `json:"industry,omitempty"`
	Sector   *string `json:"sector,omitempty"`
	Timezone *string `json:"timezone,omitempty"`
}

type settingsJSON struct {
	DataRetentionDays *int64  `json:"dataRetentionDays,omitempty"`
	AlertFrequency    *string `json:"alertFrequency,omitempty"`
	ReportingEnabled  *bool   `json:"reportingEnabled,omitempty"`
}

type locationJSON struct {
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
}

// orNil returns p, or nil when *p is its type's zero value (no field set).
func orNil[T comparable](p *T) *T {
	var zero T
	if *p == zero {
		return nil
	}
	return p
}

// ifSet returns p, a member of e's value, when e is set; else nil.
func ifSet[T any](e *Entry, p *T) *T {
	if e.State != Set {
		return nil
	}
	return p
}

// AppendJSON appends the whole customer as JSON (never its API keys): every
// set field in the contract's order, then limits, createdAt and updatedAt.
func (c *Customer) AppendJSON(b []byte) []byte {
	d := &c.Fields
	str := func(i Index) *string { return ifSet(&d[i], &d[i].Value.Str) }
	integer := func(i Index) *int64 { return ifSet(&d[i], &d[i].Value.Int) }
	number := func(i Index) *float64 { return ifSet(&d[i], &d[i].Value.Num) }
	boolean := func(i Index) *bool { return ifSet(&d[i], &d[i].Value.Bool) }
	v := customerJSON{
		CustomerID:   str(CustomerID),
		CustomerName: str(CustomerName),
		Description:  str(Description),
		ContactInfo: orNil(&contactJSON{
			Email: str(Email),
			Phone: str(Phone),
			Address: orNil(&addressJSON{
				Street: str(Street), City: str(City), State: str(AddressState),
				Country: str(Country), PostalCode: str(PostalCode),
			}),
		}),
		BusinessInfo: orNil(&businessJSON{Industry: str(Industry), Sector: str(Sector), Timezone: str(Timezone)}),
		Settings: orNil(&settingsJSON{
			DataRetentionDays: integer(DataRetentionDays),
			AlertFrequency:    str(AlertFrequency),
			ReportingEnabled:  boolean(ReportingEnabled),
		}),
		Location:  orNil(&locationJSON{Latitude: number(Latitude), Longitude: number(Longitude)}),
		Status:    str(Status),
		Limits:    c.Limits,
		CreatedAt: Timestamp(c.CreatedAt),
		UpdatedAt: Timestamp(c.UpdatedAt),
	}
	out, err := json.Marshal(&v)
	if err != nil {
		panic(err) // strings, integers, finite numbers and booleans always marshal
	}
	return append(b, out...)
}

// joinPath joins a parent's dot path and a key.
func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return strings.Join([]string{prefix, key}, ".")
}
