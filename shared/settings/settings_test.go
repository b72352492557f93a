package settings_test

import (
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/customer"
	"github.com/xcloud/customers/shared/function"
	"github.com/xcloud/customers/shared/settings"
)

func TestFromEnvInLambdaRequiresTheTemplatesVariables(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "ListFunction")
	for _, name := range settings.Env(settings.Everything) {
		t.Setenv(name, "")
	}
	t.Setenv(settings.EnvTable, "customers")
	t.Setenv(settings.EnvCredentials, `{}`) // stands in for CREDENTIALS_SECRET_ID
	_, err := settings.Read(function.Needs{StatusIndex: true, PageTokens: true})
	if err == nil {
		t.Fatal("no error with variables missing")
	}
	for _, want := range []string{settings.EnvStatusIndex, settings.EnvPageTokenSecretID, settings.EnvLogLevel} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), settings.EnvCredentialsSecretID) || strings.Contains(err.Error(), "LIMIT_") {
		t.Errorf("error %q names a variable that is not needed or has its local stand-in", err)
	}
}

func TestFromEnvLocally(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "")
	for _, name := range settings.Env(settings.Everything) {
		t.Setenv(name, "")
	}
	t.Setenv(settings.EnvMaxUsers, "7")
	c, err := settings.Read(settings.Everything)
	if err != nil {
		t.Fatal(err)
	}
	want := customer.DefaultLimits
	want.MaxUsers = 7
	if c.Table != settings.DefaultTable || c.StatusIndex != "" || c.Limits != want {
		t.Errorf("got %+v", c)
	}
	for _, bad := range [][2]string{{settings.EnvMaxDevices, "-1"}, {settings.EnvMaxDataPoints, "lots"}, {settings.EnvLogLevel, "LOUD"}} {
		t.Run(bad[0], func(t *testing.T) {
			t.Setenv(bad[0], bad[1])
			if _, err := settings.Read(settings.Everything); err == nil || !strings.Contains(err.Error(), bad[0]) {
				t.Errorf("%s=%s: error %v", bad[0], bad[1], err)
			}
		})
	}
}
