package customer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// AppendJSON writes exactly the set fields of the field table, each at its
// path, in the table's order and with its value, then limits, createdAt and
// updatedAt: for a table of documents and 20,000 random ones.
func TestAppendJSONFollowsFieldTable(t *testing.T) {
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
			full.Set(Index(i), String(f.Path+` "<&>" \ é 日本 😀 `+"\x00\x08\x0c\x1f\x7f\u2028\u2029"))
		}
	}
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
	docs := map[string]Document{"every field": full, "zero values": zeros, "cleared": cleared, "none": {}}
	for i := range numFields {
		var d Document
		d.Set(i, full[i].Value)
		docs[Fields[i].Path+" alone"] = d
	}
	for name, doc := range docs {
		followsFieldTable(t, name, doc)
	}

	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
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
		if !followsFieldTable(t, "random document", d) {
			break
		}
	}
}

func fieldAt(path string) (Field, bool) {
	for _, f := range Fields {
		if f.Path == path {
			return f, true
		}
	}
	return Field{}, false
}

// written is a path and the value written there, as text (strings decoded).
type written struct{ path, value string }

func followsFieldTable(t *testing.T, name string, doc Document) bool {
	t.Helper()
	c := &Customer{Fields: doc, Limits: Limits{MaxDevices: 1, MaxUsers: 0, MaxDataPoints: -3}, CreatedAt: time.Unix(1700000000, 0), UpdatedAt: time.Unix(1700000001, 5), Version: 3}
	out := c.AppendJSON([]byte("x"))
	var want []written
	for i, e := range doc {
		if e.State != Set {
			continue
		}
		var v string
		switch e.Value.Kind {
		case KindInteger:
			v = strconv.FormatInt(e.Value.Int, 10)
		case KindNumber:
			v = strconv.FormatFloat(e.Value.Num, 'g', -1, 64)
		case KindBoolean:
			v = strconv.FormatBool(e.Value.Bool)
		default:
			v = e.Value.Str
		}
		want = append(want, written{Fields[i].Path, v})
	}
	want = append(want, written{"limits.maxDevices", "1"}, written{"limits.maxUsers", "0"}, written{"limits.maxDataPoints", "-3"},
		written{"createdAt", "2023-11-14T22:13:20Z"}, written{"updatedAt", "2023-11-14T22:13:21Z"})
	got, err := leaves(out[1:])
	for i, l := range got { // a number's text is encoding/json's; its value must be the same
		if f, ok := fieldAt(l.path); ok && f.Kind == KindNumber {
			if n, err := strconv.ParseFloat(l.value, 64); err == nil {
				got[i].value = strconv.FormatFloat(n, 'g', -1, 64)
			}
		}
	}
	if out[0] != 'x' || !json.Valid(out[1:]) || err != nil || !slices.Equal(got, want) {
		t.Errorf("%s: %s\ngot  %q (%v)\nwant %q", name, out, got, err, want)
		return false
	}
	return true
}

// leaves lists the leaves of a JSON object of objects in the order they are
// written, numbers as written.
func leaves(b []byte) ([]written, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var (
		out  []written
		open []string // keys of the nested objects open
		key  *string  // the key whose value comes next
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var v string
		switch tok := tok.(type) {
		case json.Delim:
			if tok == '{' && key != nil {
				open, key = append(open, *key), nil
			} else if tok == '}' && len(open) > 0 {
				open = open[:len(open)-1]
			}
			continue
		case string:
			if key == nil {
				key = &tok
				continue
			}
			v = tok
		case json.Number:
			v = tok.String()
		case bool:
			v = strconv.FormatBool(tok)
		}
		out = append(out, written{strings.Join(append(slices.Clone(open), *key), "."), v})
		key = nil
	}
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
