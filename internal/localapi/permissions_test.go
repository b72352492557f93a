package localapi_test

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/xcloud/customers/internal/permissions"
	"github.com/xcloud/customers/shared/deps"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/settings"
)

// recorder notes every AWS action each function performs in this package's
// tests: the end-to-end, hostile and fault suites, and the fixtures through
// the handlers in this process (the built functions' run of them records
// its own, in internal/localinvoke).
var recorder = permissions.NewRecorder()

// recorded are the local API's options that put the recorder on each
// function's clients.
func recorded(f function.Function, s settings.Settings) deps.Options {
	var o deps.Options
	o.APIOptions = append(o.APIOptions, recorder.For(f.ID, s))
	return o
}

// TestMain runs the package's tests, then, when all of them ran, fails
// unless every action each function performed is granted by its policy in
// template.yaml, and every grant was used; and unless that check, on this
// same recording, reports a grant taken out of the template and one added.
//
// The fixture suite (internal/localinvoke) runs the built functions in its
// own test process, which `go test ./...` may run at the same time as this
// one: it checks its own recording for grants missing. Grants unused are
// checked here alone, over this process's recording, which must therefore
// use every grant by itself: more than the union of the suites asks, never
// less.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code != 0 || flag.Lookup("test.run").Value.String() != "" || testing.Short() {
		os.Exit(code)
	}
	errs := checkGrants(recorder.Seen())
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, "permissions:", err)
	}
	if len(errs) > 0 {
		os.Exit(1)
	}
	os.Exit(code)
}

// checkGrants compares what was seen with the template's grants, then with
// the template edited: RegisterFunction's UpdateItem (an idempotent replay's
// new keys) taken out, a DeleteItem given to ExistsFunction. The comparison
// must report exactly those two.
func checkGrants(seen permissions.Grants) []error {
	granted, err := permissions.TemplateGrants("../..")
	if err != nil {
		return []error{err}
	}
	if errs := permissions.Compare(seen, granted); len(errs) > 0 {
		return errs
	}
	edited, err := permissions.TemplateGrants("../..",
		`Action: ["dynamodb:PutItem", "dynamodb:UpdateItem"]`, `Action: ["dynamodb:PutItem"]`,
		`Action: "dynamodb:BatchGetItem"`, `Action: ["dynamodb:BatchGetItem", "dynamodb:DeleteItem"]`)
	if err != nil {
		return []error{err}
	}
	var got []string
	for _, err := range permissions.Compare(seen, edited) {
		got = append(got, err.Error())
	}
	want := []string{
		"RegisterFunction performs dynamodb:UpdateItem on table, which its policy in template.yaml does not grant",
		"ExistsFunction is granted dynamodb:DeleteItem on table in template.yaml, which no test saw it use",
	}
	if !slices.Equal(got, want) {
		return []error{fmt.Errorf("with a grant taken out of template.yaml and one added, the check reports:\n%s\nwant:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"))}
	}
	return nil
}
