package localapi_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/xcloud/customers/internal/permissions"
	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/deps"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/settings"
)

// recorder notes every AWS action each function performs in this package's
// tests: the end-to-end, hostile, fault and fixture suites.
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
// template.yaml, and every grant was used.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code != 0 || flag.Lookup("test.run").Value.String() != "" || testing.Short() {
		os.Exit(code)
	}
	fns, err := samtemplate.Read("../../template.yaml")
	if err != nil {
		fmt.Fprintln(os.Stderr, "permissions:", err)
		os.Exit(1)
	}
	if errs := permissions.Compare(recorder.Seen(), permissions.FromTemplate(fns)); len(errs) > 0 {
		for _, err := range errs {
			fmt.Fprintln(os.Stderr, "permissions:", err)
		}
		os.Exit(1)
	}
	os.Exit(code)
}
