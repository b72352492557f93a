package dynamoprotocol

import (
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Encode appends the JSON request of in, the input of GetItem, PutItem,
// UpdateItem, Query, Scan or BatchGetItem, to b. ok is false when in sets a member the direct encoder
// does not write, or a value it cannot (binary attributes, invalid UTF-8):
// the SDK's encoder must write that request.
func Encode(b []byte, in any) (_ []byte, ok bool) {
	e := encoder{b: b, ok: true}
	switch in := in.(type) {
	case *dynamodb.GetItemInput:
		rest := *in
		rest.TableName, rest.Key, rest.ConsistentRead, rest.ProjectionExpression, rest.ExpressionAttributeNames, rest.ReturnConsumedCapacity = nil, nil, nil, nil, nil, ""
		if !isZero(&rest) {
			return b, false
		}
		e.open()
		e.str("TableName", in.TableName)
		e.attrs("Key", in.Key)
		e.bool("ConsistentRead", in.ConsistentRead)
		e.str("ProjectionExpression", in.ProjectionExpression)
		e.names(in.ExpressionAttributeNames)
		e.enum("ReturnConsumedCapacity", string(in.ReturnConsumedCapacity))
		e.close()
	case *dynamodb.PutItemInput:
		rest := *in
		rest.TableName, rest.Item, rest.ConditionExpression, rest.ExpressionAttributeNames, rest.ExpressionAttributeValues = nil, nil, nil, nil, nil
		rest.ReturnConsumedCapacity, rest.ReturnValues, rest.ReturnValuesOnConditionCheckFailure = "", "", ""
		if !isZero(&rest) {
			return b, false
		}
		e.open()
		e.str("TableName", in.TableName)
		e.attrs("Item", in.Item)
		e.conditional(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues,
			in.ReturnConsumedCapacity, in.ReturnValues, in.ReturnValuesOnConditionCheckFailure)
		e.close()
	case *dynamodb.UpdateItemInput:
		rest := *in
		rest.TableName, rest.Key, rest.UpdateExpression, rest.ConditionExpression, rest.ExpressionAttributeNames, rest.ExpressionAttributeValues = nil, nil, nil, nil, nil, nil
		rest.ReturnConsumedCapacity, rest.ReturnValues, rest.ReturnValuesOnConditionCheckFailure = "", "", ""
		if !isZero(&rest) {
			return b, false
		}
		e.open()
		e.str("TableName", in.TableName)
		e.attrs("Key", in.Key)
		e.str("UpdateExpression", in.UpdateExpression)
		e.conditional(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues,
			in.ReturnConsumedCapacity, in.ReturnValues, in.ReturnValuesOnConditionCheckFailure)
		e.close()
	case *dynamodb.QueryInput:
		rest := *in
		rest.TableName, rest.IndexName, rest.KeyConditionExpression, rest.ExpressionAttributeNames, rest.ExpressionAttributeValues = nil, nil, nil, nil, nil
		rest.Limit, rest.ExclusiveStartKey, rest.ConsistentRead, rest.ScanIndexForward, rest.ReturnConsumedCapacity = nil, nil, nil, nil, ""
		if !isZero(&rest) {
			return b, false
		}
		e.open()
		e.str("TableName", in.TableName)
		e.str("IndexName", in.IndexName)
		e.str("KeyConditionExpression", in.KeyConditionExpression)
		e.names(in.ExpressionAttributeNames)
		e.attrs("ExpressionAttributeValues", in.ExpressionAttributeValues)
		e.int32("Limit", in.Limit)
		e.attrs("ExclusiveStartKey", in.ExclusiveStartKey)
		e.bool("ConsistentRead", in.ConsistentRead)
		e.bool("ScanIndexForward", in.ScanIndexForward)
		e.enum("ReturnConsumedCapacity", string(in.ReturnConsumedCapacity))
		e.close()
	case *dynamodb.ScanInput:
		rest := *in
		rest.TableName, rest.Limit, rest.ExclusiveStartKey, rest.ConsistentRead, rest.ReturnConsumedCapacity = nil, nil, nil, nil, ""
		if !isZero(&rest) {
			return b, false
		}
		e.open()
		e.str("TableName", in.TableName)
		e.int32("Limit", in.Limit)
		e.attrs("ExclusiveStartKey", in.ExclusiveStartKey)
		e.bool("ConsistentRead", in.ConsistentRead)
		e.enum("ReturnConsumedCapacity", string(in.ReturnConsumedCapacity))
		e.close()
	case *dynamodb.BatchGetItemInput:
		rest := *in
		rest.RequestItems, rest.ReturnConsumedCapacity = nil, ""
		if !isZero(&rest) {
			return b, false
		}
		e.open()
		if in.RequestItems != nil {
			e.key("RequestItems")
			e.b = append(e.b, '{')
			first := true
			for table, ka := range in.RequestItems {
				rest := ka
				rest.Keys, rest.ConsistentRead, rest.ProjectionExpression, rest.ExpressionAttributeNames = nil, nil, nil, nil
				if !isZero(&rest) {
					return b, false
				}
				if !first {
					e.b = append(e.b, ',')
				}
				first = false
				e.string(table)
				e.b = append(e.b, ':')
				e.open()
				if ka.Keys != nil {
					e.key("Keys")
					e.b = append(e.b, '[')
					for i, k := range ka.Keys {
						if i > 0 {
							e.b = append(e.b, ',')
						}
						e.attrMap(k)
					}
					e.b = append(e.b, ']')
				}
				e.bool("ConsistentRead", ka.ConsistentRead)
				e.str("ProjectionExpression", ka.ProjectionExpression)
				e.names(ka.ExpressionAttributeNames)
				e.close()
			}
			e.b = append(e.b, '}')
		}
		e.enum("ReturnConsumedCapacity", string(in.ReturnConsumedCapacity))
		e.close()
	default:
		return b, false
	}
	if !e.ok {
		return b, false
	}
	return e.b, true
}

// isZero reports whether the members of an input the encoder does not
// write are all unset; a member the SDK adds later counts as one of them.
func isZero[T any](v *T) bool {
	return reflect.ValueOf(v).Elem().IsZero()
}

// encoder writes one JSON object at a time, tracking whether a member was
// written yet, as the SDK's encoder does: nil members are left out, empty
// non-nil maps and lists written.
type encoder struct {
	b     []byte
	ok    bool
	first bool // no member yet in the current object
}

func (e *encoder) open() {
	e.b = append(e.b, '{')
	e.first = true
}

func (e *encoder) close() {
	e.b = append(e.b, '}')
	e.first = false
}

func (e *encoder) key(k string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.string(k)
	e.b = append(e.b, ':')
}

func (e *encoder) str(k string, v *string) {
	if v != nil {
		e.key(k)
		e.string(*v)
	}
}

func (e *encoder) enum(k, v string) {
	if v != "" {
		e.key(k)
		e.string(v)
	}
}

func (e *encoder) bool(k string, v *bool) {
	if v != nil {
		e.key(k)
		e.b = strconv.AppendBool(e.b, *v)
	}
}

func (e *encoder) int32(k string, v *int32) {
	if v != nil {
		e.key(k)
		e.b = strconv.AppendInt(e.b, int64(*v), 10)
	}
}

// conditional writes the members of a conditional write, PutItem's and
// UpdateItem's.
func (e *encoder) conditional(condition *string, names map[string]string, values map[string]types.AttributeValue,
	capacity types.ReturnConsumedCapacity, returns types.ReturnValue, onFailure types.ReturnValuesOnConditionCheckFailure) {
	e.str("ConditionExpression", condition)
	e.names(names)
	e.attrs("ExpressionAttributeValues", values)
	e.enum("ReturnConsumedCapacity", string(capacity))
	e.enum("ReturnValues", string(returns))
	e.enum("ReturnValuesOnConditionCheckFailure", string(onFailure))
}

func (e *encoder) names(m map[string]string) {
	if m == nil {
		return
	}
	e.key("ExpressionAttributeNames")
	e.b = append(e.b, '{')
	first := true
	for k, v := range m {
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.string(k)
		e.b = append(e.b, ':')
		e.string(v)
	}
	e.b = append(e.b, '}')
}

func (e *encoder) attrs(k string, m map[string]types.AttributeValue) {
	if m != nil {
		e.key(k)
		e.attrMap(m)
	}
}

func (e *encoder) attrMap(m map[string]types.AttributeValue) {
	e.b = append(e.b, '{')
	first := true
	for k, v := range m {
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.string(k)
		e.b = append(e.b, ':')
		e.value(v)
	}
	e.b = append(e.b, '}')
}

func (e *encoder) value(v types.AttributeValue) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		e.b = append(e.b, `{"S":`...)
		e.string(v.Value)
	case *types.AttributeValueMemberN:
		e.b = append(e.b, `{"N":`...)
		e.string(v.Value)
	case *types.AttributeValueMemberBOOL:
		e.b = append(e.b, `{"BOOL":`...)
		e.b = strconv.AppendBool(e.b, v.Value)
	case *types.AttributeValueMemberNULL:
		e.b = append(e.b, `{"NULL":`...)
		e.b = strconv.AppendBool(e.b, v.Value)
	case *types.AttributeValueMemberM:
		e.b = append(e.b, `{"M":`...)
		if v.Value == nil {
			e.b = append(e.b, "{}"...) // as the SDK writes it
		} else {
			e.attrMap(v.Value)
		}
	case *types.AttributeValueMemberL:
		e.b = append(e.b, `{"L":[`...)
		for i, x := range v.Value {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.value(x)
		}
		e.b = append(e.b, ']')
	case *types.AttributeValueMemberSS:
		e.b = append(e.b, `{"SS":`...)
		e.strings(v.Value)
	case *types.AttributeValueMemberNS:
		e.b = append(e.b, `{"NS":`...)
		e.strings(v.Value)
	default:
		e.ok = false // binary, nil, or a type the SDK added later
		return
	}
	e.b = append(e.b, '}')
}

func (e *encoder) strings(ss []string) {
	e.b = append(e.b, '[')
	for i, s := range ss {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.string(s)
	}
	e.b = append(e.b, ']')
}

const hex = "0123456789abcdef"

// string writes s as a JSON string. Invalid UTF-8 is left to the SDK.
func (e *encoder) string(s string) {
	if !utf8.ValidString(s) {
		e.ok = false
		return
	}
	e.b = append(e.b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		e.b = append(e.b, s[start:i]...)
		switch c {
		case '"', '\\':
			e.b = append(e.b, '\\', c)
		case '\n':
			e.b = append(e.b, '\\', 'n')
		case '\r':
			e.b = append(e.b, '\\', 'r')
		case '\t':
			e.b = append(e.b, '\\', 't')
		default:
			e.b = append(e.b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	e.b = append(e.b, s[start:]...)
	e.b = append(e.b, '"')
}
