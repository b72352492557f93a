package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Status is a customer's status.
type Status string

// The statuses a customer can have.
const (
	StatusActive    Status = "ACTIVE"
	StatusInactive  Status = "INACTIVE"
	StatusSuspended Status = "SUSPENDED"
)

// Document holds the customer fields of the contract's field table, the
// part of a customer that clients write. Required fields (customerId,
// customerName, contactInfo.email, status) are plain strings; every optional
// field is a pointer, so that nil means "not given" and a zero value can still
// be sent. Every field is omitted from JSON when unset.
//
// A Document is the body of Register. For an update, build an Update, from a
// Document with UpdateFrom or path by path with Set and Clear.
type Document struct {
	CustomerID   string        `json:"customerId,omitempty"`
	CustomerName string        `json:"customerName,omitempty"`
	Description  *string       `json:"description,omitempty"`
	ContactInfo  *ContactInfo  `json:"contactInfo,omitempty"`
	BusinessInfo *BusinessInfo `json:"businessInfo,omitempty"`
	Settings     *Settings     `json:"settings,omitempty"`
	Location     *Location     `json:"location,omitempty"`
	Status       Status        `json:"status,omitempty"`
}

// ContactInfo is contactInfo; Email is required on registration.
type ContactInfo struct {
	Email   string   `json:"email,omitempty"`
	Phone   *string  `json:"phone,omitempty"`
	Address *Address `json:"address,omitempty"`
}

// Address is contactInfo.address.
type Address struct {
	Street     *string `json:"street,omitempty"`
	City       *string `json:"city,omitempty"`
	State      *string `json:"state,omitempty"`
	Country    *string `json:"country,omitempty"`
	PostalCode *string `json:"postalCode,omitempty"`
}

// BusinessInfo is businessInfo; Timezone is an IANA zone name.
type BusinessInfo struct {
	Industry *string `json:"industry,omitempty"`
	Sector   *string `json:"sector,omitempty"`
	Timezone *string `json:"timezone,omitempty"`
}

// AlertFrequency values.
const (
	AlertImmediate = "immediate"
	AlertHourly    = "hourly"
	AlertDaily     = "daily"
	AlertWeekly    = "weekly"
)

// Settings is settings.
type Settings struct {
	DataRetentionDays *int    `json:"dataRetentionDays,omitempty"`
	AlertFrequency    *string `json:"alertFrequency,omitempty"`
	ReportingEnabled  *bool   `json:"reportingEnabled,omitempty"`
}

// Location is location.
type Location struct {
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
}

// Ptr returns a pointer to v, for the optional fields of a Document:
// Ptr("Dewatering"), Ptr(730), Ptr(true).
func Ptr[T any](v T) *T { return &v }

// Limits are a customer's quotas, set by the API at registration.
type Limits struct {
	MaxDevices    int64 `json:"maxDevices"`
	MaxUsers      int64 `json:"maxUsers"`
	MaxDataPoints int64 `json:"maxDataPoints"`
}

// APIKeys are the two keys handed out, once, at registration.
type APIKeys struct {
	Primary   string `json:"primary"`
	Secondary string `json:"secondary"`
}

// Customer is a stored customer as GET returns it: every set field, its
// limits and times. ETag comes from the response header (it is empty for
// customers read through List, whose responses carry no per-customer ETag);
// it is marshalled as "etag" so that tools printing a Customer keep it.
type Customer struct {
	Document
	Limits    Limits    `json:"limits"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	ETag      string    `json:"etag,omitempty"`
}

// Registered is the answer to Register (201). The API keys are shown only in
// this response.
type Registered struct {
	CustomerID   string    `json:"customerId"`
	CustomerName string    `json:"customerName"`
	Status       Status    `json:"status"`
	CreatedAt    time.Time `json:"createdAt"`
	APIKeys      APIKeys   `json:"apiKeys"`
	Limits       Limits    `json:"limits"`
	ETag         string    `json:"etag,omitempty"` // the ETag header
	Location     string    `json:"-"`              // the Location header
	// Replayed: the registration was done before with the same
	// Idempotency-Key and body (its answer lost, say); APIKeys are new, and
	// the keys of the earlier answer no longer work.
	Replayed bool `json:"replayed,omitempty"`
}

// KeyName names one of a customer's two API keys.
type KeyName string

// The two keys.
const (
	PrimaryKey   KeyName = "primary"
	SecondaryKey KeyName = "secondary"
)

// Regenerated is the answer to RegenerateKey (200): the new key, under its
// name, shown this once.
type Regenerated struct {
	CustomerID    string             `json:"customerId"`
	APIKeys       map[KeyName]string `json:"apiKeys"`
	RegeneratedAt time.Time          `json:"regeneratedAt"`
}

// Updated is the answer to Update (200): Changes lists the dot paths of
// every leaf whose stored value changed, in the contract's field order.
type Updated struct {
	CustomerID   string    `json:"customerId"`
	CustomerName string    `json:"customerName"`
	Status       Status    `json:"status"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Changes      []string  `json:"changes"`
	ETag         string    `json:"etag,omitempty"` // the ETag header
}

// Page is one page of a listing. NextToken is empty on the last page; a
// page may be short, even empty, while NextToken is set.
type Page struct {
	Customers []Customer `json:"customers"`
	NextToken string     `json:"nextToken,omitempty"`
}

// ListOptions select a listing. Zero values mean the API's defaults: every
// status, 50 per page, the first page.
type ListOptions struct {
	Status    Status
	Limit     int    // 1 to 100
	NextToken string // where to start; List and Customers follow it
}

// ExistsResult answers Exists: AllExist, or the ids that are missing, in the
// order asked.
type ExistsResult struct {
	AllExist bool     `json:"allExist"`
	Missing  []string `json:"missing"`
}

// Update is the body of a PUT: a partial document that the API merges into
// the stored customer. Fields are named by the contract's dot paths
// ("contactInfo.email", "settings.dataRetentionDays"):
//
//	u := client.NewUpdate().
//		Set("customerName", "Dewatering Solutions").
//		Set("settings.dataRetentionDays", 730).
//		Clear("contactInfo.phone") // sends null: clears the field
//
// A path that is neither set nor cleared keeps its stored value. Clearing an
// object path ("contactInfo.address") clears every field under it. The API,
// not the client, checks paths and values, so a mistake comes back as a
// VALIDATION_ERROR naming every bad field. The zero Update is empty and ready
// to use; an empty Update changes nothing.
type Update struct {
	root map[string]any
}

// NewUpdate returns an empty Update.
func NewUpdate() *Update { return &Update{} }

// UpdateFrom returns an Update that sets every field set in d.
func UpdateFrom(d Document) (*Update, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return ParseUpdate(b)
}

// ParseUpdate reads an Update from a JSON object, keeping its nulls and its
// numbers exactly as written.
func ParseUpdate(body []byte) (*Update, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("client: update body: %w", err)
	}
	if root == nil {
		return nil, fmt.Errorf("client: update body must be a JSON object")
	}
	return &Update{root: root}, nil
}

// Set sets the field at path to value (a string, number, bool, or an object
// such as *Address; nil is the same as Clear).
func (u *Update) Set(path string, value any) *Update {
	parent, leaf := u.parent(path)
	parent[leaf] = value
	return u
}

// Clear sends null for path: the field, or every field of the object, is
// cleared. Required fields cannot be cleared.
func (u *Update) Clear(path string) *Update { return u.Set(path, nil) }

// parent returns the object that holds path's last segment, creating the
// objects on the way (replacing a null or a value set earlier).
func (u *Update) parent(path string) (map[string]any, string) {
	if u.root == nil {
		u.root = map[string]any{}
	}
	segs := strings.Split(path, ".")
	m := u.root
	for _, s := range segs[:len(segs)-1] {
		child, ok := m[s].(map[string]any)
		if !ok {
			child = objectOf(m[s])
			m[s] = child
		}
		m = child
	}
	return m, segs[len(segs)-1]
}

// objectOf returns the fields of v when it is an object value set earlier
// (a struct such as *Address, or a map), else an empty object.
func objectOf(v any) map[string]any {
	obj := map[string]any{}
	if v == nil {
		return obj
	}
	b, err := json.Marshal(v)
	if err != nil {
		return obj
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var decoded map[string]any
	if dec.Decode(&decoded) == nil && decoded != nil {
		return decoded
	}
	return obj
}

// Empty reports whether the update names no field.
func (u *Update) Empty() bool { return u == nil || len(u.root) == 0 }

// MarshalJSON writes the body, "{}" for an empty update.
func (u *Update) MarshalJSON() ([]byte, error) {
	if u == nil || u.root == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(u.root)
}
