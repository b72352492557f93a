// Command bootstrap is the change-event publisher's Lambda function.
package main

import (
	"github.com/xcloud/customers/functions/events"
	"github.com/xcloud/customers/shared/lambdamain"
)

func main() { lambdamain.Run(events.Function) }
