// Package eventschema validates change events against the JSON Schemas of
// schemas/events/, one per detail type, which consumers of the bus use too.
// The schemas take the customer's shapes from openapi/openapi.yaml, so that
// each is written once.
package eventschema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/xcloud/customers/internal/openapicheck"
	"github.com/xcloud/customers/shared/changeevent"
)

// Files names the schema of each detail type, in schemas/events/.
var Files = map[string]string{
	changeevent.Registered:     "customer-registered.json",
	changeevent.Updated:        "customer-updated.json",
	changeevent.StatusChanged:  "customer-status-changed.json",
	changeevent.KeyRegenerated: "customer-api-key-regenerated.json",
}

// Schemas are the compiled schemas, by detail type.
type Schemas map[string]*jsonschema.Schema

// Load compiles the schemas of the repository at root.
func Load(root string) (Schemas, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(loader{})
	c.AssertFormat()
	out := Schemas{}
	for detailType, file := range Files {
		path, err := filepath.Abs(filepath.Join(root, "schemas", "events", file))
		if err != nil {
			return nil, err
		}
		s, err := c.Compile("file://" + filepath.ToSlash(path))
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", file, err)
		}
		out[detailType] = s
	}
	return out, nil
}

// Validate checks an EventBridge event (source, detail-type, detail) against
// the schema of its detail type.
func (s Schemas) Validate(event []byte) error {
	var head struct {
		DetailType string `json:"detail-type"`
	}
	if err := json.Unmarshal(event, &head); err != nil {
		return fmt.Errorf("event %.200s: %w", event, err)
	}
	schema, ok := s[head.DetailType]
	if !ok {
		return fmt.Errorf("no schema for detail type %q", head.DetailType)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(event)))
	if err != nil {
		return err
	}
	if err := schema.Validate(v); err != nil {
		return fmt.Errorf("%s: %w", head.DetailType, err)
	}
	return nil
}

// Envelope is an event as EventBridge delivers it, from its parts.
func Envelope(source, detailType string, detail []byte) []byte {
	b, _ := json.Marshal(map[string]any{"source": source, "detail-type": detailType, "detail": json.RawMessage(detail)})
	return b
}

// loader reads the schemas' files: JSON, and the OpenAPI description in
// YAML, whose ECMA-262 pattern escapes Go's regexp is given as it reads
// them (openapicheck.GoPattern).
type loader struct{}

func (loader) Load(url string) (any, error) {
	path, ok := strings.CutPrefix(url, "file://")
	if !ok {
		return nil, fmt.Errorf("schema %s: only files beside the schemas are read", url)
	}
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(path, ".yaml") {
		return jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	// Through JSON, for the library's number and map types.
	j, err := json.Marshal(goPatterns(doc))
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(strings.NewReader(string(j)))
}

func goPatterns(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && k == "pattern" {
				v[k] = openapicheck.GoPattern(s)
			} else {
				v[k] = goPatterns(e)
			}
		}
	case []any:
		for i, e := range v {
			v[i] = goPatterns(e)
		}
	}
	return v
}
