package samtemplate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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

// The hand-written template stays small enough to read at one sitting;
// what can be derived (alarms, dashboard) is generated elsewhere.
func TestTemplateIsLean(t *testing.T) {
	const limit = 15_000
	info, err := os.Stat(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > limit {
		t.Errorf("template.yaml is %d bytes; keep it at most %d", info.Size(), limit)
	}
}
