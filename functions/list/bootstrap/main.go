// Command bootstrap is the Lambda function of the list endpoint.
package main

import (
	"github.com/xcloud/customers/functions/list"
	"github.com/xcloud/customers/shared/lambdamain"
)

func main() { lambdamain.Run(list.Function) }
