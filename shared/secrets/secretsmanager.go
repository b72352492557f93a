package secrets

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsManager is the part of the SDK's Secrets Manager client the
// functions use.
type SecretsManager interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ SecretsManager = (*secretsmanager.Client)(nil)

// FromSecretsManager returns the fetch of secret id's current string value.
// The client's own retryer retries throttling and server errors.
func FromSecretsManager(sm SecretsManager, id string) Fetch {
	return func(ctx context.Context) ([]byte, error) {
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
		if err != nil {
			return nil, fmt.Errorf("get secret %s: %w", id, err)
		}
		if out.SecretString == nil {
			return nil, fmt.Errorf("get secret %s: it has no string value", id)
		}
		return []byte(*out.SecretString), nil
	}
}
