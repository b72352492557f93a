package customer_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xcloud/customers/shared/customer"
)

// The decoders run on every POST and PUT, so their cost per request matters.

func BenchmarkDecodeCreate(b *testing.B) {
	for _, name := range []string{"seed_post.json", "full_post.json"} {
		b.Run(name, func(b *testing.B) {
			body := benchBody(b, name)
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := customer.DecodeCreate(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeUpdate(b *testing.B) {
	body := benchBody(b, "seed_put.json")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := customer.DecodeUpdate(body, baseID); err != nil {
			b.Fatal(err)
		}
	}
}

func benchBody(b *testing.B, name string) []byte {
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	return body
}
