package permissions_test

import (
	"context"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/xcloud/customers/internal/permissions"
	"github.com/xcloud/customers/internal/samtemplate"
	"github.com/xcloud/customers/shared/awsclient"
	"github.com/xcloud/customers/shared/settings"
)

// grants reads the template after an edit of its text.
func grants(t *testing.T, old, new string) permissions.Grants {
	t.Helper()
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if old != "" {
		if !strings.Contains(text, old) {
			t.Fatalf("template has no %q", old)
		}
		text = strings.Replace(text, old, new, 1)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, nested := range []string{"events.yaml", "monitoring.yaml"} {
		b, err := os.ReadFile(filepath.Join("../..", nested))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, nested), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fns, err := samtemplate.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return permissions.FromTemplate(fns)
}

// Behaviour exactly as the template grants it passes; a grant removed, one
// added or one on the wrong resource fails, naming the function and grant.
func TestCompareCatchesRemovedAndExtraGrants(t *testing.T) {
	performed := grants(t, "", "")
	if errs := permissions.Compare(performed, performed); len(errs) != 0 {
		t.Fatalf("behaviour as granted: %v", errs)
	}
	for _, c := range []struct {
		name, old, new string
		want           []string
	}{
		{"a grant removed", `Action: "dynamodb:GetItem"`, `Action: "dynamodb:DescribeTable"`,
			[]string{"GetFunction performs dynamodb:GetItem on table, which its policy in template.yaml does not grant",
				"GetFunction is granted dynamodb:DescribeTable on table in template.yaml, which no test saw it use"}},
		{"a grant added", `Action: "dynamodb:GetItem"`, `Action: ["dynamodb:GetItem", "dynamodb:DeleteItem"]`,
			[]string{"GetFunction is granted dynamodb:DeleteItem on table in template.yaml, which no test saw it use"}},
		{"the index's grant on the table", `Resource: !Sub "${CustomersTable.Arn}/index/status-index"`, "Resource: !GetAtt CustomersTable.Arn",
			[]string{"ListFunction performs dynamodb:Query on index/status-index, which its policy in template.yaml does not grant",
				"ListFunction is granted dynamodb:Query on table in template.yaml, which no test saw it use"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, err := range permissions.Compare(performed, grants(t, c.old, c.new)) {
				got = append(got, err.Error())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// The recorder names what the SDK calls act on as the template does.
func TestRecorder(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(`{}`))), 10))
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	rec := permissions.NewRecorder()
	s := settings.Settings{Table: "customers", CredentialsSecretID: "creds", PageTokenSecretID: "key"}
	ctx := context.Background()
	opts := awsclient.Options{DynamoDBEndpoint: srv.URL}
	opts.APIOptions = append(opts.APIOptions, rec.For("ListFunction", s))
	cfg, err := awsclient.Config(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	db := awsclient.DynamoDB(cfg, opts)
	db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("customers"), IndexName: aws.String("status-index")})
	db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("customers")})
	sm := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
	sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("key")})
	want := []string{"dynamodb:Query on index/status-index", "dynamodb:Scan on table", "secretsmanager:GetSecretValue on secret:PAGE_TOKEN_SECRET_ID"}
	seen := rec.Seen()["ListFunction"]
	if len(seen) != len(want) {
		t.Errorf("recorded %v, want %v", seen, want)
	}
	for _, w := range want {
		action, resource, _ := strings.Cut(w, " on ")
		if !seen[permissions.Grant{Action: action, Resource: resource}] {
			t.Errorf("not recorded: %s (recorded %v)", w, seen)
		}
	}
}

// The publisher's own grants are the bus and the queue, named as the
// recorder names them; what Lambda does with its role (reading the stream,
// sending failed batches to a destination of the operator's) is not its
// code's to use.
func TestPublisherGrants(t *testing.T) {
	got := grants(t, "", "")["EventsFunction"]
	want := map[permissions.Grant]bool{
		{Action: "events:PutEvents", Resource: "bus:" + settings.EnvEventBus}:     true,
		{Action: "sqs:SendMessage", Resource: "queue:" + settings.EnvEventsQueue}: true,
	}
	if len(got) != len(want) {
		t.Errorf("grants %v, want %v", got, want)
	}
	for g := range want {
		if !got[g] {
			t.Errorf("no grant %s (grants %v)", g, got)
		}
	}
}
