// Package store keeps customers in one DynamoDB table keyed by customerId,
// with a sharded status index for listing by status. Every write is a single
// conditional request: never a read before a write.
package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/customer"
)

// Errors the store returns for the cases the API answers specially.
var (
	ErrExists             = errors.New("customer already exists")
	ErrNotFound           = errors.New("customer not found")
	ErrPreconditionFailed = errors.New("customer version does not match If-Match")
	// ErrIdempotencyKeyReused: a registration's Idempotency-Key came with
	// another body than the registration that created the customer.
	ErrIdempotencyKeyReused = errors.New("idempotency key reused with another body")
)

// DynamoDB is the part of the DynamoDB client the store uses.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// Store reads and writes customers.
type Store struct {
	db    DynamoDB
	table string
	index string
}

// New returns a Store on table, listing by status through index.
func New(db DynamoDB, table, index string) *Store {
	return &Store{db: measured{db}, table: table, index: index}
}

// Create stores a new customer with its API key hashes in one conditional
// write; ErrExists when the id is taken. A registration with an
// Idempotency-Key (idem not nil) is remembered with the customer, and
// another one from the same service with the same key, within its time,
// is a replay: see replay.
//
// When the SDK retries a PutItem whose first attempt was applied but whose
// answer was lost (a timeout, a dropped connection), the retry fails its own
// condition. The item DynamoDB returns with the failure then carries this
// request's API key hashes, which are random and unique, so Create
// recognises its own write and succeeds instead of answering 409 to the
// customer it just registered.
func (s *Store) Create(ctx context.Context, c *customer.Customer, keys APIKeyHashes, idem *Idempotency, now time.Time) (*Created, error) {
	item, err := newItem(c, keys, idem)
	if err != nil {
		return nil, fmt.Errorf("lay out customer %s: %w", c.ID(), err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames:            map[string]string{"#id": attrID},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if storedKeys(ccf.Item).Primary == keys.Primary {
			return &Created{Customer: c}, nil
		}
		return s.replay(ctx, c.ID(), ccf.Item, keys, idem, now)
	}
	if err != nil {
		return nil, classify(fmt.Sprintf("put customer %s", c.ID()), err)
	}
	return &Created{Customer: c}, nil
}

// Created is the outcome of a registration.
type Created struct {
	Customer *customer.Customer // as stored
	Replayed bool               // an idempotent replay: the customer was there, its keys are new
}

// Idempotency is what a registration with an Idempotency-Key remembers with
// the customer: whose key it is and a digest of it, a digest of the body,
// and until when it holds.
type Idempotency struct {
	Service  string    `dynamodbav:"service"`
	KeyHash  string    `dynamodbav:"key"`
	BodyHash string    `dynamodbav:"body"`
	Expires  time.Time `dynamodbav:"expires,unixtime"`
}

// replay answers a registration whose customer exists. With the same
// service, key and body as the registration that created it, within its
// time, and the customer unchanged since (version 1), it issues the new keys
// with one conditional update, whose condition is all of that: the customer
// is as created, its ETag unmoved. Another body with the same key is
// ErrIdempotencyKeyReused; anything else is ErrExists, as without a key.
func (s *Store) replay(ctx context.Context, id string, stored map[string]types.AttributeValue, keys APIKeyHashes, idem *Idempotency, now time.Time) (*Created, error) {
	was, ok := readIdempotency(stored)
	if idem == nil || !ok || was.Service != idem.Service || was.KeyHash != idem.KeyHash || !now.Before(was.Expires) {
		return nil, ErrExists
	}
	if was.BodyHash != idem.BodyHash {
		return nil, ErrIdempotencyKeyReused
	}
	c, err := decodeItem(stored)
	if err != nil {
		return nil, err
	}
	if c.Version != 1 {
		return nil, ErrExists
	}
	newKeys, err := keysValue(keys)
	if err != nil {
		return nil, fmt.Errorf("reissue the keys of customer %s: %w", id, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        aws.String(s.table),
		Key:              key(id),
		UpdateExpression: aws.String("SET #keys = :keys"),
		ConditionExpression: aws.String("#version = :one AND #idem.#service = :service AND #idem.#key = :key AND " +
			"#idem.#body = :body AND #idem.#expires > :now"),
		ExpressionAttributeNames: map[string]string{"#keys": attrAPIKeys, "#version": attrVersion, "#idem": attrIdempotency,
			"#service": "service", "#key": "key", "#body": "body", "#expires": "expires"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":keys": newKeys, ":one": num(1), ":service": str(idem.Service), ":key": str(idem.KeyHash),
			":body": str(idem.BodyHash), ":now": num(now.Unix()),
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return nil, ErrExists // changed, or its key expired, since it was read
	}
	if err != nil {
		return nil, classify(fmt.Sprintf("reissue the keys of customer %s", id), err)
	}
	return &Created{Customer: c, Replayed: true}, nil
}

// RegenerateKey replaces one of a customer's API key hashes with one
// conditional update, which neither reads first nor moves the customer's
// version; ErrNotFound when there is no such customer.
func (s *Store) RegenerateKey(ctx context.Context, id string, name KeyName, hash string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(id),
		UpdateExpression:          aws.String("SET #keys.#name = :hash"),
		ConditionExpression:       aws.String("attribute_exists(#id)"),
		ExpressionAttributeNames:  map[string]string{"#keys": attrAPIKeys, "#name": string(name), "#id": attrID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":hash": str(hash)},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ErrNotFound
	}
	if err != nil {
		return classify(fmt.Sprintf("regenerate the %s key of customer %s", name, id), err)
	}
	return nil
}

// Update is the outcome of an update.
type Update struct {
	Customer *customer.Customer // as stored after the update
	Changes  []string           // dot paths of the leaves whose value changed
}

// Update applies a partial document to customer id in one conditional
// UpdateItem: Set leaves are set, Null leaves cleared, the rest untouched, so
// concurrent updates of different leaves all survive. ifMatch, when not nil,
// lists the versions the caller accepts (empty: none). The changes come from
// the item as it was just before this write, returned by the write itself.
func (s *Store) Update(ctx context.Context, id string, update customer.Document, ifMatch []int64, now time.Time) (*Update, error) {
	ex, err := updateExpression(id, update, ifMatch, now)
	if err != nil {
		return nil, fmt.Errorf("update customer %s: %w", id, err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           aws.String(s.table),
		Key:                                 key(id),
		UpdateExpression:                    ex.update,
		ConditionExpression:                 ex.condition,
		ExpressionAttributeNames:            ex.names,
		ExpressionAttributeValues:           ex.values,
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// The item that failed the condition comes with the failure: with
		// none, the customer is missing; with one, If-Match named another
		// version.
		if len(ccf.Item) > 0 {
			return nil, ErrPreconditionFailed
		}
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, classify(fmt.Sprintf("update customer %s", id), err)
	}
	before, err := decodeItem(out.Attributes)
	if err != nil {
		return nil, err
	}
	merged, changes := customer.Merge(before.Fields, update)
	after := *before
	after.Fields = merged
	after.Version = before.Version + 1
	after.UpdatedAt = now
	return &Update{Customer: &after, Changes: changes}, nil
}

// Get reads one customer; ErrNotFound when there is none. The read is
// strongly consistent, so a client sees its own writes and current ETags.
func (s *Store) Get(ctx context.Context, id string) (*customer.Customer, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, classify(fmt.Sprintf("get customer %s", id), err)
	}
	if len(out.Item) == 0 {
		return nil, ErrNotFound
	}
	return decodeItem(out.Item)
}

// Cursor is where a listing goes on: the shard of the status index (0 when
// scanning the table) and DynamoDB's LastEvaluatedKey, whose attributes are
// all strings here.
type Cursor struct {
	Shard int
	Key   map[string]string
}

// Page is one page of a listing; Next is nil on the last page.
type Page struct {
	Customers []*customer.Customer
	Next      *Cursor
}

// List reads one page of at most limit customers, all of them or those with
// status, starting at cursor (nil for the first page). It makes one DynamoDB
// request: with a status it reads one shard of the status index, and a page
// may be short, even empty, while Next is set.
func (s *Store) List(ctx context.Context, status string, limit int, cursor *Cursor) (*Page, error) {
	if cursor == nil {
		cursor = &Cursor{}
	}
	if status != "" && (cursor.Shard < 0 || cursor.Shard >= StatusShards) {
		return nil, fmt.Errorf("list customers: cursor shard %d out of range", cursor.Shard)
	}
	var start map[string]types.AttributeValue
	if len(cursor.Key) > 0 {
		start = make(map[string]types.AttributeValue, len(cursor.Key))
		for k, v := range cursor.Key {
			start[k] = str(v)
		}
	}
	var (
		items []map[string]types.AttributeValue
		last  map[string]types.AttributeValue
	)
	if status == "" {
		out, err := s.db.Scan(ctx, &dynamodb.ScanInput{
			TableName: aws.String(s.table), Limit: aws.Int32(int32(limit)), ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, classify("scan customers", err)
		}
		items, last = out.Items, out.LastEvaluatedKey
	} else {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(s.table), IndexName: aws.String(s.index),
			KeyConditionExpression:    aws.String("#shard = :shard"),
			ExpressionAttributeNames:  map[string]string{"#shard": attrStatusShard},
			ExpressionAttributeValues: map[string]types.AttributeValue{":shard": str(statusShardKey(status, cursor.Shard))},
			Limit:                     aws.Int32(int32(limit)), ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, classify(fmt.Sprintf("query customers with status %s", status), err)
		}
		items, last = out.Items, out.LastEvaluatedKey
	}
	page := &Page{Customers: make([]*customer.Customer, 0, len(items))}
	for _, item := range items {
		c, err := decodeItem(item)
		if err != nil {
			return nil, err
		}
		page.Customers = append(page.Customers, c)
	}
	// With no LastEvaluatedKey the shard is read to its end.
	switch {
	case len(last) > 0:
		next := &Cursor{Shard: cursor.Shard, Key: make(map[string]string, len(last))}
		for k, v := range last {
			sv, ok := v.(*types.AttributeValueMemberS)
			if !ok {
				return nil, fmt.Errorf("list customers: LastEvaluatedKey %s is %T, not a string", k, v)
			}
			next.Key[k] = sv.Value
		}
		page.Next = next
	case status != "" && cursor.Shard+1 < StatusShards:
		page.Next = &Cursor{Shard: cursor.Shard + 1}
	}
	return page, nil
}

// MaxExistsIDs is how many ids one existence check takes: BatchGetItem's limit.
const MaxExistsIDs = 100

// Missing returns those of ids (at most MaxExistsIDs, no duplicates) that are
// not stored, in the order given. It reads only the keys, with one
// BatchGetItem, retrying the keys DynamoDB leaves unprocessed.
func (s *Store) Missing(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) > MaxExistsIDs {
		return nil, fmt.Errorf("check %d customers: at most %d at once", len(ids), MaxExistsIDs)
	}
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(id)
	}
	request := map[string]types.KeysAndAttributes{s.table: {
		Keys:           keys,
		ConsistentRead: aws.Bool(true), // a customer just registered exists

		ProjectionExpression:     aws.String("#id"),
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	}}
	found := make(map[string]bool, len(ids))
	for attempt := 0; ; attempt++ {
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
		if err != nil {
			return nil, classify(fmt.Sprintf("check %d customers", len(ids)), err)
		}
		for _, item := range out.Responses[s.table] {
			if id, ok := item[attrID].(*types.AttributeValueMemberS); ok {
				found[id.Value] = true
			}
		}
		if len(out.UnprocessedKeys[s.table].Keys) == 0 {
			break
		}
		if attempt == unprocessedRetries {
			return nil, fmt.Errorf("check %d customers: keys still unprocessed after %d retries: %w",
				len(ids), attempt, apierror.ErrUnavailable)
		}
		request = out.UnprocessedKeys
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("check %d customers: %w: %w", len(ids), ctx.Err(), apierror.ErrUnavailable)
		case <-time.After(backoff(attempt)):
		}
	}
	var missing []string
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// unprocessedRetries bounds the retries of unprocessed keys; with backoff
// they wait at most about 1.3 s, well inside the function's timeout.
const unprocessedRetries = 6

func backoff(attempt int) time.Duration {
	return time.Duration(20<<attempt) * time.Millisecond
}

func key(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrID: str(id)}
}

// classify wraps a DynamoDB error with what was being done, marking the
// throttled and unreachable ones (after the SDK's retries) as unavailable.
func classify(doing string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("%s: %w: %w", doing, err, apierror.ErrUnavailable)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

func unavailable(err error) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
			"InternalServerError", "ServiceUnavailable", "LimitExceededException":
			return true
		}
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 500 {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded)
}
