package store

import (
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/customer"
)

// KeyAttribute is the table's partition key: the customer id.
const KeyAttribute = attrID

// Attribute names outside the customer document.
const (
	attrID          = "customerId"
	attrStatus      = "status"
	attrStatusShard = "statusShard"
	attrLimits      = "limits"
	attrAPIKeys     = "apiKeyHashes"
	attrIdempotency = "idempotency"
	attrCreatedAt   = "createdAt"
	attrUpdatedAt   = "updatedAt"
	attrVersion     = "version"
)

// StatusShards is how many partitions of the status index one status is
// spread over, so that no status value is a hot partition (docs/STORAGE.md).
// Changing it needs a backfill of statusShard.
const StatusShards = 8

// statusShard is the status index's partition key for a customer.
func statusShard(id, status string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return statusShardKey(status, int(h.Sum32()%StatusShards))
}

func statusShardKey(status string, shard int) string {
	return status + "#" + strconv.Itoa(shard)
}

// APIKeyHashes are the SHA-256 hex digests of a customer's two API keys.
type APIKeyHashes struct {
	Primary   string `dynamodbav:"primary"`
	Secondary string `dynamodbav:"secondary"`
}

// KeyName names one of a customer's two API keys.
type KeyName string

// The two keys.
const (
	Primary   KeyName = "primary"
	Secondary KeyName = "secondary"
)

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(i int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(i, 10)}
}

// Image is a stored customer as a whole item shows it, its key hashes
// included: what the table's stream carries before and after a write.
type Image struct {
	Customer *customer.Customer
	Keys     APIKeyHashes
}

// DecodeImage reads a whole stored item.
func DecodeImage(item map[string]types.AttributeValue) (*Image, error) {
	c, err := decodeItem(item)
	if err != nil {
		return nil, err
	}
	return &Image{Customer: c, Keys: storedKeys(item)}, nil
}

// lookup returns the attribute at a field's path, nil when there is none
// or it is NULL.
func lookup(item map[string]types.AttributeValue, segments []string) types.AttributeValue {
	m := item
	var av types.AttributeValue
	for i, s := range segments {
		if i > 0 {
			inner, ok := av.(*types.AttributeValueMemberM)
			if !ok {
				return nil
			}
			m = inner.Value
		}
		if av = m[s]; av == nil {
			return nil
		}
	}
	if _, cleared := av.(*types.AttributeValueMemberNULL); cleared {
		return nil // a field cleared by earlier versions of Update, which stored NULL
	}
	return av
}

// decodeFields reads a stored customer's fields, each through its item
// variant's value, and makes sure it has an id.
func decodeFields(item map[string]types.AttributeValue) (*customer.Customer, error) {
	c := &customer.Customer{}
	for i, f := range customer.Fields {
		av := lookup(item, f.Segments)
		if av == nil {
			continue
		}
		v, err := value(f.Kind, av)
		if err != nil {
			return nil, fmt.Errorf("decode stored customer field %s: %w", f.Path, err)
		}
		c.Fields.Set(customer.Index(i), v)
	}
	if c.ID() == "" {
		return nil, fmt.Errorf("decode stored customer: no %s", attrID)
	}
	return c, nil
}
