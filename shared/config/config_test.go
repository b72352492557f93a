package config_test

import (
	"strings"
	"testing"

	"github.com/xcloud/customers/shared/config"
	"github.com/xcloud/customers/shared/customer"
)

func TestFromEnvInLambdaRequiresTheTemplatesVariables(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "ListFunction")
	for _, name := range config.Everything.Env() {
		t.Setenv(name, "")
	}
	t.Setenv(config.EnvTable, "customers")
	t.Setenv(config.EnvCredentials, `{}`) // stands in for CREDENTIALS_SECRET_ID
	_, err := config.FromEnv(config.Needs{StatusIndex: true, PageTokens: true})
	if err == nil {
		t.Fatal("no error with variables missing")
	}
	for _, want := range []string{config.EnvStatusIndex, config.EnvPageTokenSecretID, config.EnvLogLevel} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), config.EnvCredentialsSecretID) || strings.Contains(err.Error(), "LIMIT_") {
		t.Errorf("error %q names a variable that is not needed or has its local stand-in", err)
	}
}

func TestFromEnvLocally(t *testing.T) {
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "")
	for _, name := range config.Everything.Env() {
		t.Setenv(name, "")
	}
	t.Setenv(config.EnvMaxUsers, "7")
	c, err := config.FromEnv(config.Everything)
	if err != nil {
		t.Fatal(err)
	}
	want := customer.DefaultLimits
	want.MaxUsers = 7
	if c.Table != config.DefaultTable || c.StatusIndex != config.DefaultStatusIndex || c.Limits != want {
		t.Errorf("got %+v", c)
	}
	for _, bad := range [][2]string{{config.EnvMaxDevices, "-1"}, {config.EnvMaxDataPoints, "lots"}, {config.EnvLogLevel, "LOUD"}} {
		t.Run(bad[0], func(t *testing.T) {
			t.Setenv(bad[0], bad[1])
			if _, err := config.FromEnv(config.Everything); err == nil || !strings.Contains(err.Error(), bad[0]) {
				t.Errorf("%s=%s: error %v", bad[0], bad[1], err)
			}
		})
	}
}
