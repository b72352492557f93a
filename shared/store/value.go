package store

import (
	"math"

	"github.com/xcloud/customers/shared/customer"
)

// leaf is a field's value as the Go value attributevalue marshals.
func leaf(v customer.Value) any {
	switch v.Kind {
	case customer.KindInteger:
		return v.Int
	case customer.KindNumber:
		// DynamoDB numbers stop at a magnitude of 1e-130; smaller ones (and
		// negative zero) are stored as the zero they round to.
		if math.Abs(v.Num) < 1e-130 {
			return 0.0
		}
		return v.Num
	case customer.KindBoolean:
		return v.Bool
	default:
		return v.Str
	}
}
