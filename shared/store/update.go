package store

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/customer"
)

// updateExpression is Update's UpdateItem expression, built with the SDK's
// expression builder: Set leaves set, Null leaves removed, the status shard
// following the status, updatedAt and the version moved, on the condition
// that the customer exists (and, with ifMatch, has one of those versions).
func updateExpression(id string, update customer.Document, ifMatch []int64, now time.Time) (*updateParts, error) {
	var set expression.UpdateBuilder
	for i, f := range customer.Fields {
		// Name splits the path at dots: each segment gets a placeholder, since
		// many (status, location, name) are reserved words.
		switch update[i].State {
		case customer.Set:
			set = set.Set(expression.Name(f.Path), expression.Value(leaf(update[i].Value)))
		case customer.Null:
			set = set.Remove(expression.Name(f.Path))
		}
	}
	if update[customer.Status].State == customer.Set {
		set = set.Set(expression.Name(attrStatusShard), expression.Value(statusShard(id, update.Str(customer.Status))))
	}
	version := expression.Name(attrVersion)
	set = set.Set(expression.Name(attrUpdatedAt), expression.Value(customer.Timestamp(now))).
		Set(version, version.Plus(expression.Value(1)))
	cond := expression.AttributeExists(expression.Name(attrID))
	if ifMatch != nil {
		if len(ifMatch) == 0 {
			ifMatch = []int64{0} // versions start at 1: matches nothing
		}
		vals := make([]expression.OperandBuilder, len(ifMatch))
		for i, v := range ifMatch {
			vals[i] = expression.Value(v)
		}
		cond = cond.And(version.In(vals[0], vals[1:]...))
	}
	ex, err := expression.NewBuilder().WithUpdate(set).WithCondition(cond).Build()
	if err != nil {
		return nil, err
	}
	return &updateParts{ex.Update(), ex.Condition(), ex.Names(), ex.Values()}, nil
}

type updateParts struct {
	update, condition *string
	names             map[string]string
	values            map[string]types.AttributeValue
}
