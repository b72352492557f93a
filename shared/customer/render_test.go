package customer

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// appendJSON and marshalJSON, the library version make bench measures it
// against, say the same thing: every value, escaped or not, in any order.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	full := Document{}
	for i, f := range Fields {
		switch f.Kind {
		case KindInteger:
			full.Set(Index(i), Integer(365))
		case KindNumber:
			full.Set(Index(i), Number(-89.6501))
		case KindBoolean:
			full.Set(Index(i), Boolean(true))
		default:
			full.Set(Index(i), String(f.Path+` "<&>" \ é 日本 😀 `+"\x00\x1f\u2028"))
		}
	}
	sparse := Document{}
	sparse.Set(PostalCode, String("1"))
	sparse.Set(Longitude, Number(math.SmallestNonzeroFloat64))
	for name, doc := range map[string]Document{"every field": full, "sparse": sparse, "none": {}} {
		c := &Customer{Fields: doc, Limits: DefaultLimits, CreatedAt: time.Unix(1700000000, 0), UpdatedAt: time.Unix(1700000001, 0), Version: 3}
		var ours, library any
		if err := json.Unmarshal(c.appendJSON(nil), &ours); err != nil {
			t.Fatalf("%s: appendJSON: %v", name, err)
		}
		if err := json.Unmarshal(c.marshalJSON(nil), &library); err != nil {
			t.Fatalf("%s: marshalJSON: %v", name, err)
		}
		if !reflect.DeepEqual(ours, library) {
			t.Errorf("%s:\nappendJSON  %v\nmarshalJSON %v", name, ours, library)
		}
	}
}
