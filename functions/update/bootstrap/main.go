// Command bootstrap is the Lambda function of the update endpoint.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/xcloud/customers/functions/update"
	"github.com/xcloud/customers/shared/config"
	"github.com/xcloud/customers/shared/httpapi"
)

func main() {
	d, err := config.Load(context.Background(), update.Needs)
	if err != nil {
		slog.Error("cold start failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(httpapi.Lambda(update.New(d.Store, d.Verifier, d.Log, time.Now), d.Log))
}
