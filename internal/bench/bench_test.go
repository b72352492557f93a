package bench_test

import (
	"net/http"
	"testing"

	"github.com/xcloud/customers/internal/bench"
)

// BenchmarkEndpoint and BenchmarkFloor, one sub-benchmark per endpoint, in
// a form benchstat reads. make bench measures the same functions, rounds
// interleaved, through cmd/xcloud-bench.
func BenchmarkEndpoint(b *testing.B) {
	s := setup(b)
	for _, c := range bench.Cases {
		b.Run(c.Function, s.Endpoint(c))
	}
}

func BenchmarkFloor(b *testing.B) {
	s := setup(b)
	for _, c := range bench.Cases {
		b.Run(c.Function, s.Floor(c))
	}
}

// BenchmarkDynamoDBCall is the get endpoint's DynamoDB call alone, through
// the SDK and as a plain POST.
func BenchmarkDynamoDBCall(b *testing.B) {
	s := setup(b)
	b.Run("SDK", s.SDKCall)
	b.Run("Plain", s.PlainCall)
}

func setup(tb testing.TB) *bench.Setup {
	tb.Helper()
	s, err := bench.NewSetup("../..")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Every endpoint answers as it should on the fake DynamoDB with exactly one
// DynamoDB call per request, as both the SDK middleware and the server count.
func TestOneDynamoDBCallPerRequest(t *testing.T) {
	s := setup(t)
	for _, c := range bench.Cases {
		s.Fake.Calls()
		s.Meter.Take()
		for range 10 {
			if err := s.Invoke(c); err != nil {
				t.Fatal(err)
			}
		}
		served := s.Fake.Calls()
		made, _ := s.Meter.Take()
		if len(served) != 1 || served[c.DynamoOp] != 10 {
			t.Errorf("%s: 10 requests reached DynamoDB as %v, want 10 %s", c.Name, served, c.DynamoOp)
		}
		if len(made) != 1 || made[c.DynamoOp] != 10 {
			t.Errorf("%s: 10 requests made SDK calls %v, want 10 %s", c.Name, made, c.DynamoOp)
		}
	}
}

// A HEAD of 100 ids, the most the contract allows, is one BatchGetItem.
func TestExistsOfHundredIDsIsOneCall(t *testing.T) {
	s := setup(t)
	ev, err := s.ExistsEvent(bench.IDs(100))
	if err != nil {
		t.Fatal(err)
	}
	s.Meter.Take()
	resp, err := s.InvokeEvent("ExistsFunction", ev)
	if err != nil {
		t.Fatal(err)
	}
	// The fake knows one customer, so the rest are missing: 404.
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404: %v", resp.StatusCode, resp.Headers)
	}
	if made, _ := s.Meter.Take(); len(made) != 1 || made["BatchGetItem"] != 1 {
		t.Errorf("a HEAD of 100 ids made SDK calls %v, want 1 BatchGetItem", made)
	}
}
