//go:build library_item

package store

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/customer"
)

// stored is what an item holds besides the customer document.
type stored struct {
	StatusShard string       `dynamodbav:"statusShard"`
	Limits      limits       `dynamodbav:"limits"`
	Keys        APIKeyHashes `dynamodbav:"apiKeyHashes"`
	Idempotency *Idempotency `dynamodbav:"idempotency,omitempty"`
	CreatedAt   time.Time    `dynamodbav:"createdAt"`
	UpdatedAt   time.Time    `dynamodbav:"updatedAt"`
	Version     int64        `dynamodbav:"version"`
}

// limits is customer.Limits under the names the item stores.
type limits struct {
	MaxDevices    int64 `dynamodbav:"maxDevices"`
	MaxUsers      int64 `dynamodbav:"maxUsers"`
	MaxDataPoints int64 `dynamodbav:"maxDataPoints"`
}

// timestamps stores times as the contract writes them (RFC 3339, UTC,
// seconds), as items always have; the decoder's default reads them back.
func timestamps(o *attributevalue.EncoderOptions) {
	o.EncodeTime = func(t time.Time) (types.AttributeValue, error) {
		return &types.AttributeValueMemberS{Value: customer.Timestamp(t)}, nil
	}
}

// objectPaths are customer.Objects split at dots.
var objectPaths = func() [][]string {
	paths := make([][]string, len(customer.Objects))
	for i, o := range customer.Objects {
		paths[i] = strings.Split(o, ".")
	}
	return paths
}()

// newItem lays out a new customer. Every nested object is present, even
// empty, so that an update can set any leaf path directly.
func newItem(c *customer.Customer, keys APIKeyHashes, idem *Idempotency) (map[string]types.AttributeValue, error) {
	doc := map[string]any{}
	for _, path := range objectPaths {
		object(doc, path)
	}
	for i, f := range customer.Fields {
		if c.Fields[i].State == customer.Set {
			last := len(f.Segments) - 1
			object(doc, f.Segments[:last])[f.Segments[last]] = leaf(c.Fields[i].Value)
		}
	}
	item, err := attributevalue.MarshalMap(doc)
	if err != nil {
		return nil, err
	}
	rec, err := attributevalue.MarshalMapWithOptions(stored{
		StatusShard: statusShard(c.ID(), c.Fields.Str(customer.Status)),
		Limits:      limits(c.Limits), Keys: keys, Idempotency: idem,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version,
	}, timestamps)
	if err != nil {
		return nil, err
	}
	maps.Copy(item, rec)
	return item, nil
}

// object returns the object at path in doc, made when missing.
func object(doc map[string]any, path []string) map[string]any {
	for _, name := range path {
		inner, ok := doc[name].(map[string]any)
		if !ok {
			inner = map[string]any{}
			doc[name] = inner
		}
		doc = inner
	}
	return doc
}

func keysValue(keys APIKeyHashes) (types.AttributeValue, error) { return attributevalue.Marshal(keys) }

// decoder is the one every read shares: it holds only its options.
var decoder = attributevalue.NewDecoder()

func readStored(item map[string]types.AttributeValue) (stored, error) {
	var rec stored
	err := decoder.Decode(&types.AttributeValueMemberM{Value: item}, &rec)
	return rec, err
}

// readIdempotency reads what a registration with a key remembered.
func readIdempotency(item map[string]types.AttributeValue) (Idempotency, bool) {
	rec, err := readStored(item)
	if err != nil || rec.Idempotency == nil {
		return Idempotency{}, false
	}
	return *rec.Idempotency, true
}

// storedKeys are the stored hashes of a customer's keys.
func storedKeys(item map[string]types.AttributeValue) APIKeyHashes {
	rec, _ := readStored(item) // a key unreadable is one that matches none
	return rec.Keys
}

// value is a field's stored attribute as a value of kind.
func value(kind customer.Kind, av types.AttributeValue) (customer.Value, error) {
	v := customer.Value{Kind: kind}
	var err error
	switch kind {
	case customer.KindInteger:
		err = decoder.Decode(av, &v.Int)
	case customer.KindNumber:
		err = decoder.Decode(av, &v.Num)
	case customer.KindBoolean:
		err = decoder.Decode(av, &v.Bool)
	default:
		err = decoder.Decode(av, &v.Str)
	}
	return v, err
}

// decodeItem reads a stored customer back.
func decodeItem(item map[string]types.AttributeValue) (*customer.Customer, error) {
	c, err := decodeFields(item)
	if err != nil {
		return nil, err
	}
	rec, err := readStored(item)
	if err == nil && rec.Version == 0 {
		err = errors.New("no version")
	}
	if err != nil {
		return nil, fmt.Errorf("decode stored customer %s: %w", c.ID(), err)
	}
	c.Limits, c.CreatedAt, c.UpdatedAt, c.Version = customer.Limits(rec.Limits), rec.CreatedAt, rec.UpdatedAt, rec.Version
	return c, nil
}
