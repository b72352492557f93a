package customer

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// appendJSON and marshalJSON, the library version make bench measures it
// against, write the same bytes for every document: the same fields in the
// same order, numbers and strings written alike.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	full := Document{}
	for i, f := range Fields {
		switch f.Kind {
		case KindInteger:
			full.Set(Index(i), Integer(365))
		case KindNumber:
			full.Set(Index(i), Number(-89.6501))
		case KindBoolean:
			full.Set(Index(i), Boolean(true))
		default:
			full.Set(Index(i), String(f.Path+` "<&>" \ é 日本 😀 `+"\x00\x08\x0c\x1f\x7f\u2028\u2029\u2020\u20ac"))
		}
	}
	sparse := Document{}
	sparse.Set(PostalCode, String("1"))
	sparse.Set(Longitude, Number(math.SmallestNonzeroFloat64))
	zeros := Document{}
	zeros.Set(Description, String(""))
	zeros.Set(DataRetentionDays, Integer(0))
	zeros.Set(ReportingEnabled, Boolean(false))
	zeros.Set(Latitude, Number(0))
	zeros.Set(Longitude, Number(math.Copysign(0, -1)))
	cleared := full
	for _, i := range []Index{Description, Phone, Street, City, AddressState, Country, PostalCode, Sector, Timezone, AlertFrequency, Latitude} {
		cleared[i] = Entry{State: Null}
	}
	docs := map[string]Document{"every field": full, "sparse": sparse, "zero values": zeros, "cleared": cleared, "none": {}}
	for _, f := range []float64{1e-6, 9.99e-7, 1e-7, -1.5e-10, 1e20, 1e21, 123456789e15, 0.1, 1.0 / 3, -180, 90, math.MaxFloat64} {
		var d Document
		d.Set(Latitude, Number(f))
		docs["number "+strings.TrimSpace(string(appendFloat(nil, f)))] = d
	}
	for name, doc := range docs {
		sameJSON(t, name, doc)
	}

	r := rand.New(rand.NewPCG(1, 2))
	for n := range 20000 {
		var d Document
		for i, f := range Fields {
			switch r.IntN(4) {
			case 0:
				continue // absent
			case 1:
				d[i] = Entry{State: Null}
				continue
			}
			switch f.Kind {
			case KindInteger:
				d.Set(Index(i), Integer(int64(r.Uint64())>>r.IntN(64)))
			case KindNumber:
				d.Set(Index(i), Number(randomFloat(r)))
			case KindBoolean:
				d.Set(Index(i), Boolean(r.IntN(2) == 0))
			default:
				d.Set(Index(i), String(randomText(r)))
			}
		}
		if !sameJSON(t, "random document "+string(rune('0'+n%10)), d) {
			break
		}
	}
}

func sameJSON(t *testing.T, name string, doc Document) bool {
	t.Helper()
	c := &Customer{Fields: doc, Limits: Limits{MaxDevices: 1, MaxUsers: 0, MaxDataPoints: -3}, CreatedAt: time.Unix(1700000000, 0), UpdatedAt: time.Unix(1700000001, 5), Version: 3}
	ours, library := c.appendJSON([]byte("x")), c.marshalJSON([]byte("x"))
	if !bytes.Equal(ours, library) {
		t.Errorf("%s:\nappendJSON  %s\nmarshalJSON %s", name, ours, library)
		return false
	}
	if !json.Valid(ours[1:]) {
		t.Errorf("%s: not valid JSON: %s", name, ours)
		return false
	}
	return true
}

// randomText is valid UTF-8 (as every stored string is) heavy in what JSON
// escapes and in the neighbours of what it escapes.
func randomText(r *rand.Rand) string {
	const tricky = "\x00\x01\b\t\n\v\f\r\x1f \x7f\"\\/<>&'aZ09é日😀\u2028\u2029\u2027\u202a\u2020\u20ac\ufffd\u0080"
	runes := []rune(tricky)
	var b strings.Builder
	for range r.IntN(12) {
		if r.IntN(8) == 0 {
			b.WriteRune(rune(r.IntN(0x10ffff)))
		} else {
			b.WriteRune(runes[r.IntN(len(runes))])
		}
	}
	return strings.ToValidUTF8(b.String(), "\ufffd")
}

// randomFloat is a finite float64, often at the edges of the notations.
func randomFloat(r *rand.Rand) float64 {
	for {
		var f float64
		switch r.IntN(3) {
		case 0:
			f = math.Float64frombits(r.Uint64())
		case 1:
			f = (r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(60)-30))
		default:
			f = float64(r.IntN(361)-180) + float64(r.IntN(1000000))/1e6
		}
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}
