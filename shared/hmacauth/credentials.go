package hmacauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sync"
)

// Scope is a permission a service holds.
type Scope string

// The scopes of the contract.
const (
	ScopeRead  Scope = "customers:read"
	ScopeWrite Scope = "customers:write"
)

// serviceIDRule is the service id rule; error messages quote it.
const serviceIDRule = `^[A-Za-z0-9._-]{1,64}$`

// Compiled on first use, like the other shapes: a function that checks no
// signature (the publisher) does not pay for them at cold start.
var serviceIDShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(serviceIDRule) })

// ValidServiceID reports whether id has the shape of a service id
// (serviceIDRule), so that a claimed one may be logged.
func ValidServiceID(id string) bool { return serviceIDShape().MatchString(id) }

// Service is one calling service: up to two active secrets (rotation) and its scopes.
type Service struct {
	Secrets []string `json:"secrets"`
	Scopes  []Scope  `json:"scopes"`
}

// Credentials maps service ids to services: the contract's credentials document.
type Credentials map[string]Service

// Get lets a fixed Credentials value serve as a CredentialSource.
func (c Credentials) Get(context.Context) (Credentials, error) { return c, nil }

// ParseCredentials reads and checks the credentials document, so a typo in
// the secret fails loudly at load instead of as puzzling 401s.
func ParseCredentials(data []byte) (Credentials, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Credentials
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse credentials document: %w", err)
	}
	// dec.More is false before a stray '}' or ']'; only EOF means nothing follows.
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("parse credentials document: trailing data after the JSON object")
	}
	if c == nil {
		return nil, errors.New("parse credentials document: not a JSON object")
	}
	for id, svc := range c {
		if !ValidServiceID(id) {
			return nil, fmt.Errorf("credentials: service id %q does not match %s", id, serviceIDRule)
		}
		if len(svc.Secrets) < 1 || len(svc.Secrets) > maxSecrets {
			return nil, fmt.Errorf("credentials: service %q must have one or two secrets, has %d", id, len(svc.Secrets))
		}
		if slices.Contains(svc.Secrets, "") {
			return nil, fmt.Errorf("credentials: service %q has an empty secret", id)
		}
		for _, s := range svc.Scopes {
			if s != ScopeRead && s != ScopeWrite {
				return nil, fmt.Errorf("credentials: service %q has unknown scope %q", id, s)
			}
		}
	}
	return c, nil
}

func (s Service) has(scope Scope) bool { return slices.Contains(s.Scopes, scope) }
