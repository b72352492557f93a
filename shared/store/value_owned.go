//go:build !library_item || !library_expression

package store

import (
	"math"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/customer"
)

func attributeValue(v customer.Value) types.AttributeValue {
	switch v.Kind {
	case customer.KindInteger:
		return num(v.Int)
	case customer.KindNumber:
		f := v.Num
		// DynamoDB numbers stop at a magnitude of 1e-130; smaller ones (and
		// negative zero) are stored as the zero they round to.
		if math.Abs(f) < 1e-130 {
			f = 0
		}
		return &types.AttributeValueMemberN{Value: strconv.FormatFloat(f, 'f', -1, 64)}
	case customer.KindBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Bool}
	default:
		return str(v.Str)
	}
}
