package bench

import (
	"os"
	"testing"
	"time"

	"github.com/xcloud/customers/internal/lambdarun"
)

func TestColdTmp(t *testing.T) {
	root, b := build(t)
	minimal, get, _ := runs(t, root, b)
	for i := 0; i < 20; i++ {
		for _, r := range []Run{minimal, get} {
			env := append(append([]string{}, r.Env...), os.Getenv("XENV"))
			p, err := lambdarun.Start(t.Context(), lambdarun.Options{Binary: r.Binary, Function: functionName, Env: env, Stdout: os.Stdout, Stderr: os.Stderr})
			if err != nil {
				t.Fatal(err)
			}
			s := time.Now()
			res, err := p.Invoke(t.Context(), r.Event)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s since start %v, invoke %v (duration %v)", r.Binary, res.SinceStart, time.Since(s), res.Duration)
			p.Close()
		}
	}
}
