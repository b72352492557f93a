package pipeline_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/xcloud/customers/internal/prerequisites"
)

const root = "../.."

type step struct {
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

type job struct {
	Needs       any               `yaml:"needs"`
	If          string            `yaml:"if"`
	Environment any               `yaml:"environment"`
	Env         map[string]string `yaml:"env"`
	Steps       []step            `yaml:"steps"`
}

func (j job) needs() []string {
	switch n := j.Needs.(type) {
	case string:
		return []string{n}
	case []any:
		var out []string
		for _, e := range n {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}

// runs reports whether any step's command contains s.
func (j job) runs(s string) bool {
	return slices.ContainsFunc(j.Steps, func(st step) bool { return strings.Contains(st.Run, s) })
}

func (j job) uses(action string) bool {
	return slices.ContainsFunc(j.Steps, func(st step) bool { return strings.HasPrefix(st.Uses, action+"@") })
}

func workflow(t *testing.T) map[string]job {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Jobs map[string]job `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w.Jobs
}

// providers are the setup actions that install a tool the list says to get
// elsewhere than apt, pip or npm.
var providers = map[string]string{"go": "actions/setup-go", "python3": "actions/setup-python", "node": "actions/setup-node", "npm": "actions/setup-node"}

// The test job installs every tool of prerequisites.tsv before make lint
// and make test: apt, pip and npm ones through scripts/install-prerequisites.sh,
// the others by their setup action.
func TestTestJobInstallsEveryPrerequisite(t *testing.T) {
	tools, err := prerequisites.Read(filepath.Join(root, "prerequisites.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	test, ok := workflow(t)["test"]
	if !ok {
		t.Fatal("no test job")
	}
	at := func(f func(step) bool) int { return slices.IndexFunc(test.Steps, f) }
	install := at(func(s step) bool { return strings.Contains(s.Run, "scripts/install-prerequisites.sh") })
	lint := at(func(s step) bool { return strings.Contains(s.Run, "make lint") })
	run := at(func(s step) bool { return strings.Contains(s.Run, "make test") })
	if lint < 0 || run < 0 {
		t.Fatalf("the test job runs make lint at step %d and make test at step %d", lint, run)
	}
	for _, tool := range tools {
		kind, _, _ := strings.Cut(tool.Install, " ")
		switch {
		case kind == "apt-get" || kind == "pip" || kind == "npm":
			if install < 0 || install > lint || install > run {
				t.Errorf("%s (%s): the test job does not run scripts/install-prerequisites.sh before make lint and make test", tool.Name, tool.Install)
			}
		case providers[tool.Name] != "":
			setup := at(func(s step) bool { return strings.HasPrefix(s.Uses, providers[tool.Name]+"@") })
			if setup < 0 || setup > lint {
				t.Errorf("%s: the test job does not use %s before make lint", tool.Name, providers[tool.Name])
			}
		default:
			t.Errorf("%s: installed by %q, which neither the install script nor a setup action of the test job does", tool.Name, tool.Install)
		}
	}
}

// One job builds and packages; every deploy job deploys that package,
// checked against the digest the build recorded, and builds nothing.
func TestBuildOnceAndPromote(t *testing.T) {
	jobs := workflow(t)
	var builders, deployers []string
	for name, j := range jobs {
		if j.runs("sam build") {
			builders = append(builders, name)
		}
		if j.runs("sam deploy") {
			deployers = append(deployers, name)
		}
	}
	if len(builders) != 1 || !jobs[builders[0]].runs("sam package") {
		t.Fatalf("jobs that run sam build: %v; want one, which also runs sam package", builders)
	}
	pkg := builders[0]
	if !jobs[pkg].uses("actions/upload-artifact") {
		t.Errorf("%s does not upload the package", pkg)
	}
	slices.Sort(deployers)
	if !slices.Equal(deployers, []string{"deploy-prod", "deploy-staging"}) {
		t.Fatalf("deploy jobs %v", deployers)
	}
	for _, name := range deployers {
		j := jobs[name]
		for _, build := range []string{"sam build", "sam package", "go build", "make build", "make xcloud", "go run"} {
			if j.runs(build) {
				t.Errorf("%s runs %q: a deploy job deploys the package, it builds nothing", name, build)
			}
		}
		if !j.uses("actions/download-artifact") || !j.runs("sam deploy --template-file packaged.yaml") {
			t.Errorf("%s does not deploy the downloaded packaged.yaml", name)
		}
		if !j.runs("sha256sum -c packaged.yaml.sha256") || !j.runs("needs.package.outputs.digest") && !strings.Contains(digestEnv(j), "needs."+pkg+".outputs.digest") {
			t.Errorf("%s does not check the package against the digest %s recorded", name, pkg)
		}
	}
}

func digestEnv(j job) string {
	var b strings.Builder
	for _, s := range j.Steps {
		for _, v := range s.Env {
			b.WriteString(v)
		}
	}
	return b.String()
}

// test → package → deploy-staging → smoke-staging → deploy-prod (approved)
// → smoke-prod; the smoke tests run xcloud smoke, writing only in staging.
func TestJobGraph(t *testing.T) {
	jobs := workflow(t)
	for name, want := range map[string][]string{
		"package":        {"test"},
		"deploy-staging": {"package"},
		"smoke-staging":  {"deploy-staging"},
		"deploy-prod":    {"package", "smoke-staging"},
		"smoke-prod":     {"deploy-prod"},
	} {
		j, ok := jobs[name]
		if !ok {
			t.Errorf("no job %s", name)
			continue
		}
		if got := j.needs(); !slices.Equal(got, want) {
			t.Errorf("%s needs %v, want %v", name, got, want)
		}
	}
	if env, _ := jobs["deploy-prod"].Environment.(string); env != "production" {
		t.Errorf("deploy-prod's environment %v, want production (its required reviewers approve)", jobs["deploy-prod"].Environment)
	}
	if !jobs["smoke-staging"].runs("xcloud smoke --write") {
		t.Error("smoke-staging does not run xcloud smoke --write")
	}
	if !jobs["smoke-prod"].runs("xcloud smoke") || jobs["smoke-prod"].runs("--write") {
		t.Error("smoke-prod must run xcloud smoke read-only")
	}
	if !strings.Contains(jobs["package"].If, "refs/heads/main") {
		t.Errorf("package runs %q; want pushes to main only", jobs["package"].If)
	}
}
