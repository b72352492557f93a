// Package function declares what one Lambda function of the API is: a value
// holding its logical id, route, scope, the configuration it needs and how
// its endpoint is built. Each function's package exports one such value; its
// Lambda main runs it, and the local API, the invoker, the template checks,
// the monitoring generator and the benchmark read the list of them.
package function

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/pagetoken"
	"github.com/xcloud/customers/shared/store"
)

// Function is one Lambda function of the API.
type Function struct {
	// ID is the function's logical id in template.yaml: its package's name
	// under functions/, capitalised, then "Function".
	ID string
	// Route is the HTTP API route it serves, "METHOD /path/{var}", exactly
	// as template.yaml declares it.
	Route string
	Scope hmacauth.Scope // what a caller needs to call it
	Needs Needs
	// Serve builds the endpoint from its dependencies: what answers a
	// request that passed the signature, scope and body checks.
	Serve func(Deps) httpapi.Serve
	// Stream, for a function fed by the table's stream instead of a route
	// (Route, Scope and Serve then empty), builds its handler.
	Stream func(Deps) StreamHandler
}

// StreamHandler handles a batch of the table's stream records, naming in
// its answer the record from which Lambda must deliver the batch again.
type StreamHandler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// HTTP reports whether f serves a route (else it is fed by the stream).
func (f Function) HTTP() bool { return f.Stream == nil }

// Needs says which optional parts of the configuration a function uses, so
// that it reads, and in Lambda requires, only its own.
type Needs struct {
	StatusIndex bool // lists customers by status
	PageTokens  bool // seals and opens nextToken
	Limits      bool // registers customers
	// Events: publishes change events from the table's stream, to the bus,
	// dead letters to the queue. Such a function has no route, so it reads
	// no credentials.
	Events bool
}

// Deps are what the endpoints are built from, once per cold start.
type Deps struct {
	Store      *store.Store // nil for a function fed by the stream
	PageTokens *pagetoken.Codec
	Limits     customer.Limits // of new customers
	Now        func() time.Time
	Verifier   httpapi.Verifier
	Log        *slog.Logger
	// For a function with Needs.Events only (zero for the others): the AWS
	// configuration its own clients are built on, and its bus and
	// dead-letter queue.
	AWS                   aws.Config
	EventBus, EventsQueue string
}

// Handler is f's HTTP handler: its endpoint behind the request id, the
// signature, scope and body checks and the log line.
func (f Function) Handler(d Deps) http.Handler {
	return httpapi.New(httpapi.Endpoint{Pattern: f.Route, Scope: f.Scope, Serve: f.Serve(d)}, d.Verifier, d.Log)
}

// Package is the folder of f's code under functions/.
func (f Function) Package() string { return strings.ToLower(strings.TrimSuffix(f.ID, "Function")) }

// Main is the package path of f's Lambda main, from the repository root.
func (f Function) Main() string { return "./functions/" + f.Package() + "/bootstrap" }
