package bench_test

import (
	"testing"

	"github.com/xcloud/customers/internal/bench"
)

// BenchmarkEndpoint and BenchmarkFloor, one sub-benchmark per endpoint, in
// a form benchstat reads: make bench runs them with -count.
func BenchmarkEndpoint(b *testing.B) {
	s, err := bench.NewSetup("../..")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, c := range bench.Cases {
		b.Run(c.Function, s.Endpoint(c))
	}
}

func BenchmarkFloor(b *testing.B) {
	s, err := bench.NewSetup("../..")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, c := range bench.Cases {
		b.Run(c.Function, s.Floor(c))
	}
}

// Every endpoint answers as it should on the fake DynamoDB, with exactly one
// DynamoDB call per request.
func TestOneDynamoDBCallPerRequest(t *testing.T) {
	s, err := bench.NewSetup("../..")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range bench.Cases {
		s.Fake.Calls()
		for range 10 {
			if err := s.Invoke(c); err != nil {
				t.Fatal(err)
			}
		}
		calls := s.Fake.Calls()
		if len(calls) != 1 || calls[c.DynamoOp] != 10 {
			t.Errorf("%s: 10 requests made DynamoDB calls %v, want 10 %s", c.Name, calls, c.DynamoOp)
		}
	}
}
