// Command bootstrap is the Lambda function of the get endpoint.
package main

import (
	"github.com/xcloud/customers/functions/get"
	"github.com/xcloud/customers/shared/lambdamain"
)

func main() { lambdamain.Run(get.Function) }
