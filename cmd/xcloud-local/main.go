// Command xcloud-local serves the whole XCloud customers API on
// 127.0.0.1:$PORT (default 3000), as API Gateway would route it to the
// functions of template.yaml. Storage is an embedded in-memory DynamoDB
// unless DYNAMODB_ENDPOINT is set. Stop it with Ctrl-C.
//
// For people reading the API, it also serves the reference page built by
// make docs at /docs and the OpenAPI description at /openapi.yaml. These two
// are local only: API Gateway does not serve them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/xcloud/customers/internal/localapi"
	"github.com/xcloud/customers/internal/localdynamo"
	"github.com/xcloud/customers/internal/termlog"
	"github.com/xcloud/customers/shared/deps"
	"github.com/xcloud/customers/shared/settings"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "xcloud-local:", err)
		os.Exit(1)
	}
}

func run() error {
	template := flag.String("template", "template.yaml", "the SAM template whose routes to serve")
	docs := flag.String("docs", "build/docs/index.html", "the reference page (make docs) to serve at "+docsPath+`; "" for none`)
	spec := flag.String("openapi", "openapi/openapi.yaml", "the OpenAPI description to serve at "+specPath+`; "" for none`)
	flag.Parse()
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := settings.Read(settings.Everything)
	if err != nil {
		return err
	}
	shown := s.DynamoDBEndpoint
	if s.DynamoDBEndpoint != "" {
		// dynalite leaves out what DynamoDB returns on a refused write; the
		// proxy adds it, and changes nothing for a DynamoDB that returns it.
		proxy, err := localdynamo.StartProxy(s.DynamoDBEndpoint)
		if err != nil {
			return err
		}
		defer proxy.Close()
		s.DynamoDBEndpoint = proxy.URL
	}
	log, err := logger(s.LogLevel)
	if err != nil {
		return err
	}
	api, err := localapi.New(ctx, *template, s, log, nil)
	if err != nil {
		return err
	}
	defer api.Close()
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: withDocs(api.Handler, *docs, *spec), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://" + ln.Addr().String()
	storage := "embedded in-memory DynamoDB (data is lost when this stops)"
	if api.Embedded == nil {
		storage = "DynamoDB at " + shown
	}
	if api.Signer.Secret != "" {
		fmt.Fprintf(os.Stderr, `XCLOUD_SERVICE_CREDENTIALS is not set: made a local service with both scopes.
Try it, in another terminal:
  export XCLOUD_SERVICE_ID=%s XCLOUD_SERVICE_SECRET=%s
  go run ./cmd/xcloud sign --curl --data '{"customerId":"FST-1536316721808-NewCustomer","customerName":"Dewatering Solutions Inc","contactInfo":{"email":"contact@dewatering-solutions.com"},"status":"ACTIVE"}' POST %s/xcloud/v1/customers | sh
  go run ./cmd/xcloud --endpoint %s customers list --all
`, api.Signer.ServiceID, api.Signer.Secret, base, base)
	}
	fmt.Printf("XCloud customers API ready on %s (table %s, %s)\n", base, api.Settings.Table, storage)
	if *docs != "" {
		line := "API reference: " + base + docsPath
		if _, err := os.Stat(*docs); err != nil {
			line += " (not built: run make docs)"
		}
		if *spec != "" {
			line += ", OpenAPI description: " + base + specPath
		}
		fmt.Println(line)
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Println("XCloud customers API stopped")
	return nil
}

// logger writes the functions' log: at a terminal one short line per
// request (internal/termlog), elsewhere, or with LOG_FORMAT=json, the JSON
// line the functions write in Lambda. LOG_FORMAT=text forces the short one.
func logger(level slog.Level) (*slog.Logger, error) {
	format := os.Getenv("LOG_FORMAT")
	if format == "" {
		format = "json"
		if info, err := os.Stdout.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			format = "text"
		}
	}
	switch format {
	case "text":
		return slog.New(termlog.New(os.Stdout, level)), nil
	case "json":
		return deps.Logger(level), nil
	}
	return nil, fmt.Errorf("LOG_FORMAT=%q: want text or json", format)
}
