package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SecretsManager reads secret values with Secrets Manager's GetSecretValue:
// one JSON request signed with Signature Version 4 by the SDK's signer. It
// stands in for the SDK's secretsmanager client, whose package builds its
// schema and endpoint tables at every cold start (about 1.1 ms of init and
// 0.2 MB of heap, 1.9 ms of cold start with the pages they touch:
// docs/PERFORMANCE.md) for the one call the functions make.
type SecretsManager struct {
	endpoint string
	region   string
	creds    aws.CredentialsProvider
	http     aws.HTTPClient
	signer   *v4.Signer
}

// NewSecretsManager returns a client of Secrets Manager in cfg's region,
// with cfg's credentials and HTTP client; endpoint, when not empty, replaces
// the region's (a local stack, a test's fake).
func NewSecretsManager(cfg aws.Config, endpoint string) *SecretsManager {
	if endpoint == "" {
		endpoint = "https://secretsmanager." + cfg.Region + ".amazonaws.com"
		if strings.HasPrefix(cfg.Region, "cn-") {
			endpoint += ".cn"
		}
	}
	client := cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	return &SecretsManager{
		endpoint: strings.TrimSuffix(endpoint, "/"),
		region:   cfg.Region,
		creds:    cfg.Credentials,
		http:     client,
		signer:   v4.NewSigner(),
	}
}

// Attempts of one fetch: throttling, 5xx answers and network errors are
// retried after a short pause, as the SDK's client would.
const (
	fetchAttempts = 3
	fetchBackoff  = 50 * time.Millisecond
)

// Fetch returns the fetch of the current string value of secret id.
func (s *SecretsManager) Fetch(id string) Fetch {
	return func(ctx context.Context) ([]byte, error) {
		body, err := json.Marshal(struct {
			SecretID string `json:"SecretId"`
		}{id})
		if err != nil {
			return nil, fmt.Errorf("get secret %s: %w", id, err)
		}
		var answer []byte
		for attempt := range fetchAttempts {
			if attempt > 0 {
				select {
				case <-ctx.Done():
					return nil, fmt.Errorf("get secret %s: %w (after %v)", id, ctx.Err(), err)
				case <-time.After(fetchBackoff << (attempt - 1)):
				}
			}
			if answer, err = s.call(ctx, "secretsmanager.GetSecretValue", body); !retryable(err) {
				break
			}
		}
		if err != nil {
			return nil, fmt.Errorf("get secret %s: %w", id, err)
		}
		var out struct{ SecretString *string }
		if err := json.Unmarshal(answer, &out); err != nil {
			return nil, fmt.Errorf("get secret %s: the answer is not JSON: %w", id, err)
		}
		if out.SecretString == nil {
			return nil, fmt.Errorf("secret %s has no string value", id)
		}
		return []byte(*out.SecretString), nil
	}
}

// APIError is an error answer of Secrets Manager.
type APIError struct {
	Status  int
	Code    string // ResourceNotFoundException, ThrottlingException, ...
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("Secrets Manager answered %d %s: %s", e.Status, e.Code, e.Message)
}

// maxAnswer bounds an answer read: a secret holds at most 64 KB.
const maxAnswer = 1 << 20

// call makes one signed request of the JSON protocol (target is the
// X-Amz-Target, such as secretsmanager.GetSecretValue) and returns the
// body of a 200 answer.
func (s *SecretsManager) call(ctx context.Context, target string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("retrieve credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := s.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "secretsmanager", s.region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	if resp.StatusCode == http.StatusOK {
		return answer, nil
	}
	apiErr := &APIError{Status: resp.StatusCode, Code: "UnknownError"}
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
		Upper   string `json:"Message"`
	}
	if json.Unmarshal(answer, &e) == nil {
		if e.Type != "" {
			apiErr.Code = e.Type[strings.LastIndex(e.Type, "#")+1:]
		}
		apiErr.Message = e.Message + e.Upper
	}
	if t := resp.Header.Get("X-Amzn-Errortype"); t != "" && e.Type == "" {
		apiErr.Code, _, _ = strings.Cut(t, ":")
	}
	return nil, apiErr
}

// retryable reports whether err is worth another attempt: throttling, a
// server error or a network failure, not a refusal or a missing secret.
func retryable(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status >= 500 || apiErr.Status == http.StatusTooManyRequests || apiErr.Code == "ThrottlingException"
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF)
}
