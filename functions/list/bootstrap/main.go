// Command bootstrap is the Lambda function of the list endpoint.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/xcloud/customers/functions/list"
	"github.com/xcloud/customers/shared/config"
	"github.com/xcloud/customers/shared/httpapi"
)

func main() {
	d, err := config.Load(context.Background(), list.Needs)
	if err != nil {
		slog.Error("cold start failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(httpapi.Lambda(list.New(d.Store, d.PageTokens, d.Verifier, d.Log), d.Log))
}
