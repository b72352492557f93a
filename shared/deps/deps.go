// Package deps builds what the endpoints are built from (function.Deps),
// once per cold start: the store on its DynamoDB client, the signature
// verifier with its credentials, and the page token codec with its key.
// Nothing here waits on the network: secrets are fetched on first use.
package deps

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/xcloud/customers/shared/awsclient"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/hmacauth"
	"github.com/xcloud/customers/shared/pagetoken"
	"github.com/xcloud/customers/shared/secrets"
	"github.com/xcloud/customers/shared/settings"
	"github.com/xcloud/customers/shared/store"
)

// Options adapt what Build makes to local runs and tests.
type Options struct {
	awsclient.Options
	// Now is the clock of the endpoints and the secret caches; nil is
	// time.Now. Tests move it to step through cache times.
	Now func() time.Time
}

// Build builds the dependencies of settings s; o's DynamoDB endpoint and
// attempt timeout come from s.
func Build(ctx context.Context, s settings.Settings, log *slog.Logger, o Options) (function.Deps, error) {
	o.DynamoDBEndpoint, o.AttemptTimeout = s.DynamoDBEndpoint, s.AttemptTimeout
	if o.Now == nil {
		o.Now = time.Now
	}
	cfg, err := awsclient.Config(ctx, o.Options)
	if err != nil {
		return function.Deps{}, err
	}
	d := function.Deps{Limits: s.Limits, Now: o.Now, Log: log}
	if s.Needs.Events {
		// Fed by the stream: no route, no table, no credentials, no page
		// tokens; its own clients are built on the configuration.
		d.AWS, d.EventBus, d.EventsQueue = cfg, s.EventBus, s.EventsQueue
		return d, nil
	}
	d.Store = store.New(awsclient.DynamoDB(cfg, o.DynamoDBEndpoint), s.Table, s.StatusIndex)
	var sm secrets.SecretsManager
	if s.CredentialsSecretID != "" || s.PageTokenSecretID != "" {
		sm = secretsmanager.NewFromConfig(cfg)
	}

	var creds hmacauth.CredentialSource
	switch {
	case s.CredentialsSecretID != "":
		cache := secrets.NewCache("credentials", secrets.FromSecretsManager(sm, s.CredentialsSecretID),
			hmacauth.ParseCredentials, secrets.DefaultTTL, o.Now, log)
		go cache.Get(ctx) // warm it while the first request is on its way
		creds = cache
	case s.Credentials != "":
		parsed, err := hmacauth.ParseCredentials([]byte(s.Credentials))
		if err != nil {
			return function.Deps{}, fmt.Errorf("%s: %w", settings.EnvCredentials, err)
		}
		creds = parsed
	default:
		return function.Deps{}, fmt.Errorf("no service credentials: set %s or %s", settings.EnvCredentialsSecretID, settings.EnvCredentials)
	}

	var key pagetoken.KeySource
	switch {
	case s.PageTokenSecretID != "":
		// A short key in the secret fails its fetch, which answers 503 and
		// logs why; the last good key (if any) serves meanwhile.
		key = secrets.NewCache("page token key", secrets.FromSecretsManager(sm, s.PageTokenSecretID),
			pagetoken.CheckKey, secrets.DefaultTTL, o.Now, log)
	case s.PageTokenKey != "":
		k, err := pagetoken.CheckKey([]byte(s.PageTokenKey))
		if err != nil {
			return function.Deps{}, fmt.Errorf("%s: %w", settings.EnvPageTokenKey, err)
		}
		key = pagetoken.StaticKey(k)
	default:
		// Tokens then last as long as this process, which suits a local run.
		random := make([]byte, 32)
		rand.Read(random)
		key = pagetoken.StaticKey(random)
	}

	d.PageTokens = pagetoken.New(key)
	d.Verifier = hmacauth.NewVerifier(creds, nil)
	return d, nil
}

// Logger is the JSON logger every function logs with, to stdout as Lambda
// ships it to CloudWatch.
func Logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
}
