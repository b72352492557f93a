package localinvoke_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/functions/events"
	"github.com/xcloud/customers/internal/apitest"
	"github.com/xcloud/customers/internal/dynamotest"
	"github.com/xcloud/customers/internal/eventschema"
	"github.com/xcloud/customers/internal/fixtures"
	"github.com/xcloud/customers/internal/lambdarun"
	"github.com/xcloud/customers/internal/localinvoke"
	"github.com/xcloud/customers/shared/changeevent"
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
	schemas, err := eventschema.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	invoked := map[string]bool{}
	for _, f := range iv.Manifest().Fixtures {
		inv, err := iv.Invoke(context.Background(), f.Function, filepath.Join(root, "events", f.Event))
		if err != nil {
			t.Fatalf("%s: %v\nlogs:\n%s", f.Event, err, logs.String())
		}
		if inv.Result.Error != nil {
			t.Fatalf("%s: the function failed: %v", f.Event, inv.Result.Error)
		}
		if f.Function == events.Function.ID {
			checkBatch(t, f, inv, schemas)
		} else if inv.Response.StatusCode != f.Status {
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

// checkBatch checks the publisher's work on a batch of stream records: the
// events the manifest names, each valid against its schema and free of
// secrets, the dead letters, the record given back.
func checkBatch(t *testing.T, f fixtures.Fixture, inv *localinvoke.Invocation, schemas eventschema.Schemas) {
	t.Helper()
	var types []string
	for _, e := range inv.Published {
		types = append(types, e.DetailType)
		if e.EventBusName != localinvoke.LocalBus || e.Source != changeevent.Source {
			t.Errorf("%s: entry on bus %q from %q", f.Event, e.EventBusName, e.Source)
		}
		if err := schemas.Validate(eventschema.Envelope(e.Source, e.DetailType, e.Detail)); err != nil {
			t.Errorf("%s: %v", f.Event, err)
		}
	}
	if strings.Join(types, ",") != strings.Join(f.Published, ",") {
		t.Errorf("%s: published %q, want %q", f.Event, types, f.Published)
	}
	if len(inv.DeadLetters) != f.DeadLettered {
		t.Errorf("%s: %d dead letters, want %d: %q", f.Event, len(inv.DeadLetters), f.DeadLettered, inv.DeadLetters)
	}
	var failed []string
	for _, b := range inv.Batch.BatchItemFailures {
		failed = append(failed, b.ItemIdentifier)
	}
	if strings.Join(failed, ",") != f.BatchFailure {
		t.Errorf("%s: gave back %q, want %q", f.Event, failed, f.BatchFailure)
	}
	for _, out := range append(inv.DeadLetters, fmt.Sprint(inv.Published)) {
		// The images' key hashes and idempotency record never leave.
		for _, secret := range []string{"apiKeyHashes", "idempotency", "9f86d081884c7d65", "60303ae22b998861", "fd61a03af4f77d87", "5e884898da280471"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s: %q went out: %s", f.Event, secret, out)
			}
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
