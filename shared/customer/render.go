//go:build !library_json

package customer

// AppendJSON appends the whole customer as JSON (never its API keys).
func (c *Customer) AppendJSON(b []byte) []byte { return c.appendJSON(b) }
