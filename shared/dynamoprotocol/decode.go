package dynamoprotocol

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// decoder reads one JSON answer. It accepts a strict subset of what the SDK
// accepts: every object member it does not know, every null, duplicate key
// or unusual number, ends decoding with errUnsupported, and the SDK decodes
// the answer instead.
type decoder struct {
	s string
	i int
}

// members calls member for each member of the object at the cursor, with
// the cursor on the member's value; member must read exactly that value.
func (d *decoder) members(member func(key string) error) error {
	if !d.consume('{') {
		return errUnsupported
	}
	if d.consume('}') {
		return nil
	}
	for {
		key, err := d.string()
		if err != nil {
			return err
		}
		if !d.consume(':') {
			return errUnsupported
		}
		if err := member(key); err != nil {
			return err
		}
		if d.consume(',') {
			continue
		}
		if d.consume('}') {
			return nil
		}
		return errUnsupported
	}
}

// elements calls element for each element of the array at the cursor.
func (d *decoder) elements(element func() error) error {
	if !d.consume('[') {
		return errUnsupported
	}
	if d.consume(']') {
		return nil
	}
	for {
		if err := element(); err != nil {
			return err
		}
		if d.consume(',') {
			continue
		}
		if d.consume(']') {
			return nil
		}
		return errUnsupported
	}
}

// end checks that nothing but white space follows the answer.
func (d *decoder) end() error {
	d.space()
	if d.i != len(d.s) {
		return errUnsupported
	}
	return nil
}

func (d *decoder) space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// consume skips white space and then c, if c is next.
func (d *decoder) consume(c byte) bool {
	d.space()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// string reads a string. Without escapes, the common case, it is a slice of
// the answer; with them, encoding/json reads it.
func (d *decoder) string() (string, error) {
	if !d.consume('"') {
		return "", errUnsupported
	}
	start := d.i
	escaped := false
	for ; d.i < len(d.s); d.i++ {
		switch c := d.s[d.i]; {
		case c == '"':
			d.i++
			raw := d.s[start : d.i-1]
			if !escaped {
				if !utf8.ValidString(raw) {
					return "", errUnsupported
				}
				return raw, nil
			}
			var v string
			if err := json.Unmarshal([]byte(d.s[start-1:d.i]), &v); err != nil {
				return "", errUnsupported
			}
			return v, nil
		case c == '\\':
			escaped = true
			d.i++ // the escaped character cannot end the string
		case c < 0x20:
			return "", errUnsupported
		}
	}
	return "", errUnsupported
}

// literal reads true or false.
func (d *decoder) bool() (bool, error) {
	d.space()
	switch {
	case len(d.s)-d.i >= 4 && d.s[d.i:d.i+4] == "true":
		d.i += 4
		return true, nil
	case len(d.s)-d.i >= 5 && d.s[d.i:d.i+5] == "false":
		d.i += 5
		return false, nil
	}
	return false, errUnsupported
}

// number returns the text of a number made only of digits, a sign, a point
// and an exponent; ParseInt and ParseFloat then judge it.
func (d *decoder) number() string {
	d.space()
	start := d.i
	for d.i < len(d.s) {
		switch c := d.s[d.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			d.i++
		default:
			return d.s[start:d.i]
		}
	}
	return d.s[start:]
}

func (d *decoder) int32() (int32, error) {
	text := d.number()
	if len(text) == 0 || len(text) > 10 || (text[0] == '0' && len(text) > 1) {
		return 0, errUnsupported
	}
	for _, c := range []byte(text) {
		if c < '0' || c > '9' {
			return 0, errUnsupported
		}
	}
	n, err := strconv.ParseInt(text, 10, 32)
	if err != nil {
		return 0, errUnsupported
	}
	return int32(n), nil
}

// float reads a non-negative decimal such as 0.5 or 12: capacity units.
func (d *decoder) float() (*float64, error) {
	text := d.number()
	if len(text) == 0 || len(text) > 24 || text[0] < '0' || text[0] > '9' || (text[0] == '0' && len(text) > 1 && text[1] != '.') {
		return nil, errUnsupported
	}
	points := 0
	for _, c := range []byte(text) {
		switch {
		case c == '.':
			points++
		case c < '0' || c > '9':
			return nil, errUnsupported
		}
	}
	if points > 1 || text[len(text)-1] == '.' {
		return nil, errUnsupported
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, errUnsupported
	}
	return &f, nil
}

// itemAnswer reads the answer of GetItem (the item under "Item"), PutItem
// or UpdateItem (under "Attributes"): an item and the capacity consumed.
func (d *decoder) itemAnswer(itemKey string) (item map[string]types.AttributeValue, cc *types.ConsumedCapacity, err error) {
	var seen fields
	err = d.members(func(key string) (err error) {
		switch key {
		case itemKey:
			if err = seen.first(0); err == nil {
				item, err = d.item(itemHint)
			}
		case "ConsumedCapacity":
			if err = seen.first(1); err == nil {
				cc, err = d.capacity()
			}
		default:
			err = errUnsupported
		}
		return err
	})
	if err == nil {
		err = d.end()
	}
	return item, cc, err
}

// page is what a Query and a Scan answer alike.
type page struct {
	items            []map[string]types.AttributeValue
	lastEvaluatedKey map[string]types.AttributeValue
	count, scanned   int32
	capacity         *types.ConsumedCapacity
}

func (d *decoder) page() (p page, err error) {
	var seen fields
	err = d.members(func(key string) (err error) {
		switch key {
		case "Items":
			if err = seen.first(0); err == nil {
				p.items, err = d.items()
			}
		case "LastEvaluatedKey":
			if err = seen.first(1); err == nil {
				p.lastEvaluatedKey, err = d.item(0)
			}
		case "Count":
			if err = seen.first(2); err == nil {
				p.count, err = d.int32()
			}
		case "ScannedCount":
			if err = seen.first(3); err == nil {
				p.scanned, err = d.int32()
			}
		case "ConsumedCapacity":
			if err = seen.first(4); err == nil {
				p.capacity, err = d.capacity()
			}
		default:
			err = errUnsupported
		}
		return err
	})
	if err == nil {
		err = d.end()
	}
	return p, err
}

// batchGetItem reads the responses and capacity; unprocessed keys, rare,
// are left to the SDK unless there are none.
func (d *decoder) batchGetItem(o *dynamodb.BatchGetItemOutput) error {
	var seen fields
	err := d.members(func(key string) (err error) {
		switch key {
		case "Responses":
			if err = seen.first(0); err == nil {
				o.Responses = map[string][]map[string]types.AttributeValue{}
				err = d.members(func(table string) error {
					if _, dup := o.Responses[table]; dup {
						return errUnsupported
					}
					items, err := d.items()
					o.Responses[table] = items
					return err
				})
			}
		case "UnprocessedKeys":
			if err = seen.first(1); err == nil {
				o.UnprocessedKeys = map[string]types.KeysAndAttributes{}
				err = d.members(func(string) error { return errUnsupported })
			}
		case "ConsumedCapacity":
			if err = seen.first(2); err == nil {
				o.ConsumedCapacity = []types.ConsumedCapacity{}
				err = d.elements(func() error {
					cc, err := d.capacity()
					if err == nil {
						o.ConsumedCapacity = append(o.ConsumedCapacity, *cc)
					}
					return err
				})
			}
		default:
			err = errUnsupported
		}
		return err
	})
	if err != nil {
		return err
	}
	return d.end()
}

// capacity reads a ConsumedCapacity with its totals only, what
// ReturnConsumedCapacity TOTAL asks for.
func (d *decoder) capacity() (*types.ConsumedCapacity, error) {
	cc := &types.ConsumedCapacity{}
	var seen fields
	err := d.members(func(key string) (err error) {
		switch key {
		case "TableName":
			if err = seen.first(0); err == nil {
				var name string
				name, err = d.string()
				cc.TableName = &name
			}
		case "CapacityUnits":
			if err = seen.first(1); err == nil {
				cc.CapacityUnits, err = d.float()
			}
		case "ReadCapacityUnits":
			if err = seen.first(2); err == nil {
				cc.ReadCapacityUnits, err = d.float()
			}
		case "WriteCapacityUnits":
			if err = seen.first(3); err == nil {
				cc.WriteCapacityUnits, err = d.float()
			}
		default:
			err = errUnsupported
		}
		return err
	})
	return cc, err
}

// items reads a list of items.
func (d *decoder) items() ([]map[string]types.AttributeValue, error) {
	items := []map[string]types.AttributeValue{}
	err := d.elements(func() error {
		item, err := d.item(itemHint)
		items = append(items, item)
		return err
	})
	return items, err
}

// itemHint sizes the map of a whole item: a customer has 14 attributes,
// and a map made for 8 would grow on the way.
const itemHint = 14

// item reads a map of attribute values: an item, a key, a map attribute;
// hint is how many attributes to make room for.
func (d *decoder) item(hint int) (map[string]types.AttributeValue, error) {
	m := make(map[string]types.AttributeValue, hint)
	err := d.members(func(name string) error {
		if _, dup := m[name]; dup {
			return errUnsupported
		}
		v, err := d.value()
		m[name] = v
		return err
	})
	return m, err
}

// value reads one attribute value: an object of exactly one known member.
func (d *decoder) value() (types.AttributeValue, error) {
	var v types.AttributeValue
	err := d.members(func(kind string) error {
		if v != nil {
			return ErrSeveralTypes
		}
		var err error
		switch kind {
		case "S":
			var s string
			s, err = d.string()
			v = &types.AttributeValueMemberS{Value: s}
		case "N":
			var n string
			n, err = d.string()
			v = &types.AttributeValueMemberN{Value: n}
		case "BOOL":
			var b bool
			b, err = d.bool()
			v = &types.AttributeValueMemberBOOL{Value: b}
		case "NULL":
			var b bool
			b, err = d.bool()
			v = &types.AttributeValueMemberNULL{Value: b}
		case "M":
			var m map[string]types.AttributeValue
			m, err = d.item(0)
			v = &types.AttributeValueMemberM{Value: m}
		case "L":
			l := []types.AttributeValue{}
			err = d.elements(func() error {
				e, err := d.value()
				l = append(l, e)
				return err
			})
			v = &types.AttributeValueMemberL{Value: l}
		case "SS", "NS":
			ss := []string{}
			err = d.elements(func() error {
				s, err := d.string()
				ss = append(ss, s)
				return err
			})
			if kind == "SS" {
				v = &types.AttributeValueMemberSS{Value: ss}
			} else {
				v = &types.AttributeValueMemberNS{Value: ss}
			}
		default:
			err = errUnsupported // B, BS, or a type DynamoDB added later
		}
		return err
	})
	if err == nil && v == nil {
		err = errUnsupported
	}
	return v, err
}

// fields tracks which members of an object were read, to leave an answer
// repeating one to the SDK.
type fields uint8

func (f *fields) first(i uint) error {
	if *f&(1<<i) != 0 {
		return errUnsupported
	}
	*f |= 1 << i
	return nil
}
