package functions_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/xcloud/customers/functions"
)

// The wiring: reading the environment, building the AWS configuration and
// the dependencies, running under Lambda. Only a function's bootstrap main
// links it; its handler package is built from what it is given.
var wiring = []string{
	"github.com/xcloud/customers/shared/settings",
	"github.com/xcloud/customers/shared/awsclient",
	"github.com/xcloud/customers/shared/deps",
	"github.com/xcloud/customers/shared/lambdamain",
	"github.com/aws/aws-sdk-go-v2/config",
}

func TestHandlersDoNotLinkTheWiring(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	for _, f := range functions.All {
		pkg := "github.com/xcloud/customers/functions/" + f.Package()
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, w := range wiring {
			for _, d := range deps {
				if d == w {
					t.Errorf("%s links %s", pkg, w)
				}
			}
		}
	}
	// The check sees the wiring where it is: in a main.
	out, err := exec.Command("go", "list", "-deps", "github.com/xcloud/customers/functions/get/bootstrap").Output()
	if err != nil || !strings.Contains(string(out), wiring[0]+"\n") {
		t.Errorf("go list -deps of a bootstrap does not name %s (%v)", wiring[0], err)
	}
}
