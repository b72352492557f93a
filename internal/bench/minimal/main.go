// Command minimal is the smallest useful aws-lambda-go function for an HTTP
// API: it answers every payload 2.0 event with 200 and "{}". The benchmark
// report measures the real functions' cold start, memory and size against it,
// as the floor any Go Lambda function of this kind pays. With
// MINIMAL_EVENT=stream it is the floor of a function fed by a DynamoDB
// stream instead: it decodes the batch and answers that nothing failed.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "{}"}, nil
}

func handleStream(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return events.DynamoDBEventResponse{}, nil
}

func main() {
	if os.Getenv("MINIMAL_EVENT") == "stream" {
		lambda.Start(handleStream)
		return
	}
	lambda.Start(handle)
}
