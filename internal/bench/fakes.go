package bench

import (
	"slices"

	"github.com/xcloud/customers/internal/localbus"
)

// Fakes are the stand-ins for the AWS services one measurement's processes
// call, each on its own address: DynamoDB, Secrets Manager, and EventBridge
// and SQS (a localbus). Each measurement has its own, so that measurements
// running side by side count only their own calls.
type Fakes struct {
	DynamoDB *FakeDynamoDB
	Secrets  *FakeSecretsManager
	Bus      *localbus.Bus
	env      map[string][]string
}

// NewFakes starts a set, for the repository at root.
func NewFakes(root string) (*Fakes, error) {
	secrets, err := Secrets(root)
	if err != nil {
		return nil, err
	}
	f := &Fakes{DynamoDB: NewFakeDynamoDB(Table), Secrets: NewFakeSecretsManager(secrets), Bus: localbus.Start()}
	f.Bus.Forget = true // a benchmark's millions of entries are counted, not kept
	f.env, err = FunctionEnv(root, Endpoints{DynamoDB: f.DynamoDB.URL, SecretsManager: f.Secrets.URL, Bus: f.Bus.URL, Queue: f.Bus.QueueURL()})
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Env is the environment of function id on these fakes (FunctionEnv); nil
// for an id the templates do not declare.
func (f *Fakes) Env(id string) []string { return slices.Clone(f.env[id]) }

// Close stops them.
func (f *Fakes) Close() {
	f.DynamoDB.Close()
	f.Secrets.Close()
	f.Bus.Close()
}
