package events

import (
	"encoding/json"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/xcloud/customers/shared/changeevent"
	"github.com/xcloud/customers/shared/httpapi"
)

// The metrics directive, written out for the cold start, declares exactly
// the metrics a batch line carries, in the API's namespace.
func TestMetricsDirective(t *testing.T) {
	var directive []struct {
		Namespace string
		Metrics   []struct{ Name string }
	}
	if err := json.Unmarshal(emf, &directive); err != nil || len(directive) != 1 {
		t.Fatalf("directive %s: %v", emf, err)
	}
	if directive[0].Namespace != httpapi.MetricsNamespace {
		t.Errorf("namespace %q, want %q", directive[0].Namespace, httpapi.MetricsNamespace)
	}
	var carried []string
	for _, a := range metrics(time.Now(), 1, changeevent.Outcome{}) {
		if a.Value.Kind() != slog.KindGroup {
			carried = append(carried, a.Key)
		}
	}
	var declared []string
	for _, m := range directive[0].Metrics {
		declared = append(declared, m.Name)
	}
	slices.Sort(carried)
	slices.Sort(declared)
	if !slices.Equal(carried, declared) {
		t.Errorf("the line carries %v, the directive declares %v", carried, declared)
	}
}
