package samtemplate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Code is what the code says of one function: where its main package is,
// the route its handler serves and the variables it reads.
type Code struct {
	ID      string
	Main    string // package path from the repository root, "./functions/x/bootstrap"
	Pattern string
	Env     []string
}

// Check compares the template's functions with the code, in the repository
// at root, and returns every disagreement.
func Check(fns map[string]*Function, code []Code, root string) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, c := range code {
		fn, ok := fns[c.ID]
		if !ok {
			fail("%s: in the code but not in the template", c.ID)
			continue
		}
		if fn.CodeURI != "." || fn.BuildMethod != "makefile" {
			fail("%s: CodeUri %q and BuildMethod %q; want \".\" and makefile (one Go module at the root)", c.ID, fn.CodeURI, fn.BuildMethod)
		}
		if fn.Runtime != "provided.al2023" || fn.Handler != "bootstrap" {
			fail("%s: runtime %q, handler %q; want provided.al2023 and bootstrap", c.ID, fn.Runtime, fn.Handler)
		}
		if built, err := makeBuilds(root, c.ID); err != nil || !strings.Contains(built, " "+c.Main+"\n") {
			fail("%s: make build-%s does not build the code's main %s: %v\n%s", c.ID, c.ID, c.Main, err, built)
		}
		var patterns []string
		for _, r := range fn.Routes {
			patterns = append(patterns, r.Pattern())
		}
		switch {
		case c.Pattern == "" && (len(patterns) > 0 || len(fn.Streams) != 1):
			fail("%s: fed by the stream, it has routes %q and %d event source mappings; want none and one", c.ID, patterns, len(fn.Streams))
		case c.Pattern != "" && (len(patterns) != 1 || patterns[0] != c.Pattern):
			fail("%s: the template routes %q, the handler serves %q", c.ID, patterns, c.Pattern)
		}
		for _, name := range c.Env {
			if _, ok := fn.Env[name]; !ok {
				fail("%s: the code reads %s, which the template does not set", c.ID, name)
			}
		}
		// Each function's own reserved concurrency, so that one busy route
		// cannot take every execution the account allows.
		if want := strings.TrimSuffix(c.ID, "Function") + "ReservedConcurrency"; c.Pattern != "" && fn.ReservedConcurrencyParameter != want {
			fail("%s: ReservedConcurrentExecutions is %q; want the parameter %s under a condition that -1 means none", c.ID, fn.ReservedConcurrencyParameter, want)
		}
		// A version per deploy behind an alias, traffic shifted by CodeDeploy
		// and rolled back on alarms (docs/DEPLOY.md, "Rollouts").
		if fn.Alias == "" || fn.Deployment == "" || len(fn.RollbackAlarms) == 0 {
			fail("%s: AutoPublishAlias %q, DeploymentPreference type %q with %d alarms; want an alias, a type and alarms", c.ID, fn.Alias, fn.Deployment, len(fn.RollbackAlarms))
		}
		for _, p := range fn.ManagedPolicies {
			fail("%s: managed policy %q: grant only what the function calls, in statements", c.ID, p)
		}
		for _, st := range fn.Statements {
			for _, v := range slices.Concat(st.Actions, st.Resources) {
				if strings.Contains(v, "*") {
					fail("%s: policy statement grants %q: no wildcard actions or resources", c.ID, v)
				}
			}
		}
	}
	errs = append(errs, buildAll(root, code)...)
	for id := range fns {
		if !slices.ContainsFunc(code, func(c Code) bool { return c.ID == id }) {
			fail("%s: in the template but not in the code", id)
		}
	}
	return errs
}

// buildAll compiles every function's main package, in one go command, so
// that a template never points at code that is missing or does not build.
func buildAll(root string, code []Code) []error {
	var errs []error
	var pkgs []string
	for _, c := range code {
		if _, err := os.Stat(filepath.Join(root, c.Main)); err != nil {
			errs = append(errs, fmt.Errorf("%s: code folder %s: %w", c.ID, c.Main, err))
			continue
		}
		pkgs = append(pkgs, c.Main)
	}
	if len(pkgs) == 0 {
		return errs
	}
	out, err := compile(root, pkgs)
	if err == nil {
		return errs
	}
	for _, c := range code {
		if strings.Contains(string(out), strings.TrimPrefix(c.Main, "./")) {
			errs = append(errs, fmt.Errorf("%s: %s does not build:\n%s", c.ID, c.Main, out))
		}
	}
	if len(errs) == 0 {
		errs = append(errs, fmt.Errorf("the functions do not build: %v\n%s", err, out))
	}
	return errs
}

type compiled struct {
	out []byte
	err error
}

// builds remembers what each set of packages gave: the code does not change
// while a test process runs, and checks of many template variants reuse it.
var builds sync.Map

func compile(root string, pkgs []string) ([]byte, error) {
	key := root + "\x00" + strings.Join(pkgs, "\x00")
	if c, ok := builds.Load(key); ok {
		return c.(compiled).out, c.(compiled).err
	}
	// With several packages, go build compiles and discards: no binaries.
	cmd := exec.Command("go", append([]string{"build"}, pkgs...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	builds.Store(key, compiled{out, err})
	return out, err
}

// makeBuilds is what `make build-<id>` would run, as SAM's makefile
// builder runs it.
func makeBuilds(root, id string) (string, error) {
	cmd := exec.Command("make", "-n", "--no-print-directory", "build-"+id, "ARTIFACTS_DIR=.aws-sam/build/"+id)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return string(out), err
}
