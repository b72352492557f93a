// Command xcloud-sign signs one XCloud request with XCLOUD-HMAC-SHA256 and
// prints its headers, or with -curl a whole curl command to pipe to sh.
//
//	xcloud-sign [-service ID] [-secret S] [-body JSON] [-curl] METHOD URL
//
// The service id and secret default to $XCLOUD_SERVICE_ID and
// $XCLOUD_SERVICE_SECRET. URL may be a full URL or just a path and query.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/xcloud/customers/shared/hmacauth"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "xcloud-sign:", err)
		os.Exit(2)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("xcloud-sign", flag.ContinueOnError)
	service := fs.String("service", os.Getenv("XCLOUD_SERVICE_ID"), "calling service id (default $XCLOUD_SERVICE_ID)")
	secret := fs.String("secret", os.Getenv("XCLOUD_SERVICE_SECRET"), "the service's secret (default $XCLOUD_SERVICE_SECRET)")
	body := fs.String("body", "", "request body, for POST and PUT")
	curl := fs.Bool("curl", false, "print a curl command instead of the headers")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: xcloud-sign [-service ID] [-secret S] [-body JSON] [-curl] METHOD URL")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errors.New("want METHOD and URL")
	}
	if *service == "" || *secret == "" {
		return errors.New("no credentials: give -service and -secret, or set XCLOUD_SERVICE_ID and XCLOUD_SERVICE_SECRET")
	}
	method, target := strings.ToUpper(fs.Arg(0)), fs.Arg(1)
	req, err := http.NewRequest(method, target, bytes.NewReader([]byte(*body)))
	if err != nil {
		return fmt.Errorf("parse URL: %w", err)
	}
	if err := (hmacauth.Signer{ServiceID: *service, Secret: *secret}).Sign(req, []byte(*body)); err != nil {
		return err
	}
	if *body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	names := make([]string, 0, len(req.Header))
	for name := range req.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	if !*curl {
		for _, name := range names {
			fmt.Fprintf(out, "%s: %s\n", name, req.Header.Get(name))
		}
		return nil
	}
	cmd := []string{"curl", "-sS", "-i", "-X", method, quote(target)}
	if method == http.MethodHead {
		cmd = []string{"curl", "-sS", "-I", quote(target)}
	}
	for _, name := range names {
		cmd = append(cmd, "-H", quote(name+": "+req.Header.Get(name)))
	}
	if *body != "" {
		cmd = append(cmd, "--data-binary", quote(*body))
	}
	fmt.Fprintln(out, strings.Join(cmd, " "))
	return nil
}

// quote makes s one word for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
