//go:build library_json

package customer

// AppendJSON appends the whole customer as JSON (never its API keys), with
// encoding/json: the library a build with -tags library_json puts back.
func (c *Customer) AppendJSON(b []byte) []byte { return c.marshalJSON(b) }
