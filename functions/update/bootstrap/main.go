// Command bootstrap is the Lambda function of the update endpoint.
package main

import (
	"github.com/xcloud/customers/functions/update"
	"github.com/xcloud/customers/shared/lambdamain"
)

func main() { lambdamain.Run(update.Function) }
