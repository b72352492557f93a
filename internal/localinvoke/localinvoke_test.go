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
	"github.com/xcloud/customers/internal/permissions"
	"github.com/xcloud/customers/shared/changeevent"
)

const root = "../.."

func newInvoker(t *testing.T, rec *permissions.Recorder) (*localinvoke.Invoker, *apitest.SyncBuffer) {
	t.Helper()
	db := dynamotest.New(t)
	logs := &apitest.SyncBuffer{}
	iv, err := localinvoke.New(localinvoke.Options{Root: root, Endpoint: db.Endpoint, Table: db.Table, Logs: logs, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iv.Close)
	return iv, logs
}

// Every fixture of events/, in the manifest's order, through the real
// bootstrap binary of its function under the Lambda Runtime API, re-signed
// now: the status must be the manifest's, on any day. Every call the
// functions make meanwhile is recorded, and must be granted them by their
// policies in template.yaml (checkGrants).
func TestEveryFixtureThroughItsBuiltFunction(t *testing.T) {
	rec := permissions.NewRecorder()
	iv, logs := newInvoker(t, rec)
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
	checkGrants(t, rec.Seen())
}

// checkGrants fails for each call a built function made that its policy in
// template.yaml does not grant, and shows that a grant of a call seen,
// taken out of the template, is reported.
//
// Only grants missing are this suite's to find. A grant no test uses is
// found by internal/localapi's TestMain, over what the end-to-end, hostile
// and fault suites recorded in its own process: `go test ./...` runs the two
// packages as processes of their own, perhaps at once, so neither can see
// the other's recording. What that process records must then use every
// grant by itself, which asks more than the union of the suites, never less.
func checkGrants(t *testing.T, seen permissions.Grants) {
	t.Helper()
	granted, err := permissions.TemplateGrants(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range functions.All {
		if len(seen[f.ID]) == 0 {
			t.Errorf("no call of %s recorded: the recording endpoints are not in its way", f.ID)
		}
	}
	missing := permissions.Missing(seen, granted)
	for _, err := range missing {
		t.Error(err)
	}
	if len(missing) > 0 {
		return
	}
	// The fixtures' reads of a customer, no longer granted.
	if !seen["GetFunction"][permissions.Grant{Action: "dynamodb:GetItem", Resource: "table"}] {
		t.Fatalf("GetFunction's GetItem not recorded: %v", seen["GetFunction"])
	}
	edited, err := permissions.TemplateGrants(root, `Action: "dynamodb:GetItem"`, `Action: "dynamodb:DescribeTable"`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, err := range permissions.Missing(seen, edited) {
		got = append(got, err.Error())
	}
	if want := "GetFunction performs dynamodb:GetItem on table, which its policy in template.yaml does not grant"; strings.Join(got, "\n") != want {
		t.Errorf("with GetFunction's GetItem taken out of the template, the check reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
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
	iv, _ := newInvoker(t, nil)
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
