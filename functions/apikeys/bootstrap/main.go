// Command bootstrap is the Lambda function of the apikeys endpoint.
package main

import (
	"github.com/xcloud/customers/functions/apikeys"
	"github.com/xcloud/customers/shared/lambdamain"
)

func main() { lambdamain.Run(apikeys.Function) }
