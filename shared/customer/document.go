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
		return strconv.AppendFloat(b, v.Num, 'f', -1, 64)
	case KindBoolean:
		return strconv.AppendBool(b, v.Bool)
	default:
		return appendString(b, v.Str)
	}
}

// appendString writes s as a JSON string. Input was checked to be UTF-8.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default: // other control characters, and HTML's specials as encoding/json does
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// marshalJSON is appendJSON done by encoding/json, from nested maps; the keys
// come out sorted rather than in the contract's order. make bench measures
// appendJSON against it (build tag library_json).
func (c *Customer) marshalJSON(b []byte) []byte {
	doc := map[string]any{
		"limits":    c.Limits,
		"createdAt": Timestamp(c.CreatedAt),
		"updatedAt": Timestamp(c.UpdatedAt),
	}
	for i := range numFields {
		e := c.Fields[i]
		if e.State != Set {
			continue
		}
		m := doc
		segs := Fields[i].Segments
		for _, p := range segs[:len(segs)-1] {
			inner, ok := m[p].(map[string]any)
			if !ok {
				inner = map[string]any{}
				m[p] = inner
			}
			m = inner
		}
		var v any
		switch e.Value.Kind {
		case KindInteger:
			v = e.Value.Int
		case KindNumber:
			v = e.Value.Num
		case KindBoolean:
			v = e.Value.Bool
		default:
			v = e.Value.Str
		}
		m[segs[len(segs)-1]] = v
	}
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err) // strings, numbers and booleans always marshal
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
