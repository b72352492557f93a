package hmacauth_test

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"net/http"
	"testing"

	"github.com/xcloud/customers/shared/apierror"
	"github.com/xcloud/customers/shared/hmacauth"
)

func TestParseContentMD5(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name       string
		values     []string // nil: header absent
		want       [md5.Size]byte
		wantStatus int
		wantCode   string
	}{
		{name: "empty body digest", values: []string{"1B2M2Y8AsgTpgAmY7PhCfg=="}, want: md5.Sum(nil)},
		{name: "digest with '+' and '/'", values: []string{kaPostContentMD5}, want: md5.Sum([]byte(kaPostBody))},
		{name: "missing", values: nil, wantStatus: 400, wantCode: "MISSING_CONTENT_MD5"},
		{name: "not base64", values: []string{"not base64!"}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "hex digest instead of base64", values: []string{"d41d8cd98f00b204e9800998ecf8427e"}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "unpadded base64", values: []string{"1B2M2Y8AsgTpgAmY7PhCfg"}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "one padding character only", values: []string{"1B2M2Y8AsgTpgAmY7PhCfg="}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "URL-safe alphabet", values: []string{"ZUvzoa-2mv8OxUcsjUi_0A=="}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "non-zero padding bits", values: []string{"1B2M2Y8AsgTpgAmY7PhCfh=="}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "base64 of 15 bytes", values: []string{b64(make([]byte, 15))}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "base64 of 17 bytes", values: []string{b64(make([]byte, 17))}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "base64 of 32 bytes (a SHA-256)", values: []string{b64(make([]byte, 32))}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "empty value", values: []string{""}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "surrounding space", values: []string{" 1B2M2Y8AsgTpgAmY7PhCfg=="}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "repeated, same value", values: []string{"1B2M2Y8AsgTpgAmY7PhCfg==", "1B2M2Y8AsgTpgAmY7PhCfg=="}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "repeated, two values", values: []string{"1B2M2Y8AsgTpgAmY7PhCfg==", kaPostContentMD5}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
		{name: "two digests in one value", values: []string{"1B2M2Y8AsgTpgAmY7PhCfg==," + kaPostContentMD5}, wantStatus: 400, wantCode: "INVALID_CONTENT_MD5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.values {
				h.Add("content-md5", v)
			}
			got, err := hmacauth.ParseContentMD5(h)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("ParseContentMD5: %v", err)
				}
				if got != tc.want {
					t.Fatalf("digest = %x, want %x", got, tc.want)
				}
				return
			}
			var apiErr *apierror.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("ParseContentMD5 = %x, %v; want %d %s", got, err, tc.wantStatus, tc.wantCode)
			}
			if apiErr.Status != tc.wantStatus || apiErr.Code != tc.wantCode {
				t.Fatalf("ParseContentMD5 = %d %s, want %d %s", apiErr.Status, apiErr.Code, tc.wantStatus, tc.wantCode)
			}
			if got != ([md5.Size]byte{}) {
				t.Errorf("digest %x returned with an error", got)
			}
		})
	}
}

func TestCheckContentMD5(t *testing.T) {
	body := []byte(kaPostBody)
	h := http.Header{}
	h.Set(hmacauth.HeaderContentMD5, hmacauth.ContentMD5(body))
	want, err := hmacauth.ParseContentMD5(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := hmacauth.CheckContentMD5(want, md5.Sum(body)); err != nil {
		t.Fatalf("matching body: %v", err)
	}
	for name, other := range map[string][]byte{
		"different body":      []byte(`{"customerId":"FST-12345678-acmf"}`),
		"body with a newline": append(append([]byte{}, body...), '\n'),
		"empty body":          nil,
	} {
		t.Run(name, func(t *testing.T) {
			err := hmacauth.CheckContentMD5(want, md5.Sum(other))
			var apiErr *apierror.Error
			if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Code != "CONTENT_MD5_MISMATCH" {
				t.Fatalf("CheckContentMD5 = %v, want 400 CONTENT_MD5_MISMATCH", err)
			}
		})
	}
	// One bit off in the last byte.
	got := md5.Sum(body)
	got[15] ^= 1
	var apiErr *apierror.Error
	if err := hmacauth.CheckContentMD5(want, got); !errors.As(err, &apiErr) || apiErr.Code != "CONTENT_MD5_MISMATCH" {
		t.Fatalf("one bit off: CheckContentMD5 = %v, want CONTENT_MD5_MISMATCH", err)
	}
}
