// Command bootstrap is the Lambda function of the register endpoint.
package main

import (
	"github.com/xcloud/customers/functions/register"
	"github.com/xcloud/customers/shared/lambdamain"
)

func main() { lambdamain.Run(register.Function) }
