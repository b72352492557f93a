//go:build !library_item

package store

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/customer"
)

// The item written and read by hand, attribute by attribute; a build with
// -tags library_item uses the SDK's attributevalue instead, so make bench
// can measure this against it.

func keysValue(keys APIKeyHashes) (types.AttributeValue, error) {
	return &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		string(Primary): str(keys.Primary), string(Secondary): str(keys.Secondary),
	}}, nil
}

// newItem lays out a new customer. Every nested object is present, even
// empty, so that an update can set any leaf path directly.
func newItem(c *customer.Customer, keys APIKeyHashes, idem *Idempotency) (map[string]types.AttributeValue, error) {
	item := map[string]types.AttributeValue{}
	for _, obj := range customer.Objects {
		parent, name := container(item, obj)
		parent[name] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	}
	for i, f := range customer.Fields {
		if c.Fields[i].State != customer.Set {
			continue
		}
		parent, name := container(item, f.Path)
		parent[name] = attributeValue(c.Fields[i].Value)
	}
	item[attrStatusShard] = str(statusShard(c.ID(), c.Fields.Str(customer.Status)))
	item[attrLimits] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"maxDevices":    num(c.Limits.MaxDevices),
		"maxUsers":      num(c.Limits.MaxUsers),
		"maxDataPoints": num(c.Limits.MaxDataPoints),
	}}
	item[attrAPIKeys], _ = keysValue(keys)
	if idem != nil {
		item[attrIdempotency] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"service": str(idem.Service), "key": str(idem.KeyHash), "body": str(idem.BodyHash), "expires": num(idem.Expires.Unix()),
		}}
	}
	item[attrCreatedAt] = str(customer.Timestamp(c.CreatedAt))
	item[attrUpdatedAt] = str(customer.Timestamp(c.UpdatedAt))
	item[attrVersion] = num(c.Version)
	return item, nil
}

// readIdempotency reads what a registration with a key remembered.
func readIdempotency(item map[string]types.AttributeValue) (Idempotency, bool) {
	m, ok := item[attrIdempotency].(*types.AttributeValueMemberM)
	if !ok {
		return Idempotency{}, false
	}
	get := func(name string) string {
		switch v := m.Value[name].(type) {
		case *types.AttributeValueMemberS:
			return v.Value
		case *types.AttributeValueMemberN:
			return v.Value
		}
		return ""
	}
	expires, err := strconv.ParseInt(get("expires"), 10, 64)
	if err != nil {
		return Idempotency{}, false
	}
	return Idempotency{Service: get("service"), KeyHash: get("key"), BodyHash: get("body"), Expires: time.Unix(expires, 0)}, true
}

// container returns the map that holds the last segment of a dot path, and
// that segment; the maps on the way must exist.
func container(item map[string]types.AttributeValue, path string) (map[string]types.AttributeValue, string) {
	m := item
	start := 0
	for i := 0; i < len(path); i++ {
		if path[i] == '.' {
			m = m[path[start:i]].(*types.AttributeValueMemberM).Value
			start = i + 1
		}
	}
	return m, path[start:]
}

// decodeItem reads a stored customer back.
func decodeItem(item map[string]types.AttributeValue) (*customer.Customer, error) {
	c, err := decodeFields(item)
	if err != nil {
		return nil, err
	}
	limits := lookup(item, []string{attrLimits})
	if c.Limits.MaxDevices, err = intAt(limits, "maxDevices"); err != nil {
		return nil, fmt.Errorf("decode stored customer %s limits: %w", c.ID(), err)
	}
	if c.Limits.MaxUsers, err = intAt(limits, "maxUsers"); err != nil {
		return nil, fmt.Errorf("decode stored customer %s limits: %w", c.ID(), err)
	}
	if c.Limits.MaxDataPoints, err = intAt(limits, "maxDataPoints"); err != nil {
		return nil, fmt.Errorf("decode stored customer %s limits: %w", c.ID(), err)
	}
	if c.CreatedAt, err = timeAt(item, attrCreatedAt); err != nil {
		return nil, fmt.Errorf("decode stored customer %s: %w", c.ID(), err)
	}
	if c.UpdatedAt, err = timeAt(item, attrUpdatedAt); err != nil {
		return nil, fmt.Errorf("decode stored customer %s: %w", c.ID(), err)
	}
	ver, ok := item[attrVersion].(*types.AttributeValueMemberN)
	if !ok {
		return nil, fmt.Errorf("decode stored customer %s: no version", c.ID())
	}
	if c.Version, err = strconv.ParseInt(ver.Value, 10, 64); err != nil {
		return nil, fmt.Errorf("decode stored customer %s version: %w", c.ID(), err)
	}
	return c, nil
}

func value(kind customer.Kind, av types.AttributeValue) (customer.Value, error) {
	switch kind {
	case customer.KindString:
		if s, ok := av.(*types.AttributeValueMemberS); ok {
			return customer.String(s.Value), nil
		}
	case customer.KindBoolean:
		if b, ok := av.(*types.AttributeValueMemberBOOL); ok {
			return customer.Boolean(b.Value), nil
		}
	case customer.KindInteger:
		if n, ok := av.(*types.AttributeValueMemberN); ok {
			i, err := strconv.ParseInt(n.Value, 10, 64)
			return customer.Integer(i), err
		}
	case customer.KindNumber:
		if n, ok := av.(*types.AttributeValueMemberN); ok {
			f, err := strconv.ParseFloat(n.Value, 64)
			return customer.Number(f), err
		}
	}
	return customer.Value{}, fmt.Errorf("unexpected attribute type %T", av)
}

func intAt(m types.AttributeValue, name string) (int64, error) {
	mm, ok := m.(*types.AttributeValueMemberM)
	if !ok {
		return 0, fmt.Errorf("%s: not stored", name)
	}
	n, ok := mm.Value[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("%s: not a number", name)
	}
	return strconv.ParseInt(n.Value, 10, 64)
}

func timeAt(item map[string]types.AttributeValue, name string) (time.Time, error) {
	s, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return time.Time{}, fmt.Errorf("%s: not stored", name)
	}
	return time.Parse(time.RFC3339, s.Value)
}

// storedKeys are the stored hashes of a customer's keys.
func storedKeys(item map[string]types.AttributeValue) APIKeyHashes {
	return APIKeyHashes{Primary: keyHash(item, Primary), Secondary: keyHash(item, Secondary)}
}

func keyHash(item map[string]types.AttributeValue, name KeyName) string {
	if s, ok := lookup(item, []string{attrAPIKeys, string(name)}).(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// attributeValue is a field's value as an attribute, from the Go value
// leaf gives attributevalue, so that both store numbers alike.
func attributeValue(v customer.Value) types.AttributeValue {
	switch l := leaf(v).(type) {
	case int64:
		return num(l)
	case float64:
		return &types.AttributeValueMemberN{Value: strconv.FormatFloat(l, 'f', -1, 64)}
	case bool:
		return &types.AttributeValueMemberBOOL{Value: l}
	default:
		return str(l.(string))
	}
}
