// Command xcloud-invoke invokes the real, built functions of template.yaml on
// this machine, without Docker: `make invoke FUNCTION=RegisterFunction
// EVENT=events/register.json`. Each event is re-signed as the local
// credential of events/env.json before it is sent. Several events go to one
// warm function, in order. Storage is an embedded in-memory DynamoDB unless
// DYNAMODB_ENDPOINT is set.
//
//	xcloud-invoke [-function LogicalId] EVENT...
//
// It prints each response, reports init and invocation durations on
// stderr, and exits 1 when a function fails.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/xcloud/customers/internal/localdynamo"
	"github.com/xcloud/customers/internal/localinvoke"
	"github.com/xcloud/customers/internal/minidyn"
	"github.com/xcloud/customers/shared/settings"
)

func main() {
	err := run()
	var failed functionFailed
	switch {
	case errors.As(err, &failed):
		fmt.Fprintln(os.Stderr, "xcloud-invoke:", err)
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "xcloud-invoke:", err)
		os.Exit(2)
	}
}

type functionFailed struct{ error }

func run() error {
	function := flag.String("function", "", "logical id of the function (default: the one events/manifest.json names for the event)")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: xcloud-invoke [-function LogicalId] EVENT...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		return errors.New("no event given")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	endpoint, table := os.Getenv(settings.EnvDynamoDBEndpoint), settings.DefaultTable
	if endpoint == "" {
		db, err := minidyn.Start()
		if err != nil {
			return err
		}
		defer db.Close()
		endpoint = db.URL
		fmt.Fprintln(os.Stderr, "storage: embedded in-memory DynamoDB, empty at start")
	} else {
		// dynalite leaves out what DynamoDB returns on a refused write; the
		// proxy adds it, and changes nothing for a DynamoDB that returns it.
		proxy, err := localdynamo.StartProxy(endpoint)
		if err != nil {
			return err
		}
		defer proxy.Close()
		endpoint = proxy.URL
	}
	db, err := localdynamo.Client(ctx, endpoint)
	if err != nil {
		return err
	}
	if err := localdynamo.CreateTable(ctx, db, "template.yaml", table); err != nil {
		return err
	}

	iv, err := localinvoke.New(localinvoke.Options{Root: ".", Endpoint: endpoint, Table: table, Logs: os.Stderr})
	if err != nil {
		return err
	}
	defer iv.Close()
	for _, path := range flag.Args() {
		id := *function
		if id == "" {
			f, ok := iv.Manifest().Find(path)
			if !ok {
				return fmt.Errorf("%s is not in events/manifest.json: give -function", path)
			}
			id = f.Function
		}
		inv, err := iv.Invoke(ctx, id, path)
		if err != nil {
			return functionFailed{err}
		}
		if inv.InitDuration > 0 {
			fmt.Fprintf(os.Stderr, "%s: init %.1f ms\n", id, float64(inv.InitDuration.Microseconds())/1000)
		}
		if inv.Result.Error != nil {
			return functionFailed{fmt.Errorf("%s %s: %w", id, path, inv.Result.Error)}
		}
		ms := float64(inv.Result.Duration.Microseconds()) / 1000
		if inv.Stream {
			// A batch of stream records: what went to the stand-in bus.
			fmt.Fprintf(os.Stderr, "%s %s: %d events published, %d dead letters, %d records given back, in %.1f ms\n", id, path,
				len(inv.Published), len(inv.DeadLetters), len(inv.Batch.BatchItemFailures), ms)
			out, _ := json.MarshalIndent(map[string]any{"published": inv.Published, "deadLetters": inv.DeadLetters, "response": inv.Batch}, "", "  ")
			fmt.Println(string(out))
			continue
		}
		fmt.Fprintf(os.Stderr, "%s %s: status %d in %.1f ms\n", id, path, inv.Response.StatusCode, ms)
		out, _ := json.MarshalIndent(inv.Response, "", "  ")
		fmt.Println(string(out))
	}
	return nil
}
