package monitoring_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/monitoring"
	"github.com/xcloud/customers/shared/function"
)

const root = "../.."

// What make template would write is what is there.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := monitoring.Files(root, functions.All)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run make template", name)
		}
	}
}

// alarmMetrics reads the generated alarms: each one's metrics, by id, as
// "namespace metric dimension-values".
func alarmMetrics(t *testing.T, fns []function.Function) map[string][]string {
	t.Helper()
	out, err := monitoring.Template(monitoring.App{Functions: fns, Operations: []string{"GetItem", "PutItem"}})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Parameters map[string]any `yaml:"Parameters"`
		Resources  map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				Metrics []struct {
					MetricStat struct {
						Metric struct {
							Namespace  string `yaml:"Namespace"`
							MetricName string `yaml:"MetricName"`
							Dimensions []struct {
								Value any `yaml:"Value"`
							} `yaml:"Dimensions"`
						} `yaml:"Metric"`
					} `yaml:"MetricStat"`
				} `yaml:"Metrics"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	alarms := map[string][]string{}
	for id, r := range doc.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		for _, m := range r.Properties.Metrics {
			if m.MetricStat.Metric.MetricName == "" {
				continue
			}
			var dims []string
			for _, d := range m.MetricStat.Metric.Dimensions {
				dims = append(dims, fmt.Sprint(d.Value))
			}
			alarms[id] = append(alarms[id], m.MetricStat.Metric.Namespace+" "+m.MetricStat.Metric.MetricName+" "+strings.Join(dims, " "))
		}
	}
	for _, f := range fns {
		if _, ok := doc.Parameters[f.ID]; !ok {
			t.Errorf("no parameter for %s", f.ID)
		}
	}
	return alarms
}

// Every function is watched by the error and throttle alarms, every route
// by the signature alarm, every operation by the DynamoDB alarm; a function
// added is watched too.
func TestEveryFunctionIsWatched(t *testing.T) {
	added := function.Function{ID: "ExtraFunction", Route: "DELETE /xcloud/v1/customers/{customerId}"}
	for _, fns := range [][]function.Function{functions.All, append(functions.All[:len(functions.All):len(functions.All)], added)} {
		alarms := alarmMetrics(t, fns)
		for _, f := range fns {
			for alarm, want := range map[string]string{
				"FunctionErrorsAlarm":    "AWS/Lambda Errors map[Ref:" + f.ID + "]",
				"FunctionThrottlesAlarm": "AWS/Lambda Throttles map[Ref:" + f.ID + "]",
				"SignatureFailuresAlarm": "XCloud/Customers SignatureFailures " + f.Route,
			} {
				if !strings.Contains(strings.Join(alarms[alarm], "\n"), want) {
					t.Errorf("%s does not watch %q: %v", alarm, want, alarms[alarm])
				}
			}
		}
		if got := strings.Join(alarms["DynamoDBThrottlesAlarm"], "\n"); !strings.Contains(got, "GetItem") || !strings.Contains(got, "PutItem") {
			t.Errorf("DynamoDBThrottlesAlarm watches %v", got)
		}
	}
}

// Metric math alarms read at most 10 metrics: more functions than that is
// an error, not a template CloudFormation refuses.
func TestTooManyFunctionsForOneAlarm(t *testing.T) {
	var fns []function.Function
	for i := range 11 {
		fns = append(fns, function.Function{ID: fmt.Sprintf("F%dFunction", i), Route: "GET /f"})
	}
	if _, err := monitoring.Template(monitoring.App{Functions: fns}); err == nil || !strings.Contains(err.Error(), "at most 10") {
		t.Errorf("11 functions: error %v", err)
	}
}

func TestSplice(t *testing.T) {
	tpl := []byte("a\n" + monitoring.Begin + "old\n" + monitoring.End + "b\n")
	got, err := monitoring.Splice(tpl, monitoring.Begin+"new\n"+monitoring.End)
	if err != nil || string(got) != "a\n"+monitoring.Begin+"new\n"+monitoring.End+"b\n" {
		t.Errorf("Splice = %q, %v", got, err)
	}
	if _, err := monitoring.Splice([]byte("a\nb\n"), "x"); err == nil {
		t.Error("no markers: no error")
	}
}

// Every function rolls back on alarms that monitoring.yaml creates: the
// DeploymentPreference alarms of template.yaml (Globals) and events.yaml
// name them as the generator does, "<stack>-<name>", and are never empty.
func TestDeploymentsRollBackOnGeneratedAlarms(t *testing.T) {
	generated, err := os.ReadFile(filepath.Join(root, monitoring.File))
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`AlarmName:\s*\n?\s*Fn::Sub: \$\{AppName\}-([a-z0-9-]+)`).FindAllStringSubmatch(string(generated), -1)
	alarms := map[string]bool{}
	for _, m := range names {
		alarms[m[1]] = true
	}
	if len(alarms) < 6 {
		t.Fatalf("found only %d alarm names in %s", len(alarms), monitoring.File)
	}
	ref := regexp.MustCompile(`\$\{(?:AWS::StackName|AppName)\}-([a-z0-9-]+)`)
	for _, file := range []string{"template.yaml", "events.yaml"} {
		text, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		_, pref, ok := strings.Cut(string(text), "DeploymentPreference:")
		if !ok {
			t.Errorf("%s: no DeploymentPreference", file)
			continue
		}
		_, list, _ := strings.Cut(pref, "Alarms:")
		list, _, _ = strings.Cut(list, "\n")
		found := ref.FindAllStringSubmatch(list, -1)
		if len(found) == 0 {
			t.Errorf("%s: DeploymentPreference names no alarm", file)
		}
		for _, m := range found {
			if !alarms[m[1]] {
				t.Errorf("%s: DeploymentPreference alarm %q is not one monitoring.yaml creates (%v)", file, m[1], alarms)
			}
		}
	}
}
