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
	"github.com/xcloud/customers/internal/minidyn"
	"github.com/xcloud/customers/shared/config"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/store"
)

// Handlers builds each function's handler, by logical id, wired as its
// Lambda main wires it.
func Handlers(d *config.Deps) map[string]http.Handler {
	hs := make(map[string]http.Handler, len(functions.All))
	for _, f := range functions.All {
		hs[f.ID] = f.New(d)
	}
	return hs
}

// LocalServiceID names the credential made for a local run.
const LocalServiceID = "local-dev"

// API is the whole API, ready to serve.
type API struct {
	Handler  http.Handler
	Config   config.Config
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

// New builds the API from template (a path) and cfg. With no DynamoDB
// endpoint it starts the embedded one; with no credentials it makes a local
// service with both scopes. It creates the table when it is missing.
func New(ctx context.Context, template string, cfg config.Config, log *slog.Logger) (*API, error) {
	routes, err := ReadRoutes(template)
	if err != nil {
		return nil, err
	}
	api := &API{}
	if cfg.DynamoDBEndpoint == "" {
		db, err := minidyn.Start()
		if err != nil {
			return nil, err
		}
		cfg.DynamoDBEndpoint, api.Embedded, api.close = db.URL, db, func() { db.Close() }
	}
	if cfg.Credentials == "" && cfg.CredentialsSecretID == "" {
		secret := make([]byte, 32)
		rand.Read(secret)
		api.Signer = hmacauth.Signer{ServiceID: LocalServiceID, Secret: hex.EncodeToString(secret)}
		doc, _ := json.Marshal(hmacauth.Credentials{LocalServiceID: {
			Secrets: []string{api.Signer.Secret}, Scopes: []hmacauth.Scope{hmacauth.ScopeRead, hmacauth.ScopeWrite},
		}})
		cfg.Credentials = string(doc)
	}
	api.Config = cfg
	deps, err := config.New(ctx, cfg, log)
	if err != nil {
		api.Close()
		return nil, err
	}
	if err := store.CreateTable(ctx, deps.DynamoDB, cfg.Table, cfg.StatusIndex); err != nil {
		api.Close()
		return nil, err
	}
	if api.Handler, err = NewGateway(routes, Handlers(deps), log); err != nil {
		api.Close()
		return nil, err
	}
	return api, nil
}
