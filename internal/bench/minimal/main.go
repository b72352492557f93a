// Command minimal is the smallest useful aws-lambda-go function for an HTTP
// API: it answers every payload 2.0 event with 200 and "{}". The benchmark
// report measures the real functions' cold start, memory and size against it,
// as the floor any Go Lambda function of this kind pays.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}, nil
}

func main() {
	lambda.Start(handle)
}
