package customer

import (
	"encoding/json"
	"math"
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

// appendJSON renders the whole customer (never its API keys): every set field
// in the contract's order, then limits, createdAt and updatedAt. It writes
// the JSON itself: encoding/json (marshalJSON) costs a list of customers 15%
// more CPU per invocation (docs/PERFORMANCE.md).
func (c *Customer) appendJSON(b []byte) []byte {
	b = append(b, '{')
	var open []string // the objects currently open, outermost first
	first := true
	for i := range numFields {
		e := c.Fields[i]
		if e.State != Set {
			continue
		}
		segs := Fields[i].Segments
		parents := segs[:len(segs)-1]
		common := 0
		for common < len(open) && common < len(parents) && open[common] == parents[common] {
			common++
		}
		for len(open) > common {
			b = append(b, '}')
			open = open[:len(open)-1]
		}
		for _, p := range parents[common:] {
			b = comma(b, &first)
			b = appendString(b, p)
			b = append(b, ':', '{')
			open = append(open, p)
			first = true
		}
		b = comma(b, &first)
		b = appendString(b, segs[len(segs)-1])
		b = append(b, ':')
		b = appendValue(b, e.Value)
	}
	for range open {
		b = append(b, '}')
	}
	b = comma(b, &first) // no comma when no field is set
	b = append(b, `"limits":{"maxDevices":`...)
	b = strconv.AppendInt(b, c.Limits.MaxDevices, 10)
	b = append(b, `,"maxUsers":`...)
	b = strconv.AppendInt(b, c.Limits.MaxUsers, 10)
	b = append(b, `,"maxDataPoints":`...)
	b = strconv.AppendInt(b, c.Limits.MaxDataPoints, 10)
	b = append(b, `},"createdAt":"`...)
	b = append(b, Timestamp(c.CreatedAt)...)
	b = append(b, `","updatedAt":"`...)
	b = append(b, Timestamp(c.UpdatedAt)...)
	return append(b, '"', '}')
}

func comma(b []byte, first *bool) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	return b
}

func appendValue(b []byte, v Value) []byte {
	switch v.Kind {
	case KindInteger:
		return strconv.AppendInt(b, v.Int, 10)
	case KindNumber:
		return appendFloat(b, v.Num)
	case KindBoolean:
		return strconv.AppendBool(b, v.Bool)
	default:
		return appendString(b, v.Str)
	}
}

// appendFloat writes f as encoding/json does: without an exponent unless
// |f| < 1e-6 or |f| >= 1e21, and then e-7 rather than e-07.
func appendFloat(b []byte, f float64) []byte {
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		b = strconv.AppendFloat(b, f, 'e', -1, 64)
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
		return b
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendString writes s as a JSON string, escaped as encoding/json escapes
// it. Input was checked to be UTF-8.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c != 0xe2 {
			continue
		}
		if c == 0xe2 { // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			if i+2 >= len(s) || s[i+1] != 0x80 || s[i+2]&^1 != 0xa8 {
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&1+8])
			i += 2
			start = i + 1
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default: // other control characters, and HTML's specials
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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

// marshalJSON is appendJSON done by encoding/json, from tagged structs. make
// bench measures appendJSON against it (build tag library_json).
func (c *Customer) marshalJSON(b []byte) []byte {
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
