// Package lambdamain is the whole main of every function: read the
// environment, build what the function needs, serve it under the Lambda
// runtime.
package lambdamain

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/xcloud/customers/shared/deps"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/httpapi"
	"github.com/xcloud/customers/shared/settings"
)

// Run serves f under the Lambda runtime. A configuration it cannot start
// with ends the process at init, which Lambda reports as a failed init.
func Run(f function.Function) {
	s, err := settings.Read(f.Needs)
	if err != nil {
		fail(f, err)
	}
	log := deps.Logger(s.LogLevel)
	slog.SetDefault(log) // the SDK's warnings go through the default logger
	d, err := deps.Build(context.Background(), s, log, deps.Options{})
	if err != nil {
		fail(f, err)
	}
	if !f.HTTP() {
		lambda.Start(f.Stream(d))
		return
	}
	lambda.Start(httpapi.Lambda(f.Handler(d), log))
}

func fail(f function.Function, err error) {
	slog.Error("cold start failed", "function", f.ID, "error", err.Error())
	os.Exit(1)
}
