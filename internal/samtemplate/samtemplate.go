// Package samtemplate reads the functions of a SAM template and checks that the template and the code agree: every
// function's code exists and builds, its routes are the ones its handler
// serves, it is given every environment variable its code reads, and no
// policy grants "*".
package samtemplate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Route is an HttpApi event of a function.
type Route struct{ Method, Path string }

// Pattern is the route as a ServeMux pattern.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Statement is one statement of an inline policy.
type Statement struct {
	Effect    string
	Actions   []string
	Resources []string
}

// Function is a function as the template declares it, Globals merged in.
type Function struct {
	ID          string
	CodeURI     string
	BuildMethod string
	Runtime     string
	Handler     string
	Routes      []Route
	// Env holds the environment. A Ref to a parameter gives its default,
	// as sam local does; any other intrinsic function stays written as
	// "!Ref X", "!GetAtt X.Y", "!If [...]" or "!Sub ...".
	Env map[string]string
	// Statements are the inline policy statements; ManagedPolicies are
	// policies given by name or ARN.
	Statements      []Statement
	ManagedPolicies []string
	// Alias is its AutoPublishAlias, and Deployment its DeploymentPreference
	// Type (as written: "!Ref DeploymentType") and Alarms.
	Alias, Deployment string
	RollbackAlarms    []string
	// Streams are the event sources of its event source mappings (for a
	// function fed by the table's stream), as written: "!Ref StreamArn";
	// FailureDestinations where those mappings send failed batches.
	Streams, FailureDestinations []string
	// Template is the file that declares the function: template.yaml, or
	// the nested application it deploys ("events.yaml"), whose resource in
	// template.yaml is Application.
	Template    string
	Application string
	// ReservedConcurrencyParameter names the parameter that sets the
	// function's reserved concurrency, when its ReservedConcurrentExecutions
	// is that parameter under a condition that -1 means none.
	ReservedConcurrencyParameter string
}

// Read parses the functions of a SAM template. Intrinsic functions stay
// visible as "!Name argument" (for example "!Ref CustomersTable"), since the
// checks want to see what refers to what, not guess values.
func Read(path string) (map[string]*Function, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse template %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("parse template %s: empty", path)
	}
	tpl, _ := plain(doc.Content[0]).(map[string]any)
	globals := dig(tpl, "Globals", "Function")
	defaults := map[string]string{}
	for name, p := range dig(tpl, "Parameters") {
		if d, ok := p.(map[string]any)["Default"]; ok {
			defaults["!Ref "+name] = fmt.Sprint(d)
		}
	}
	resources, _ := tpl["Resources"].(map[string]any)
	documents := map[string]map[string]any{} // the template's own managed policies
	streams := map[string][]string{}         // event sources by function
	failures := map[string][]string{}        // their failure destinations
	for id, r := range resources {
		res, _ := r.(map[string]any)
		switch res["Type"] {
		case "AWS::IAM::ManagedPolicy":
			documents[id] = dig(res, "Properties", "PolicyDocument")
		case "AWS::Lambda::EventSourceMapping":
			props := dig(res, "Properties")
			fn, _ := strings.CutPrefix(fmt.Sprint(props["FunctionName"]), "!Ref ")
			fn = strings.TrimSuffix(fn, ".Alias") // the function's published alias
			streams[fn] = append(streams[fn], fmt.Sprint(props["EventSourceArn"]))
			if d, ok := dig(props, "DestinationConfig", "OnFailure")["Destination"]; ok {
				failures[fn] = append(failures[fn], fmt.Sprint(d))
			}
		}
	}
	out := map[string]*Function{}
	for id, r := range resources {
		res, _ := r.(map[string]any)
		if res["Type"] != "AWS::Serverless::Function" {
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		fn := &Function{ID: id, Env: map[string]string{}}
		for _, vars := range []any{dig(globals, "Environment", "Variables"), dig(props, "Environment", "Variables")} {
			m, _ := vars.(map[string]any)
			for k, v := range m {
				value := fmt.Sprint(v)
				if d, ok := defaults[value]; ok {
					value = d
				}
				fn.Env[k] = value
			}
		}
		fn.Runtime = firstString(props["Runtime"], globals["Runtime"])
		fn.Handler = firstString(props["Handler"], globals["Handler"])
		fn.CodeURI = firstString(props["CodeUri"], globals["CodeUri"])
		fn.Alias = firstString(props["AutoPublishAlias"], globals["AutoPublishAlias"])
		deploy := dig(props, "DeploymentPreference")
		if deploy == nil {
			deploy = dig(globals, "DeploymentPreference")
		}
		fn.Deployment, fn.RollbackAlarms = firstString(deploy["Type"]), strs(deploy["Alarms"])
		fn.BuildMethod = firstString(dig(res, "Metadata")["BuildMethod"])
		events, _ := props["Events"].(map[string]any)
		for name, e := range events {
			ev, _ := e.(map[string]any)
			if ev["Type"] != "HttpApi" {
				continue
			}
			method, path := firstString(dig(ev, "Properties")["Method"]), firstString(dig(ev, "Properties")["Path"])
			if method == "" || path == "" {
				return nil, fmt.Errorf("template %s: %s event %s needs a Method and a Path", path, id, name)
			}
			fn.Routes = append(fn.Routes, Route{Method: strings.ToUpper(method), Path: path})
		}
		slices.SortFunc(fn.Routes, func(a, b Route) int { return strings.Compare(a.Pattern(), b.Pattern()) })
		if err := fn.readPolicies(props["Policies"], documents); err != nil {
			return nil, fmt.Errorf("template %s: %s: %w", path, id, err)
		}
		fn.ReservedConcurrencyParameter = reservedParameter(props["ReservedConcurrentExecutions"], dig(tpl, "Parameters"), dig(tpl, "Conditions"))
		fn.Template = filepath.Base(path)
		fn.Streams, fn.FailureDestinations = streams[id], failures[id]
		out[id] = fn
	}
	// The functions of the nested applications the template deploys from
	// files beside it.
	for id, r := range resources {
		res, _ := r.(map[string]any)
		location, _ := dig(res, "Properties")["Location"].(string)
		if res["Type"] != "AWS::Serverless::Application" || location == "" || strings.Contains(location, "://") {
			continue
		}
		nested, err := Read(filepath.Join(filepath.Dir(path), location))
		if err != nil {
			return nil, fmt.Errorf("template %s: %s: %w", path, id, err)
		}
		for nid, fn := range nested {
			fn.Application = id
			if _, dup := out[nid]; dup {
				return nil, fmt.Errorf("template %s: function %s is declared twice", path, nid)
			}
			out[nid] = fn
		}
	}
	return out, nil
}

// reservedParameter returns P when v is !If [C, !Ref P, !Ref AWS::NoValue],
// P a parameter and C the condition !Not [!Equals [!Ref P, -1]].
func reservedParameter(v any, params, conditions map[string]any) string {
	s, _ := v.(string)
	var args []string
	if !strings.HasPrefix(s, "!If ") || json.Unmarshal([]byte(strings.TrimPrefix(s, "!If ")), &args) != nil || len(args) != 3 {
		return ""
	}
	p, ok := strings.CutPrefix(args[1], "!Ref ")
	if _, isParam := params[p]; !ok || !isParam || args[2] != "!Ref AWS::NoValue" {
		return ""
	}
	if conditions[args[0]] != `!Not ["!Equals [\"!Ref `+p+`\",\"-1\"]"]` {
		return ""
	}
	return p
}

// plain turns YAML into maps, lists and scalars; a tagged node (!Ref X) or
// a long-form intrinsic ({"Fn::GetAtt": [...]}) becomes the string "!Name arg".
func plain(n *yaml.Node) any {
	if n.Kind == yaml.AliasNode {
		return plain(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return n.Tag + " " + flat(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		if len(n.Content) == 2 && (n.Content[0].Value == "Ref" || strings.HasPrefix(n.Content[0].Value, "Fn::")) {
			return "!" + strings.TrimPrefix(n.Content[0].Value, "Fn::") + " " + flat(n.Content[1])
		}
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = plain(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		for i, c := range n.Content {
			l[i] = plain(c)
		}
		return l
	default:
		return n.Value
	}
}

// flat writes a node on one line.
func flat(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	b, _ := json.Marshal(plainUntagged(n))
	return string(b)
}

func plainUntagged(n *yaml.Node) any {
	c := *n
	c.Tag = ""
	return plain(&c)
}

func dig(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m, _ = m[k].(map[string]any)
	}
	return m
}

func firstString(vs ...any) string {
	for _, v := range vs {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// readPolicies reads Policies: managed policy names, and policy documents
// (one, or a list) whose statements are checked. A Ref to a managed policy
// of the template (documents) counts as that policy's statements.
func (fn *Function) readPolicies(p any, documents map[string]map[string]any) error {
	var items []any
	switch p := p.(type) {
	case nil:
		return nil
	case []any:
		items = p
	default:
		items = []any{p}
	}
	for _, item := range items {
		if name, ok := strings.CutPrefix(fmt.Sprint(item), "!Ref "); ok && documents[name] != nil {
			item = documents[name]
		}
		switch item := item.(type) {
		case string:
			fn.ManagedPolicies = append(fn.ManagedPolicies, item)
		case map[string]any:
			statements, ok := item["Statement"].([]any)
			if !ok {
				return fmt.Errorf("policy %v is neither a name nor a document with statements (SAM policy templates are not checked)", item)
			}
			for _, raw := range statements {
				m, ok := raw.(map[string]any)
				if !ok {
					return fmt.Errorf("policy statement %v is not an object", raw)
				}
				if m["NotAction"] != nil || m["NotResource"] != nil {
					return fmt.Errorf("NotAction and NotResource are not allowed: they grant everything else")
				}
				fn.Statements = append(fn.Statements, Statement{
					Effect: fmt.Sprint(m["Effect"]), Actions: strs(m["Action"]), Resources: strs(m["Resource"]),
				})
			}
		default:
			return fmt.Errorf("policy %v is not understood", item)
		}
	}
	return nil
}

// strs reads a policy element that is one string or a list of them.
func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case nil:
		return nil
	default:
		return []string{fmt.Sprint(v)}
	}
}
