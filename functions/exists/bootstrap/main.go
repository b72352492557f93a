// Command bootstrap is the Lambda function of the exists endpoint.
package main

import (
	"github.com/xcloud/customers/functions/exists"
	"github.com/xcloud/customers/shared/lambdamain"
)

func main() { lambdamain.Run(exists.Function) }
