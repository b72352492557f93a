package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/xcloud/customers/client"
)

// SmokeCustomer is the customer the smoke test reads and, with --write,
// registers and updates: reserved for it, never a real customer's id.
const SmokeCustomer = "FST-10000000000000-XCloudSmokeTest"

const smokeUsage = `usage: xcloud smoke [flags] [--write] [--customer ID]

Checks that a deployed API answers as it must, one line a check, and exits 1
naming what failed. Without --write it only reads, and it needs a credential
with customers:read: a listing, the smoke customer read and checked for
existence (found or not), and refusals of an unsigned request and of a wrong
secret. With --write (a credential with customers:write too; never against
production) it first registers the smoke customer (or finds it registered),
updates its description under If-Match and regenerates its secondary key.

  --write                   also register, update and regenerate a key
  --customer ID             the customer to use (default ` + SmokeCustomer + `)

` + commonFlags

// smoke runs the checks, printing one line each.
func (c *cli) smoke(args []string) error {
	fs := c.flagSet("xcloud smoke")
	write := fs.Bool("write", false, "")
	id := fs.String("customer", SmokeCustomer, "")
	if err := c.parse(fs, args, smokeUsage, true); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("smoke: no arguments wanted, got %d; run 'xcloud smoke --help'", fs.NArg())
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	endpoint, _ := c.resolvedEndpoint()
	creds, _ := c.credentials()
	s := &smokeRun{out: c.stdout}
	ctx := context.Background()

	if *write {
		s.check("register the smoke customer (POST, 201, or 409 when it exists)", func() error {
			body := fmt.Sprintf(`{"customerId":%q,"customerName":"XCloud smoke test","contactInfo":{"email":"smoke-test@xcloud.invalid"},"status":"INACTIVE"}`, *id)
			_, err := cl.RegisterJSON(ctx, []byte(body))
			return allow(err, http.StatusConflict, "CUSTOMER_EXISTS")
		})
		var etag string
		s.check("read it (GET, 200)", func() error {
			got, err := cl.Get(ctx, *id)
			if err == nil {
				etag = got.ETag
			}
			return err
		})
		stamp := "smoke test of " + time.Now().UTC().Format(time.RFC3339Nano)
		s.check("update its description under If-Match (PUT, 200)", func() error {
			u := client.NewUpdate().Set("description", stamp)
			res, err := cl.Update(ctx, *id, u, client.IfMatch(etag))
			if err == nil && !slices.Contains(res.Changes, "description") {
				return fmt.Errorf("changes %v, want description among them", res.Changes)
			}
			return err
		})
		s.check("read the update back (GET, 200)", func() error {
			got, err := cl.Get(ctx, *id)
			if err == nil && (got.Description == nil || *got.Description != stamp) {
				return fmt.Errorf("description %v, want %q", got.Description, stamp)
			}
			return err
		})
		s.check("regenerate its secondary key (POST .../apiKeys, 200)", func() error {
			res, err := cl.RegenerateKey(ctx, *id, client.SecondaryKey)
			if err == nil && res.APIKeys[client.SecondaryKey] == "" {
				return errors.New("no new secondary key in the answer")
			}
			return err
		})
	}
	s.check("list customers (GET ?limit=1, 200)", func() error {
		_, err := cl.List(ctx, client.ListOptions{Limit: 1})
		return err
	})
	s.check("read the smoke customer (GET, 200, or 404 when it is not registered)", func() error {
		_, err := cl.Get(ctx, *id)
		if *write {
			return err
		}
		return allow(err, http.StatusNotFound, "CUSTOMER_NOT_FOUND")
	})
	s.check("check that it exists (HEAD, 200 or 404)", func() error {
		res, err := cl.Exists(ctx, *id)
		if err == nil && *write && !res.AllExist {
			return errors.New("missing, though registered above")
		}
		return err
	})
	s.check("refuse a wrong secret (401 INVALID_SIGNATURE with stringToSign)", func() error {
		wrong := client.New(endpoint, client.Credentials{ServiceID: creds.ServiceID, Secret: creds.Secret + "-wrong"}, client.WithRetry(retryPolicy))
		_, err := wrong.Get(ctx, *id)
		e := client.AsError(err)
		if e == nil || e.StatusCode != http.StatusUnauthorized || e.Code != "INVALID_SIGNATURE" || e.StringToSign == "" {
			return fmt.Errorf("got %v", describeResult(err))
		}
		return nil
	})
	s.check("refuse an unsigned request (401 MISSING_AUTHENTICATION)", func() error {
		resp, err := http.Get(strings.TrimSuffix(endpoint, "/") + "/xcloud/v1/customers/" + *id)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"MISSING_AUTHENTICATION"`) {
			return fmt.Errorf("got %d %s", resp.StatusCode, body)
		}
		return nil
	})
	if s.failed > 0 {
		return &failure{code: exitOther, err: fmt.Errorf("smoke: %d of %d checks failed against %s", s.failed, s.ran, endpoint)}
	}
	fmt.Fprintf(c.stdout, "smoke: all %d checks passed against %s\n", s.ran, endpoint)
	return nil
}

// smokeRun counts checks and prints their lines.
type smokeRun struct {
	out         io.Writer
	ran, failed int
}

func (s *smokeRun) check(name string, f func() error) {
	s.ran++
	start := time.Now()
	err := f()
	ms := time.Since(start).Milliseconds()
	if err == nil {
		fmt.Fprintf(s.out, "ok    %s (%d ms)\n", name, ms)
		return
	}
	s.failed++
	fmt.Fprintf(s.out, "FAIL  %s: %s (%d ms)\n", name, describeResult(err), ms)
}

// allow passes err when it is the API's answer status and code.
func allow(err error, status int, code string) error {
	if e := client.AsError(err); e != nil && e.StatusCode == status && e.Code == code {
		return nil
	}
	return err
}

// describeResult says what came back, for a failed check's line.
func describeResult(err error) string {
	if err == nil {
		return "success"
	}
	if e := client.AsError(err); e != nil {
		s := fmt.Sprintf("%d %s %q", e.StatusCode, e.Code, e.Message)
		if e.RequestID != "" {
			s += " (request id " + e.RequestID + ")"
		}
		return s
	}
	return err.Error()
}
