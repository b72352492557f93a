package hmacauth_test

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/hmacauth"
)

func TestParseCredentialsValid(t *testing.T) {
	data, err := os.ReadFile("testdata/credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := hmacauth.ParseCredentials(data)
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	want := hmacauth.Credentials{
		"billing-svc": {
			Secrets: []string{"first-secret", "second-secret"},
			Scopes:  []hmacauth.Scope{hmacauth.ScopeRead, hmacauth.ScopeWrite},
		},
		"reporting.v2_x-1": {Secrets: []string{"only-secret"}, Scopes: []hmacauth.Scope{hmacauth.ScopeRead}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseCredentials =\n%#v\nwant\n%#v", got, want)
	}
	// A parsed document is a CredentialSource returning itself.
	var src hmacauth.CredentialSource = got
	again, err := src.Get(context.Background())
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("Credentials.Get = %v, %v", again, err)
	}
}

func TestParseCredentialsAccepted(t *testing.T) {
	tests := []struct {
		name, doc string
		want      hmacauth.Credentials
	}{
		{"trailing whitespace", `{"a":{"secrets":["s"],"scopes":["customers:read"]}}` + " \n\t",
			hmacauth.Credentials{"a": {Secrets: []string{"s"}, Scopes: []hmacauth.Scope{hmacauth.ScopeRead}}}},
		{"64-character id", `{"` + id64 + `":{"secrets":["s"],"scopes":[]}}`,
			hmacauth.Credentials{id64: {Secrets: []string{"s"}, Scopes: []hmacauth.Scope{}}}},
		{"non-ASCII secret", `{"a":{"secrets":["clé"],"scopes":["customers:write"]}}`,
			hmacauth.Credentials{"a": {Secrets: []string{"clé"}, Scopes: []hmacauth.Scope{hmacauth.ScopeWrite}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hmacauth.ParseCredentials([]byte(tc.doc))
			if err != nil {
				t.Fatalf("ParseCredentials(%s): %v", tc.doc, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseCredentials = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	const good = `{"a":{"secrets":["s1","s2"],"scopes":["customers:read"]}}`
	tests := []struct{ name, doc string }{
		{"empty input", ``},
		{"not JSON", `secrets: yes`},
		{"truncated JSON", `{"a":{"secrets":["s1"]`},
		{"trailing garbage", good + ` x`},
		{"trailing second object", good + ` {}`},
		{"trailing closing brace", good + `}`},
		{"trailing closing bracket", good + `]`},
		{"top-level array", `[` + good + `]`},
		{"top-level string", `"a"`},
		{"top-level null", `null`},
		{"service value not an object", `{"a":["s1"]}`},
		{"service value null", `{"a":null}`},
		{"bad service id: space", `{"bad id":{"secrets":["s"],"scopes":[]}}`},
		{"bad service id: slash", `{"a/b":{"secrets":["s"],"scopes":[]}}`},
		{"bad service id: empty", `{"":{"secrets":["s"],"scopes":[]}}`},
		{"bad service id: 65 characters", `{"` + strings.Repeat("a", 65) + `":{"secrets":["s"],"scopes":[]}}`},
		{"bad one among good", `{"a":{"secrets":["s"],"scopes":[]},"b!":{"secrets":["s"],"scopes":[]}}`},
		{"zero secrets", `{"a":{"secrets":[],"scopes":["customers:read"]}}`},
		{"secrets absent", `{"a":{"scopes":["customers:read"]}}`},
		{"secrets null", `{"a":{"secrets":null,"scopes":["customers:read"]}}`},
		{"three secrets", `{"a":{"secrets":["s1","s2","s3"],"scopes":["customers:read"]}}`},
		{"empty secret", `{"a":{"secrets":[""],"scopes":["customers:read"]}}`},
		{"empty second secret", `{"a":{"secrets":["s1",""],"scopes":["customers:read"]}}`},
		{"secrets a string", `{"a":{"secrets":"s1","scopes":["customers:read"]}}`},
		{"secret not a string", `{"a":{"secrets":[42],"scopes":["customers:read"]}}`},
		{"unknown scope", `{"a":{"secrets":["s"],"scopes":["customers:admin"]}}`},
		{"scope in another case", `{"a":{"secrets":["s"],"scopes":["Customers:Read"]}}`},
		{"scope empty", `{"a":{"secrets":["s"],"scopes":[""]}}`},
		{"unknown property", `{"a":{"secrets":["s"],"scopes":[],"expires":"2030-01-01"}}`},
		{"misspelt property", `{"a":{"secret":["s"],"scopes":[]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := hmacauth.ParseCredentials([]byte(tc.doc))
			if err == nil {
				t.Fatalf("ParseCredentials(%s) = %#v, want an error", tc.doc, got)
			}
			if got != nil {
				t.Errorf("ParseCredentials returned %#v with its error", got)
			}
			for _, s := range []string{"s1", "s2", "s3"} {
				if strings.Contains(err.Error(), `"`+s+`"`) {
					t.Errorf("error %q quotes a secret", err)
				}
			}
		})
	}
}
