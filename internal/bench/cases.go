package bench

import "fmt"

// Table is the table name the measured functions use.
const Table = "bench-customers"

// Case is how the report measures one function: the signed fixture it
// answers, the operation of the idiomatic baseline (./idiomatic) that does
// the same DynamoDB work, and the one DynamoDB call each request makes.
type Case struct {
	Function  string // logical id in template.yaml
	Event     string // fixture in events/
	Operation string // the baseline's IDIOMATIC_OPERATION
	DynamoOp  string
}

// Cases are the API's functions, each with the typical customer.
var Cases = []Case{
	{"RegisterFunction", "register.json", "register", "PutItem"},
	{"UpdateFunction", "update.json", "update", "UpdateItem"},
	{"GetFunction", "get.json", "get", "GetItem"},
	{"ListFunction", "list.json", "list", "Query"},
	{"ExistsFunction", "exists.json", "exists", "BatchGetItem"},
	{"ApiKeysFunction", "apikeys.json", "apikeys", "UpdateItem"},
}

// StreamCase is how the report measures a function fed by the table's
// stream: batches of Sizes copies of the record of Record (events/), each
// copy another customer's.
type StreamCase struct {
	Function string
	Record   string
	Sizes    []int
}

// StreamCases are the functions fed by the stream.
var StreamCases = []StreamCase{{"EventsFunction", "stream-update.json", []int{1, 100}}}

// CaseOf returns the case of function id.
func CaseOf(id string) (Case, error) {
	for _, c := range Cases {
		if c.Function == id {
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
	Tag      string // build tag that swaps in the library
	Function string // the function it is measured on
	Figure   string // "cold start" or "warm CPU"
}

// Owned lists the pieces; docs/PERFORMANCE.md says what each saves.
var Owned = []Piece{
	{"aws.Config from Lambda's environment", "library_awsconfig", "GetFunction", "cold start"},
	{"customer JSON writer", "library_json", "ListFunction", "warm CPU"},
	{"DynamoDB item by hand", "library_item", "ListFunction", "warm CPU"},
	{"update expression by hand", "library_expression", "UpdateFunction", "warm CPU"},
}
