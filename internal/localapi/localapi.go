// Package localapi runs the whole API on this machine, as API Gateway and
// Lambda would: the routes come from template.yaml, every request becomes a
// payload 2.0 event for the function's own handler, and storage is an
// embedded in-memory DynamoDB (minidyn) unless an endpoint is given.
package localapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/xcloud/customers/functions"
	"github.com/xcloud/customers/internal/localdynamo"
	"github.com/xcloud/customers/internal/minidyn"
	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/deps"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/settings"
)

// Options adapt function f's dependencies, built with settings s, to the
// test or run at hand; nil means none beyond the local DynamoDB's.
type Options func(f function.Function, s settings.Settings) deps.Options

// Handlers builds each function's handler, by logical id, each on
// dependencies of its own built from s as its Lambda main builds them.
func Handlers(ctx context.Context, s settings.Settings, log *slog.Logger, options Options) (map[string]http.Handler, error) {
	hs := map[string]http.Handler{}
	for _, f := range functions.API() {
		var o deps.Options
		if options != nil {
			o = options(f, s)
		}
		d, err := deps.Build(ctx, s, log, o)
		if err != nil {
			return nil, err
		}
		hs[f.ID] = f.Handler(d)
	}
	return hs, nil
}

// LocalServiceID names the credential made for a local run.
const LocalServiceID = "local-dev"

// API is the whole API, ready to serve.
type API struct {
	Handler  http.Handler
	Settings settings.Settings
	Embedded *minidyn.Server // the embedded DynamoDB; nil with an endpoint
	// Signer signs as the generated local service; zero when the
	// credentials came from the environment.
	Signer hmacauth.Signer

	close func()
}

// Close stops the embedded DynamoDB, if any.
func (a *API) Close() {
	if a.close != nil {
		a.close()
	}
}

// New builds the API from template (a path) and s. With no DynamoDB
// endpoint it starts the embedded one; with no credentials it makes a local
// service with both scopes. It creates the table, as the template declares
// it, when it is missing.
func New(ctx context.Context, template string, s settings.Settings, log *slog.Logger, options Options) (*API, error) {
	routes, err := ReadRoutes(template)
	if err != nil {
		return nil, err
	}
	api := &API{}
	if s.DynamoDBEndpoint == "" {
		db, err := minidyn.Start()
		if err != nil {
			return nil, err
		}
		s.DynamoDBEndpoint, api.Embedded, api.close = db.URL, db, func() { db.Close() }
	}
	if s.Credentials == "" && s.CredentialsSecretID == "" {
		secret := make([]byte, 32)
		rand.Read(secret)
		api.Signer = hmacauth.Signer{ServiceID: LocalServiceID, Secret: hex.EncodeToString(secret)}
		doc, _ := json.Marshal(hmacauth.Credentials{LocalServiceID: {
			Secrets: []string{api.Signer.Secret}, Scopes: []hmacauth.Scope{hmacauth.ScopeRead, hmacauth.ScopeWrite},
		}})
		s.Credentials = string(doc)
	}
	if s.StatusIndex == "" {
		table, err := samtemplate.Table(template, s.Table)
		if err != nil {
			api.Close()
			return nil, err
		}
		s.StatusIndex = *table.GlobalSecondaryIndexes[0].IndexName // the status index, the table's one index
	}
	api.Settings = s
	if err := createTable(ctx, template, s); err != nil {
		api.Close()
		return nil, err
	}
	handlers, err := Handlers(ctx, s, log, options)
	if err != nil {
		api.Close()
		return nil, err
	}
	if api.Handler, err = NewGateway(routes, handlers, log); err != nil {
		api.Close()
		return nil, err
	}
	return api, nil
}

// createTable creates the table of s as template declares it.
func createTable(ctx context.Context, template string, s settings.Settings) error {
	db, err := localdynamo.Client(ctx, s.DynamoDBEndpoint)
	if err != nil {
		return err
	}
	return localdynamo.CreateTable(ctx, db, template, s.Table)
}
