// Package permissions compares what each function does with what its
// policy in template.yaml grants: a Recorder notes every AWS action a
// function performs and on what, as SDK middleware that the test wiring puts
// on every function's clients (For) or, for a built function run in a
// process of its own, as a proxy between it and the services (Handler);
// Compare fails for an action performed but not granted (Missing), and for a
// grant never used (Unused).
package permissions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"

	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/settings"
)

// Grant is an action on a resource, named as the template names them:
// "dynamodb:GetItem" on "table", "index/status-index", or
// "secret:CREDENTIALS_SECRET_ID" (the secret the function's variable names).
type Grant struct{ Action, Resource string }

func (g Grant) String() string { return g.Action + " on " + g.Resource }

// Grants is what each function may or does do, by logical id.
type Grants map[string]map[Grant]bool

func (gs Grants) add(fn string, g Grant) {
	if gs[fn] == nil {
		gs[fn] = map[Grant]bool{}
	}
	gs[fn][g] = true
}

// Recorder notes the actions of functions.
type Recorder struct {
	mu   sync.Mutex
	seen Grants
}

// NewRecorder returns a Recorder that has seen nothing.
func NewRecorder() *Recorder { return &Recorder{seen: Grants{}} }

// Seen is a copy of what was recorded.
func (r *Recorder) Seen() Grants {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Grants{}
	for fn, gs := range r.seen {
		out[fn] = maps.Clone(gs)
	}
	return out
}

// For is the middleware that records the calls of function fn, configured
// with s (which says which table and which secrets are whose).
func (r *Recorder) For(fn string, s settings.Settings) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("permissions.Recorder",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				action := prefixes[awsmiddleware.GetServiceID(ctx)] + ":" + awsmiddleware.GetOperationName(ctx)
				r.record(fn, action, resources(in.Parameters, s))
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}

func (r *Recorder) record(fn, action string, resources []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, resource := range resources {
		r.seen.add(fn, Grant{action, resource})
	}
}

// Handler records each request of function fn that reaches it, then passes
// it to next: for a function run as a process of its own, whose clients
// the For middleware cannot reach, it stands between the function and the
// services as the endpoint of every client. The request's X-Amz-Target
// names the action (DynamoDB_20120810.GetItem is dynamodb:GetItem) and its
// body, read into the SDK's input, the resource, as For names them with s.
func (r *Recorder) Handler(fn string, s settings.Settings, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		action, resources := Request(req.Header.Get("X-Amz-Target"), body, s)
		r.record(fn, action, resources)
		next.ServeHTTP(w, req)
	})
}

// Request names the action and the resources of a request of the AWS JSON
// protocols, by its X-Amz-Target and body, as For names an SDK call's: the
// body's names are read into the SDK's input of the action, for resources.
func Request(target string, body []byte, s settings.Settings) (action string, on []string) {
	prefix, operation := Service(target), target[strings.IndexByte(target, '.')+1:]
	if prefix == "" {
		return "target " + target, []string{"unknown"}
	}
	action = prefix + ":" + operation
	// The protocols name the members as the SDK's fields are named. Only
	// the names are read: a member the SDK's input would not take as JSON
	// (an attribute value, a time) must not stop the reading of the rest.
	var in struct {
		TableName, IndexName, SecretId, QueueUrl *string
		RequestItems                             map[string]json.RawMessage
		Entries                                  []struct{ EventBusName *string }
	}
	json.Unmarshal(body, &in) // what it can read; the rest names nothing
	var input any
	switch action {
	case "dynamodb:GetItem":
		input = &dynamodb.GetItemInput{TableName: in.TableName}
	case "dynamodb:PutItem":
		input = &dynamodb.PutItemInput{TableName: in.TableName}
	case "dynamodb:UpdateItem":
		input = &dynamodb.UpdateItemInput{TableName: in.TableName}
	case "dynamodb:DeleteItem":
		input = &dynamodb.DeleteItemInput{TableName: in.TableName}
	case "dynamodb:Scan":
		input = &dynamodb.ScanInput{TableName: in.TableName, IndexName: in.IndexName}
	case "dynamodb:Query":
		input = &dynamodb.QueryInput{TableName: in.TableName, IndexName: in.IndexName}
	case "dynamodb:BatchGetItem":
		b := &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{}}
		for name := range in.RequestItems {
			b.RequestItems[name] = types.KeysAndAttributes{}
		}
		input = b
	case "events:PutEvents":
		p := &eventbridge.PutEventsInput{}
		for _, e := range in.Entries {
			p.Entries = append(p.Entries, ebtypes.PutEventsRequestEntry{EventBusName: e.EventBusName})
		}
		input = p
	case "sqs:SendMessage":
		input = &sqs.SendMessageInput{QueueUrl: in.QueueUrl}
	case "secretsmanager:GetSecretValue":
		input = &secretsmanager.GetSecretValueInput{SecretId: in.SecretId}
	default:
		return action, []string{"unknown"}
	}
	return action, resources(input, s)
}

// targets are the IAM action prefixes of the services' X-Amz-Target
// prefixes.
var targets = map[string]string{"DynamoDB_20120810": "dynamodb", "secretsmanager": "secretsmanager", "AWSEvents": "events", "AmazonSQS": "sqs"}

// Service is the IAM action prefix ("dynamodb", "events") of a request's
// X-Amz-Target, or "" for a service not listed here.
func Service(target string) string {
	service, _, _ := strings.Cut(target, ".")
	return targets[service]
}

// prefixes are the IAM action prefixes of the SDK's service ids.
var prefixes = map[string]string{"DynamoDB": "dynamodb", "Secrets Manager": "secretsmanager", "EventBridge": "events", "SQS": "sqs"}

// resources names what a call's input acts on, as template names go.
func resources(input any, s settings.Settings) []string {
	table := func(name *string) string {
		if name != nil && *name == s.Table {
			return "table"
		}
		return "table " + deref(name)
	}
	switch in := input.(type) {
	case *dynamodb.GetItemInput:
		return []string{table(in.TableName)}
	case *dynamodb.PutItemInput:
		return []string{table(in.TableName)}
	case *dynamodb.UpdateItemInput:
		return []string{table(in.TableName)}
	case *dynamodb.DeleteItemInput:
		return []string{table(in.TableName)}
	case *dynamodb.ScanInput:
		if in.IndexName != nil {
			return []string{"index/" + *in.IndexName}
		}
		return []string{table(in.TableName)}
	case *dynamodb.QueryInput:
		if in.IndexName != nil {
			return []string{"index/" + *in.IndexName}
		}
		return []string{table(in.TableName)}
	case *dynamodb.BatchGetItemInput:
		var out []string
		for name := range in.RequestItems {
			out = append(out, table(&name))
		}
		return out
	case *eventbridge.PutEventsInput:
		var out []string
		for _, e := range in.Entries {
			if deref(e.EventBusName) == s.EventBus {
				out = append(out, "bus:"+settings.EnvEventBus)
			} else {
				out = append(out, "bus "+deref(e.EventBusName))
			}
		}
		return out
	case *sqs.SendMessageInput:
		if deref(in.QueueUrl) == s.EventsQueue {
			return []string{"queue:" + settings.EnvEventsQueue}
		}
		return []string{"queue " + deref(in.QueueUrl)}
	case *secretsmanager.GetSecretValueInput:
		switch deref(in.SecretId) {
		case s.CredentialsSecretID:
			return []string{"secret:" + settings.EnvCredentialsSecretID}
		case s.PageTokenSecretID:
			return []string{"secret:" + settings.EnvPageTokenSecretID}
		}
		return []string{"secret " + deref(in.SecretId)}
	}
	return []string{fmt.Sprintf("%T", input)}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// FromTemplate is what the template grants each function for its code to
// use, with resources named as the Recorder names them. What the Lambda
// service does with the function's role is left out: reading the stream of
// an event source mapping, sending failed batches to its destination.
func FromTemplate(fns map[string]*samtemplate.Function) Grants {
	grants := Grants{}
	for id, fn := range fns {
		for _, st := range fn.Statements {
			if st.Effect != "Allow" {
				continue
			}
			for _, action := range st.Actions {
				for _, r := range st.Resources {
					if !serviceUses(fn, action, r) {
						grants.add(id, Grant{action, resourceName(fn, r)})
					}
				}
			}
		}
	}
	return grants
}

// streamReads are what Lambda calls on a mapping's stream.
var streamReads = []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}

var refs = regexp.MustCompile(`!Ref ([A-Za-z0-9]+)`)

// serviceUses reports whether the Lambda service, not the function's code,
// uses a grant: a stream read on the function's mapping's stream, or a send
// to a failure destination given by a parameter the mapping names.
func serviceUses(fn *samtemplate.Function, action, resource string) bool {
	if slices.Contains(streamReads, action) && slices.Contains(fn.Streams, resource) {
		return true
	}
	if action != "sqs:SendMessage" {
		return false
	}
	for _, d := range fn.FailureDestinations {
		for _, m := range refs.FindAllStringSubmatch(resource, -1) {
			if m[1] != "AWS" && strings.Contains(d, "!Ref "+m[1]) {
				return true
			}
		}
	}
	return false
}

// resourceName names a resource of the template as the Recorder does.
func resourceName(fn *samtemplate.Function, expr string) string {
	for _, env := range []string{settings.EnvCredentialsSecretID, settings.EnvPageTokenSecretID} {
		if v, ok := fn.Env[env]; ok && v == expr {
			return "secret:" + env
		}
	}
	// The bus and the queue: the variable names them, the policy its ARN.
	for kind, env := range map[string]string{"bus": settings.EnvEventBus, "queue": settings.EnvEventsQueue} {
		if id, ok := strings.CutPrefix(fn.Env[env], "!Ref "); ok && expr == "!GetAtt "+id+".Arn" {
			return kind + ":" + env
		}
	}
	if strings.Contains(expr, samtemplate.TableID+".Arn") {
		if _, index, ok := strings.Cut(expr, "/index/"); ok {
			return "index/" + index
		}
		return "table"
	}
	return expr
}

// Compare lists each action a function performed that its policy does not
// grant, and each grant no function call used.
func Compare(performed, granted Grants) []error {
	return append(Missing(performed, granted), Unused(performed, granted)...)
}

// Missing lists each action a function performed that its policy does not
// grant.
func Missing(performed, granted Grants) []error {
	return notIn(performed, granted, "%s performs %s, which its policy in template.yaml does not grant")
}

// Unused lists each grant no function call used.
func Unused(performed, granted Grants) []error {
	return notIn(granted, performed, "%s is granted %s in template.yaml, which no test saw it use")
}

// notIn lists, in order, each grant of these that those lack, as format
// says it of the function and the grant.
func notIn(these, those Grants, format string) []error {
	var errs []error
	for _, fn := range slices.Sorted(maps.Keys(these)) {
		for _, g := range sortedGrants(these[fn]) {
			if !those[fn][g] {
				errs = append(errs, fmt.Errorf(format, fn, g))
			}
		}
	}
	return errs
}

func sortedGrants(gs map[Grant]bool) []Grant {
	return slices.SortedFunc(maps.Keys(gs), func(a, b Grant) int { return strings.Compare(a.String(), b.String()) })
}

// TemplateGrants is FromTemplate of the template.yaml under root, after
// replacing in its text each old of replace (old, new, old, new...) by its
// new, once: a test's edit of the template, made on a copy next to copies of
// the templates it nests.
func TemplateGrants(root string, replace ...string) (Grants, error) {
	if len(replace)%2 != 0 {
		return nil, errors.New("TemplateGrants: replace wants old and new in pairs")
	}
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	text := string(b)
	for i := 0; i < len(replace); i += 2 {
		if !strings.Contains(text, replace[i]) {
			return nil, fmt.Errorf("template.yaml has no %q", replace[i])
		}
		text = strings.Replace(text, replace[i], replace[i+1], 1)
	}
	path := filepath.Join(root, "template.yaml")
	if len(replace) > 0 {
		dir, err := os.MkdirTemp("", "template")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "template.yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			return nil, err
		}
		for _, nested := range []string{"events.yaml", "monitoring.yaml"} {
			b, err := os.ReadFile(filepath.Join(root, nested))
			if err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(dir, nested), b, 0o600); err != nil {
				return nil, err
			}
		}
	}
	fns, err := samtemplate.Read(path)
	if err != nil {
		return nil, err
	}
	return FromTemplate(fns), nil
}
