package samtemplate

import (
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.yaml.in/yaml/v3"
)

// TableID is the logical id of the customers table in template.yaml.
const TableID = "CustomersTable"

// Table reads the customers table of a SAM template as the CreateTable
// request that makes the same table: keys, attribute definitions, billing,
// global secondary indexes with their projections, and the stream. Local
// runs and tests create their tables from it, so that the table is defined
// once, in the template.
func Table(path, name string) (*dynamodb.CreateTableInput, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil, fmt.Errorf("parse template %s: %v", path, err)
	}
	tpl, _ := plain(doc.Content[0]).(map[string]any)
	res := dig(tpl, "Resources", TableID)
	if res["Type"] != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("template %s: %s is not an AWS::DynamoDB::Table", path, TableID)
	}
	props := dig(res, "Properties")
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingMode(firstString(props["BillingMode"])),
		KeySchema:   keySchema(props["KeySchema"]),
	}
	for _, a := range list(props["AttributeDefinitions"]) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(firstString(a["AttributeName"])),
			AttributeType: types.ScalarAttributeType(firstString(a["AttributeType"])),
		})
	}
	for _, g := range list(props["GlobalSecondaryIndexes"]) {
		projection := dig(g, "Projection")
		p := &types.Projection{
			ProjectionType:   types.ProjectionType(firstString(projection["ProjectionType"])),
			NonKeyAttributes: strs(projection["NonKeyAttributes"]),
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(firstString(g["IndexName"])),
			KeySchema:  keySchema(g["KeySchema"]),
			Projection: p,
		})
	}
	if view := firstString(dig(props, "StreamSpecification")["StreamViewType"]); view != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(view)}
	}
	if len(in.KeySchema) == 0 || len(in.AttributeDefinitions) == 0 {
		return nil, fmt.Errorf("template %s: %s has no KeySchema or AttributeDefinitions", path, TableID)
	}
	return in, nil
}

func keySchema(v any) []types.KeySchemaElement {
	var ks []types.KeySchemaElement
	for _, k := range list(v) {
		ks = append(ks, types.KeySchemaElement{
			AttributeName: aws.String(firstString(k["AttributeName"])),
			KeyType:       types.KeyType(firstString(k["KeyType"])),
		})
	}
	return ks
}

// list reads a YAML list of mappings.
func list(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, item := range items {
		if m, ok := item.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
