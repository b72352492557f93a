package httpapi

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The directive written out in emfDirective is the one meant: every metric
// of the request line, by route and by route and error code.
func TestEMFDirective(t *testing.T) {
	want := []map[string]any{{
		"Namespace":  MetricsNamespace,
		"Dimensions": [][]string{{"Route"}, {"Route", "ErrorCode"}},
		"Metrics": []map[string]string{
			{"Name": "Requests", "Unit": "Count"},
			{"Name": "Errors", "Unit": "Count"},
			{"Name": "ServerErrors", "Unit": "Count"},
			{"Name": "Latency", "Unit": "Milliseconds"},
			{"Name": "ConditionalConflicts", "Unit": "Count"},
			{"Name": "SignatureFailures", "Unit": "Count"},
			{"Name": "DynamoDBLatency", "Unit": "Milliseconds"},
		},
	}}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got, wantAny any
	if err := json.Unmarshal(emfDirective, &got); err != nil {
		t.Fatalf("emfDirective is not JSON: %v", err)
	}
	json.Unmarshal(b, &wantAny)
	if !reflect.DeepEqual(got, wantAny) {
		t.Errorf("emfDirective\n%s\nwant\n%s", emfDirective, b)
	}
}
