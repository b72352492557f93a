package bench

import (
	"fmt"

	"github.com/xcloud/customers/functions/apikeys"
	"github.com/xcloud/customers/functions/events"
	"github.com/xcloud/customers/functions/exists"
	"github.com/xcloud/customers/functions/get"
	"github.com/xcloud/customers/functions/list"
	"github.com/xcloud/customers/functions/register"
	"github.com/xcloud/customers/functions/update"
	"github.com/xcloud/customers/shared/function"
)

// Table is the table name the measured functions use.
const Table = "bench-customers"

// Case is how the report measures one function: the fixture it is handed
// and the one DynamoDB call each request makes. Its idiomatic baseline is
// the operation of ./idiomatic named after the function's package
// (Operation).
type Case struct {
	Function function.Function
	// Event is the fixture in events/: a signed payload 2.0 request, or,
	// for a function fed by the stream, a stream record, handed as a batch
	// of one (Batch).
	Event    string
	DynamoOp string // "" for none (a function fed by the stream)
}

// Cases are the functions, each with the typical customer; every function
// of functions.All has one (TestEveryFunctionHasACase).
var Cases = []Case{
	{register.Function, "register.json", "PutItem"},
	{update.Function, "update.json", "UpdateItem"},
	{get.Function, "get.json", "GetItem"},
	{list.Function, "list.json", "Query"},
	{exists.Function, "exists.json", "BatchGetItem"},
	{apikeys.Function, "apikeys.json", "UpdateItem"},
	{events.Function, "stream-update.json", ""},
}

// ID is the function's logical id.
func (c Case) ID() string { return c.Function.ID }

// Operation is the idiomatic baseline's IDIOMATIC_OPERATION for the case:
// the function's package name.
func (c Case) Operation() string { return c.Function.Package() }

// Stream reports whether the function is fed by the table's stream.
func (c Case) Stream() bool { return !c.Function.HTTP() }

// Batch is the stream batch a function fed by the stream is measured on:
// one record, the batch a table written a customer at a time gives it (at
// higher rates the batch window gathers more: LargeBatch).
const Batch = 1

// LargeBatch is the largest batch events.yaml's event source mapping hands
// the publisher (its BatchSize default), measured besides.
const LargeBatch = 100

// CaseOf returns the case of function id.
func CaseOf(id string) (Case, error) {
	for _, c := range Cases {
		if c.ID() == id {
			return c, nil
		}
	}
	return Case{}, fmt.Errorf("bench: no case for function %s", id)
}

// Piece is code of ours that does work a library would do, kept only while
// it saves at least 5% of the figure it exists for. Building with Tag puts
// the library back, so make bench can measure the piece on and off.
type Piece struct {
	Name     string
	Tag      string            // build tag that swaps in the library
	Function function.Function // the function it is measured on
	Figure   string            // "cold start" or "warm CPU"
}

// Owned lists the pieces; docs/PERFORMANCE.md says what each saves.
var Owned = []Piece{
	{"aws.Config from Lambda's environment", "library_awsconfig", get.Function, "cold start"},
	{"DynamoDB item by hand", "library_item", list.Function, "warm CPU"},
}
