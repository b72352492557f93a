package samtemplate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/settings"
)

const root = "../.."

func code() []samtemplate.Code {
	var cs []samtemplate.Code
	for _, f := range functions.All {
		cs = append(cs, samtemplate.Code{ID: f.ID, Main: f.Main(), Pattern: f.Route, Env: settings.Env(f.Needs)})
	}
	return cs
}

func TestTemplateMatchesCode(t *testing.T) {
	fns, err := samtemplate.Read(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) != len(functions.All) {
		t.Errorf("template has %d functions, code %d", len(fns), len(functions.All))
	}
	for _, err := range samtemplate.Check(fns, code(), root) {
		t.Error(err)
	}
}

// The check must fail on each kind of drift: a changed route, a wildcard
// grant, a missing variable, missing or broken code.
func TestCheckCatchesDrift(t *testing.T) {
	for _, c := range []struct {
		name      string
		in        string // the file edited: template.yaml unless given
		old, new  string // its edit
		editCode  func([]samtemplate.Code)
		wantError string
	}{
		{name: "route path", old: `Path: "/xcloud/v1/customers"}`, new: `Path: "/xcloud/v1/customer"}`, wantError: "the template routes"},
		{name: "route method", old: "Method: HEAD", new: "Method: GET", wantError: "the template routes"},
		{name: "wildcard action", old: "dynamodb:PutItem", new: "dynamodb:*", wantError: `grants "dynamodb:*"`},
		{name: "wildcard resource", old: "Resource: !GetAtt CustomersTable.Arn", new: "Resource: \"*\"", wantError: `grants "*"`},
		{name: "missing variable", old: "LIMIT_MAX_USERS:", new: "LIMIT_MAX_USERZ:", wantError: "reads LIMIT_MAX_USERS"},
		{name: "missing global variable", old: "TABLE_NAME:", new: "TABLE:", wantError: "reads TABLE_NAME"},
		{name: "reserved concurrency missing", old: "      ReservedConcurrentExecutions: !If [ReserveList, !Ref ListReservedConcurrency, !Ref AWS::NoValue]\n", new: "", wantError: "ListFunction: ReservedConcurrentExecutions"},
		{name: "reserved concurrency shared", old: "!If [ReserveGet, !Ref GetReservedConcurrency,", new: "!If [ReserveList, !Ref ListReservedConcurrency,", wantError: "GetFunction: ReservedConcurrentExecutions"},
		{name: "reserved concurrency condition", old: "ReserveExists: !Not [!Equals [!Ref ExistsReservedConcurrency, -1]]", new: "ReserveExists: !Not [!Equals [!Ref ExistsReservedConcurrency, 0]]", wantError: "ExistsFunction: ReservedConcurrentExecutions"},
		{name: "stream function without its mapping", in: "events.yaml", old: "FunctionName: !Ref EventsFunction", new: "FunctionName: !Ref Other", wantError: "EventsFunction: fed by the stream"},
		{name: "wildcard grant in a nested template", in: "events.yaml", old: `Action: "events:PutEvents", Resource: !GetAtt EventBus.Arn`, new: `Action: "events:PutEvents", Resource: "*"`, wantError: `EventsFunction: policy statement grants "*"`},
		{name: "no alias", old: "    AutoPublishAlias: live\n", new: "", wantError: "GetFunction: AutoPublishAlias"},
		{name: "no rollback alarms in a nested template", in: "events.yaml", old: "        Alarms: [", new: "        Other: [", wantError: "EventsFunction: AutoPublishAlias"},
		{name: "code folder missing", editCode: func(cs []samtemplate.Code) { cs[0].Main = "./functions/nowhere/bootstrap" }, wantError: "code folder"},
		{name: "code does not build", editCode: func(cs []samtemplate.Code) { cs[1].Main = "./internal/samtemplate/testdata/broken" }, wantError: "does not build"},
		{name: "function missing from the code", editCode: func(cs []samtemplate.Code) { cs[2].ID = "OtherFunction" }, wantError: "in the template but not in the code"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The template and the nested ones beside it, one of them edited.
			dir := t.TempDir()
			edited := c.in
			if edited == "" {
				edited = "template.yaml"
			}
			for _, name := range []string{"template.yaml", "events.yaml", "monitoring.yaml"} {
				b, err := os.ReadFile(filepath.Join(root, name))
				if err != nil {
					t.Fatal(err)
				}
				text := string(b)
				if name == edited && c.old != "" {
					if !strings.Contains(text, c.old) {
						t.Fatalf("%s has no %q to edit", name, c.old)
					}
					text = strings.Replace(text, c.old, c.new, 1)
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			fns, err := samtemplate.Read(filepath.Join(dir, "template.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			cs := code()
			if c.editCode != nil {
				c.editCode(cs)
			}
			errs := samtemplate.Check(fns, cs, root)
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), c.wantError) {
				t.Errorf("check found %q, want an error containing %q", msgs, c.wantError)
			}
		})
	}
}

// The index a function is told to query is the table's, and it is granted
// Query on that index: the name stands three times in the template.
func TestStatusIndexIsTheTables(t *testing.T) {
	path := filepath.Join(root, "template.yaml")
	table, err := samtemplate.Table(path, "t")
	if err != nil {
		t.Fatal(err)
	}
	fns, err := samtemplate.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	used := false
	for id, fn := range fns {
		index, ok := fn.Env[settings.EnvStatusIndex]
		if !ok {
			continue
		}
		used = true
		found := false
		for _, g := range table.GlobalSecondaryIndexes {
			found = found || *g.IndexName == index
		}
		if !found {
			t.Errorf("%s: %s=%s is no index of %s", id, settings.EnvStatusIndex, index, samtemplate.TableID)
		}
		granted := false
		for _, st := range fn.Statements {
			for _, r := range st.Resources {
				granted = granted || strings.HasSuffix(r, "/index/"+index)
			}
		}
		if !granted {
			t.Errorf("%s: no grant on index %s", id, index)
		}
	}
	if !used {
		t.Errorf("no function reads %s", settings.EnvStatusIndex)
	}
}

// The hand-written template stays small enough to read at one sitting, with
// room for another endpoint (which takes at least what the smallest one
// does): what can be derived (alarms, dashboard) is generated elsewhere.
func TestTemplateIsLean(t *testing.T) {
	const limit = 15_000
	text, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(text) > limit {
		t.Fatalf("template.yaml is %d bytes; keep it at most %d", len(text), limit)
	}
	// What an endpoint adds: its function, reserved-concurrency parameter
	// and condition, and its line in the generated monitoring parameters.
	lines := strings.SplitAfter(string(text), "\n")
	smallest := limit
	for _, f := range functions.API() {
		name := strings.TrimSuffix(f.ID, "Function")
		added := 0
		for i, l := range lines {
			switch {
			case l == "  "+f.ID+":\n":
				for j := i; j < len(lines) && lines[j] != "\n"; j++ {
					added += len(lines[j])
				}
			case strings.HasPrefix(l, "  "+name+"ReservedConcurrency:"), strings.HasPrefix(l, "  Reserve"+name+":"),
				strings.HasPrefix(l, "        "+f.ID+": "):
				added += len(l)
			}
		}
		if added < 300 {
			t.Fatalf("found only %d bytes of %s in template.yaml", added, f.ID)
		}
		smallest = min(smallest, added)
	}
	if len(text)+smallest > limit {
		t.Errorf("template.yaml is %d bytes: another endpoint (at least %d bytes) would take it over %d", len(text), smallest, limit)
	}
}

// docs/DEPLOY.md's tables name each of the template's parameters, with its
// default, and each of its outputs, and only those.
func TestDeployDocumentsEveryParameterAndOutput(t *testing.T) {
	var tmpl struct {
		Parameters map[string]struct {
			Default any `yaml:"Default"`
		} `yaml:"Parameters"`
		Outputs map[string]any `yaml:"Outputs"`
	}
	text, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(text, &tmpl); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "DEPLOY.md"))
	if err != nil {
		t.Fatal(err)
	}
	// rows are the first cells' names, each with the second cell's value.
	rows := func(header string) map[string]string {
		_, table, found := strings.Cut(string(doc), header)
		if !found {
			t.Fatalf("docs/DEPLOY.md has no table %q", header)
		}
		table, _, _ = strings.Cut(table, "\n\n")
		named := map[string]string{}
		for _, row := range strings.Split(table, "\n") {
			cells := strings.Split(strings.Trim(row, "| "), " | ")
			if len(cells) < 2 || !strings.HasPrefix(cells[0], "`") {
				continue
			}
			names, values := strings.Split(cells[0], ", "), strings.Split(cells[1], ", ")
			for i, name := range names {
				named[strings.Trim(name, "`")] = ""
				if len(values) == len(names) {
					named[strings.Trim(name, "`")] = values[i]
				}
			}
		}
		return named
	}
	params := rows("| parameter | default | what |")
	for name, p := range tmpl.Parameters {
		key := name
		if strings.HasSuffix(name, "ReservedConcurrency") {
			key = "<Name>ReservedConcurrency"
		}
		documented, ok := params[key]
		want := fmt.Sprint(p.Default)
		if want == "" {
			want = "empty"
		}
		switch {
		case !ok:
			t.Errorf("parameter %s is not in docs/DEPLOY.md's table", name)
		case documented != "" && documented != want:
			t.Errorf("docs/DEPLOY.md gives parameter %s the default %s; template.yaml %s", name, documented, want)
		}
	}
	for name := range params {
		if _, ok := tmpl.Parameters[name]; !ok && name != "<Name>ReservedConcurrency" {
			t.Errorf("docs/DEPLOY.md's table names parameter %s, which template.yaml does not have", name)
		}
	}
	outputs := rows("| output | what |")
	for name := range tmpl.Outputs {
		if _, ok := outputs[name]; !ok {
			t.Errorf("output %s is not in docs/DEPLOY.md's table", name)
		}
	}
	for name := range outputs {
		if _, ok := tmpl.Outputs[name]; !ok {
			t.Errorf("docs/DEPLOY.md's table names output %s, which template.yaml does not have", name)
		}
	}
}
