package localinvoke_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/apitest"
	"github.com/xcloud/customers/internal/dynamotest"
	"github.com/xcloud/customers/internal/lambdarun"
	"github.com/xcloud/customers/internal/localinvoke"
)

const root = "../.."

func newInvoker(t *testing.T) (*localinvoke.Invoker, *apitest.SyncBuffer) {
	t.Helper()
	db := dynamotest.New(t)
	logs := &apitest.SyncBuffer{}
	iv, err := localinvoke.New(localinvoke.Options{Root: root, Endpoint: db.Endpoint, Table: db.Table, Logs: logs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iv.Close)
	return iv, logs
}

// Every fixture of events/, in the manifest's order, through the real
// bootstrap binary of its function under the Lambda Runtime API, re-signed
// now: the status must be the manifest's, on any day.
func TestEveryFixtureThroughItsBuiltFunction(t *testing.T) {
	iv, logs := newInvoker(t)
	invoked := map[string]bool{}
	for _, f := range iv.Manifest().Fixtures {
		inv, err := iv.Invoke(context.Background(), f.Function, filepath.Join(root, "events", f.Event))
		if err != nil {
			t.Fatalf("%s: %v\nlogs:\n%s", f.Event, err, logs.String())
		}
		if inv.Result.Error != nil {
			t.Fatalf("%s: the function failed: %v", f.Event, inv.Result.Error)
		}
		if inv.Response.StatusCode != f.Status {
			t.Errorf("%s: status %d, want %d: %s", f.Event, inv.Response.StatusCode, f.Status, inv.Response.Body)
		}
		if !invoked[f.Function] && inv.InitDuration <= 0 {
			t.Errorf("%s: no init duration for the cold start of %s", f.Event, f.Function)
		}
		invoked[f.Function] = true
	}
	for _, f := range functions.All {
		if !invoked[f.ID] {
			t.Errorf("no fixture invokes %s", f.ID)
		}
	}
}

// A function whose template variables are missing must fail its cold start,
// and an event that is not a payload 2.0 request gets a 400, not a failed
// invocation.
func TestFailuresAreReported(t *testing.T) {
	iv, _ := newInvoker(t)
	bin, err := iv.Build(context.Background(), "GetFunction")
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	_, err = lambdarun.Start(context.Background(), lambdarun.Options{Binary: bin, Function: "GetFunction", Stderr: &stderr, Stdout: &stderr})
	if err == nil || !strings.Contains(stderr.String(), "TABLE_NAME is not set") {
		t.Errorf("start without its environment: err %v, output %s", err, stderr.String())
	}

	env, err := iv.Env("GetFunction")
	if err != nil {
		t.Fatal(err)
	}
	p, err := lambdarun.Start(context.Background(), lambdarun.Options{Binary: bin, Function: "GetFunction", Env: env})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	res, err := p.Invoke(context.Background(), []byte(`"not an event"`))
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != nil || !strings.Contains(string(res.Payload), `"statusCode":400`) {
		t.Errorf("an event that is not one: %s (function error %v), want a 400", res.Payload, res.Error)
	}
}
