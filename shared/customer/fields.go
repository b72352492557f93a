// Package customer holds the customer's fields and every rule about them,
// written once: the strict JSON decoding of request bodies, each field's
// validation, merging an update into a stored customer, and rendering a
// customer as JSON. The storage package maps the same fields to DynamoDB.
package customer

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // IANA names must resolve on a Lambda image with no zoneinfo
	"unicode/utf8"
)

// Kind is a leaf field's JSON type.
type Kind uint8

// The kinds of leaf.
const (
	KindString Kind = iota
	KindInteger
	KindNumber
	KindBoolean
)

// Field is one leaf of the customer document.
type Field struct {
	Path     string   // dot path, as in error reports and "changes"
	Segments []string // Path split at dots
	Kind     Kind
	Required bool               // POST must set it; PUT may not null it
	Trim     bool               // stored without surrounding white space
	check    func(Value) string // "" when valid, else the message
}

// Index names a field by its position in Fields.
type Index int

// Positions in Fields, which follows the contract's field table: that order
// is the order of "changes" and of rendered JSON.
const (
	CustomerID Index = iota
	CustomerName
	Description
	Email
	Phone
	Street
	City
	AddressState
	Country
	PostalCode
	Industry
	Sector
	Timezone
	DataRetentionDays
	AlertFrequency
	ReportingEnabled
	Latitude
	Longitude
	Status
	numFields
)

// Statuses a customer can have.
var Statuses = []string{"ACTIVE", "INACTIVE", "SUSPENDED"}

var alertFrequencies = []string{"immediate", "hourly", "daily", "weekly"}

// IDRule is the customer id rule; error messages and the docs quote it.
const IDRule = `^FST-[0-9]{8,14}-[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`

// The rules' expressions are compiled on first use rather than at init, so
// that a function that never checks them (the publisher, a read) does not
// pay for them at cold start.
var idRule = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(IDRule) })

// Fields lists every leaf, in the contract's order.
var Fields = [numFields]Field{
	CustomerID:        leaf("customerId", KindString, true, checkID),
	CustomerName:      trimmed(leaf("customerName", KindString, true, checkName)),
	Description:       leaf("description", KindString, false, maxChars(2000)),
	Email:             leaf("contactInfo.email", KindString, true, checkEmail),
	Phone:             leaf("contactInfo.phone", KindString, false, checkPhone),
	Street:            leaf("contactInfo.address.street", KindString, false, maxChars(256)),
	City:              leaf("contactInfo.address.city", KindString, false, maxChars(256)),
	AddressState:      leaf("contactInfo.address.state", KindString, false, maxChars(256)),
	Country:           leaf("contactInfo.address.country", KindString, false, maxChars(256)),
	PostalCode:        leaf("contactInfo.address.postalCode", KindString, false, maxChars(256)),
	Industry:          leaf("businessInfo.industry", KindString, false, maxChars(256)),
	Sector:            leaf("businessInfo.sector", KindString, false, maxChars(256)),
	Timezone:          leaf("businessInfo.timezone", KindString, false, checkTimezone),
	DataRetentionDays: leaf("settings.dataRetentionDays", KindInteger, false, intRange(1, 36500)),
	AlertFrequency:    leaf("settings.alertFrequency", KindString, false, oneOf(alertFrequencies)),
	ReportingEnabled:  leaf("settings.reportingEnabled", KindBoolean, false, nil),
	Latitude:          leaf("location.latitude", KindNumber, false, numRange(-90, 90)),
	Longitude:         leaf("location.longitude", KindNumber, false, numRange(-180, 180)),
	Status:            leaf("status", KindString, true, oneOf(Statuses)),
}

func leaf(path string, kind Kind, required bool, check func(Value) string) Field {
	return Field{Path: path, Segments: strings.Split(path, "."), Kind: kind, Required: required, check: check}
}

func trimmed(f Field) Field {
	f.Trim = true
	return f
}

// Objects lists the dot paths of the nested objects, parents first. Storage
// keeps each of them present so that every leaf path can be set directly.
var Objects = []string{"contactInfo", "contactInfo.address", "businessInfo", "settings", "location"}

// ValidID reports whether id follows IDRule.
func ValidID(id string) bool { return idRule().MatchString(id) }

func checkID(v Value) string {
	if !ValidID(v.Str) {
		return "must match " + IDRule
	}
	return ""
}

func checkName(v Value) string {
	if n := utf8.RuneCountInString(strings.TrimSpace(v.Str)); n < 1 || n > 256 {
		return "must be 1 to 256 characters after trimming"
	}
	return ""
}

func maxChars(n int) func(Value) string {
	return func(v Value) string {
		if utf8.RuneCountInString(v.Str) > n {
			return fmt.Sprintf("must be at most %d characters", n)
		}
		return ""
	}
}

func checkEmail(v Value) string {
	const msg = "must be a valid e-mail address (local@domain, no display name), at most 254 characters"
	if len(v.Str) > 254 {
		return msg
	}
	addr, err := mail.ParseAddress(v.Str)
	if err != nil || addr.Name != "" || addr.Address != v.Str {
		return msg
	}
	return ""
}

// phone is the phone rule: an optional leading '+', then only digits, spaces,
// '-', '.', '(' or ')', with 7 to 15 digits.
var phone = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+?[ ().-]*(?:[0-9][ ().-]*){7,15}$`) })

func checkPhone(v Value) string {
	if !phone().MatchString(v.Str) {
		return "must be an optional leading '+' then digits, spaces, '-', '.', '(' or ')', with 7 to 15 digits"
	}
	return ""
}

// tzName is the shape of every IANA zone name: components that start with
// an upper-case letter, joined by single slashes. It keeps out names that
// time.LoadLocation resolves only through a system zoneinfo directory
// ("America//Chicago", "./UTC", "localtime", "posix/...", "right/..."), so the
// same names are accepted with or without one.
var tzName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Z][A-Za-z0-9._+-]*(/[A-Z][A-Za-z0-9._+-]*)*$`)
})

func checkTimezone(v Value) string {
	const msg = "must be an IANA time zone name, such as America/Chicago"
	if v.Str == "Local" || !tzName().MatchString(v.Str) {
		return msg
	}
	if _, known := knownZones.Load(v.Str); known {
		return ""
	}
	if _, err := time.LoadLocation(v.Str); err != nil {
		return msg
	}
	knownZones.Store(v.Str, struct{}{})
	return ""
}

// knownZones remembers the zone names time.LoadLocation has accepted: it
// opens and parses the zone's file at every call (three system calls, a
// tenth of a registration's CPU). Only real zones are kept, so the set stays
// as small as the zone database.
var knownZones sync.Map

func oneOf(allowed []string) func(Value) string {
	msg := "must be one of " + strings.Join(allowed, ", ")
	return func(v Value) string {
		for _, a := range allowed {
			if v.Str == a {
				return ""
			}
		}
		return msg
	}
}

func intRange(lo, hi int64) func(Value) string {
	msg := fmt.Sprintf("must be an integer from %d to %d", lo, hi)
	return func(v Value) string {
		if v.Int < lo || v.Int > hi {
			return msg
		}
		return ""
	}
}

func numRange(lo, hi float64) func(Value) string {
	msg := fmt.Sprintf("must be a number from %g to %g", lo, hi)
	return func(v Value) string {
		if v.Num < lo || v.Num > hi {
			return msg
		}
		return ""
	}
}
