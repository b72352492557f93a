//go:build !library_expression

package store

import (
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/xcloud/customers/shared/customer"
)

// The update expression written by hand, from placeholder tables; a build
// with -tags library_expression uses the SDK's expression builder instead,
// so make bench can measure this against it.

// updateExpression is Update's UpdateItem expression: Set leaves set, Null
// leaves removed, the status shard following the status, updatedAt and the
// version moved, on the condition that the customer exists (and, with
// ifMatch, has one of those versions).
func updateExpression(id string, update customer.Document, ifMatch []int64, now time.Time) (*expression, error) {
	ex := newExpression()
	var expr strings.Builder
	expr.Grow(512)
	set := func(path, value string) {
		if expr.Len() == 0 {
			expr.WriteString("SET ")
		} else {
			expr.WriteString(", ")
		}
		expr.WriteString(path)
		expr.WriteString(" = ")
		expr.WriteString(value)
	}
	var remove []string
	for i := range customer.Fields {
		switch update[i].State {
		case customer.Set:
			set(ex.field(i), ex.value(attributeValue(update[i].Value)))
		case customer.Null:
			remove = append(remove, ex.field(i))
		}
	}
	if update[customer.Status].State == customer.Set {
		set(ex.name(attrStatusShard), ex.value(str(statusShard(id, update.Str(customer.Status)))))
	}
	ver := ex.name(attrVersion)
	set(ex.name(attrUpdatedAt), ex.value(str(customer.Timestamp(now))))
	set(ver, ver+" + "+ex.value(one))
	if len(remove) > 0 {
		expr.WriteString(" REMOVE ")
		expr.WriteString(strings.Join(remove, ", "))
	}
	cond := "attribute_exists(" + ex.name(attrID) + ")"
	if ifMatch != nil {
		if len(ifMatch) == 0 {
			ifMatch = []int64{0} // versions start at 1: matches nothing
		}
		vals := make([]string, len(ifMatch))
		for i, v := range ifMatch {
			vals[i] = ex.value(num(v))
		}
		cond += " AND " + ver + " IN (" + strings.Join(vals, ", ") + ")"
	}
	ex.update, ex.condition = aws.String(expr.String()), aws.String(cond)
	return ex, nil
}

// expression collects the placeholders of an update expression. Every
// attribute name has a fixed placeholder, and values are numbered, from
// tables built once, so an update spends no allocation on placeholder text.
type expression struct {
	update, condition *string
	names             map[string]string // placeholder -> attribute name
	values            map[string]types.AttributeValue
}

func newExpression() *expression {
	return &expression{
		names:  make(map[string]string, len(namePlaceholders)),
		values: make(map[string]types.AttributeValue, len(customer.Fields)+4),
	}
}

// namePlaceholders holds a placeholder for every attribute name an update
// can touch: each segment of each field's path and the item's own
// attributes. fieldPaths is each field's path in placeholders.
var namePlaceholders, fieldPaths = func() (map[string]string, []string) {
	names := map[string]string{}
	add := func(n string) string {
		if p, ok := names[n]; ok {
			return p
		}
		p := "#n" + strconv.Itoa(len(names))
		names[n] = p
		return p
	}
	for _, n := range []string{attrID, attrStatusShard, attrUpdatedAt, attrVersion} {
		add(n)
	}
	paths := make([]string, len(customer.Fields))
	for i, f := range customer.Fields {
		parts := make([]string, len(f.Segments))
		for j, seg := range f.Segments {
			parts[j] = add(seg)
		}
		paths[i] = strings.Join(parts, ".")
	}
	return names, paths
}()

// valuePlaceholders are the first value placeholders, enough for an update
// of every field with a short If-Match list.
var valuePlaceholders = func() []string {
	ps := make([]string, len(customer.Fields)+16)
	for i := range ps {
		ps[i] = ":v" + strconv.Itoa(i)
	}
	return ps
}()

// name returns the placeholder of an attribute name; every name goes through
// one, since many (status, location, name) are reserved words.
func (e *expression) name(n string) string {
	p, ok := namePlaceholders[n]
	if !ok {
		panic("store: no placeholder for attribute " + n) // a programming error, caught by every update test
	}
	e.names[p] = n
	return p
}

// field returns the placeholder path of field i.
func (e *expression) field(i int) string {
	for _, seg := range customer.Fields[i].Segments {
		e.name(seg)
	}
	return fieldPaths[i]
}

func (e *expression) value(v types.AttributeValue) string {
	var p string
	if n := len(e.values); n < len(valuePlaceholders) {
		p = valuePlaceholders[n]
	} else {
		p = ":v" + strconv.Itoa(n)
	}
	e.values[p] = v
	return p
}
