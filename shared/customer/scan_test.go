package customer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xcloud/customers/shared/apierror"
)

// scanTokens reads body with the scanner until the top-level values end or
// an error, and writes each token as jsonTokens does.
func scanTokens(body []byte) (toks []string, msg string) {
	s := scanner{buf: body}
	for !(s.state == topValue && s.open.len() == 0 && s.atEnd()) {
		t, err := s.next()
		if err != nil {
			return toks, err.(*apierror.Error).Message
		}
		switch t.kind {
		case stringToken:
			toks = append(toks, strconv.Quote(t.text()))
		case numberToken:
			toks = append(toks, string(t.raw))
		case trueToken, falseToken, nullToken:
			toks = append(toks, map[tokenKind]string{trueToken: "true", falseToken: "false", nullToken: "null"}[t.kind])
		default:
			toks = append(toks, string(rune(t.kind)))
		}
	}
	return toks, ""
}

// jsonTokens reads body with encoding/json's Decoder.Token, as the decoder
// did before the scanner, and writes each token: a delimiter as itself, a
// string quoted, a number as its text. msg is the error the old decoder
// made of Token's error; "" when the values ended at the end of the body.
func jsonTokens(body []byte) (toks []string, msg string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	depth := 0
	for {
		t, err := dec.Token()
		if err == io.EOF && depth == 0 {
			return toks, ""
		}
		if err != nil {
			return toks, tokenErrorMessage(err)
		}
		switch t := t.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
			} else {
				depth--
			}
			toks = append(toks, t.String())
		case string:
			toks = append(toks, strconv.Quote(t))
		case json.Number:
			toks = append(toks, string(t))
		case bool:
			toks = append(toks, strconv.FormatBool(t))
		case nil:
			toks = append(toks, "null")
		}
	}
}

// tokenErrorMessage words an error of Token's as the decoder did when it
// read the body with Token.
func tokenErrorMessage(err error) string {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return tooSoon
	case errors.As(err, &se):
		return atByte + strconv.FormatInt(se.Offset, 10)
	}
	return "The body is not well-formed JSON"
}

const (
	tooSoon = "The body is not well-formed JSON: it ends too soon"
	atByte  = "The body is not well-formed JSON at byte "
)

// TestScanner: the tokens and errors of the scanner, each also checked
// against encoding/json's Decoder.Token.
func TestScanner(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
		err        string // "" or the message's end: "ends too soon", "at byte N"
	}{
		{"empty", "", nil, ""},
		{"white space", " \t\r\n", nil, ""},
		{"empty object", "{}", []string{"{", "}"}, ""},
		{"members", ` { "a" : 1 , "b":[true,false,null,"x",{}, []] } `,
			[]string{"{", `"a"`, "1", `"b"`, "[", "true", "false", "null", `"x"`, "{", "}", "[", "]", "]", "}"}, ""},
		{"two values", "{} {}", []string{"{", "}", "{", "}"}, ""},
		{"two values, no space", "{}[]", []string{"{", "}", "[", "]"}, ""},
		{"top-level scalars", `1 "a" true`, []string{"1", `"a"`, "true"}, ""},

		// strings
		{"escapes", `"\"\\\/\b\f\n\r\t"`, []string{strconv.Quote("\"\\/\b\f\n\r\t")}, ""},
		{"unicode escapes", `"\u0041\u00e9\u20AC"`, []string{`"Aé€"`}, ""},
		{"NUL escape", `"\u0000"`, []string{strconv.Quote("\x00")}, ""},
		{"surrogate pair", `"\ud83d\ude00"`, []string{`"😀"`}, ""},
		{"surrogate pair, upper case", `"\uD83D\uDE00"`, []string{`"😀"`}, ""},
		{"lone high surrogate", `"\ud83d"`, []string{strconv.Quote("\ufffd")}, ""},
		{"lone low surrogate", `"\ude00"`, []string{strconv.Quote("\ufffd")}, ""},
		{"pair in the wrong order", `"\ude00\ud83d"`, []string{strconv.Quote("\ufffd\ufffd")}, ""},
		{"high surrogate then letter", `"\ud83dx"`, []string{strconv.Quote("\ufffdx")}, ""},
		{"high surrogate then escape", `"\ud83d\u0041"`, []string{strconv.Quote("\ufffdA")}, ""},
		{"high surrogate then pair", `"\ud83d\ud83d\ude00"`, []string{strconv.Quote("\ufffd😀")}, ""},
		{"high surrogate then \\n", `"\ud83d\n"`, []string{strconv.Quote("\ufffd\n")}, ""},
		{"raw UTF-8", `"é😀"`, []string{`"é😀"`}, ""},
		{"escaped key", `{"\u0061":1}`, []string{"{", `"a"`, "1", "}"}, ""},
		{"bad escape", `"a\x"`, nil, "at byte 4"},
		{"escaped single quote", `"\'"`, nil, "at byte 3"},
		{"short unicode escape", `"\u12"`, nil, "at byte 6"},
		{"non-hex unicode escape", `"\u00g0"`, nil, "at byte 6"},
		{"raw control character", "\"a\x01\"", nil, "at byte 3"},
		{"raw newline", "\"a\nb\"", nil, "at byte 3"},
		{"raw tab", "\"\t\"", nil, "at byte 2"},
		{"unterminated", `"abc`, nil, "ends too soon"},
		{"ends in escape", `"\`, nil, "ends too soon"},
		{"ends in unicode escape", `"\u00`, nil, "ends too soon"},

		// numbers
		{"zero", "0", []string{"0"}, ""},
		{"minus zero", "-0", []string{"-0"}, ""},
		{"fraction and exponent", "-1.5E+3", []string{"-1.5E+3"}, ""},
		{"huge", "1e400", []string{"1e400"}, ""},
		{"exponent sign", "1e-7 2E7", []string{"1e-7", "2E7"}, ""},
		{"leading zero at top", "01", []string{"0", "1"}, ""},
		{"leading zero in object", `{"a":01}`, []string{"{", `"a"`, "0"}, "at byte 6"},
		{"leading zero in array", `[01]`, []string{"[", "0"}, "at byte 2"},
		{"ends after dot", "1.", nil, "ends too soon"},
		{"dot then letter", "1.x", nil, "at byte 3"},
		{"bare dot", ".5", nil, "at byte 1"},
		{"lone minus", "-", nil, "ends too soon"},
		{"minus letter", "-x", nil, "at byte 2"},
		{"plus", "+1", nil, "at byte 1"},
		{"ends after e", "1e", nil, "ends too soon"},
		{"ends after e+", "1e+", nil, "ends too soon"},
		{"e then letter", "1ex", nil, "at byte 3"},
		{"number then letter", `[1x]`, []string{"[", "1"}, "at byte 2"},

		// literals
		{"short literal", "tru", nil, "ends too soon"},
		{"wrong literal", "nul0", nil, "at byte 4"},
		{"capital literal", "True", nil, "at byte 1"},
		{"NaN", `{"a":NaN}`, []string{"{", `"a"`}, "at byte 4"},

		// structure: an error between values is at its byte's offset
		{"trailing comma in object", `{"a":1,}`, []string{"{", `"a"`, "1"}, "at byte 7"},
		{"trailing comma in array", `[1,]`, []string{"[", "1"}, "at byte 3"},
		{"leading comma", `{,}`, []string{"{"}, "at byte 1"},
		{"missing colon", `{"a" 1}`, []string{"{", `"a"`}, "at byte 5"},
		{"missing value", `{"a":}`, []string{"{", `"a"`}, "at byte 5"},
		{"missing comma", `{"a":1 "b":2}`, []string{"{", `"a"`, "1"}, "at byte 7"},
		{"missing array comma", `[1 2]`, []string{"[", "1"}, "at byte 3"},
		{"double colon", `{"a"::1}`, []string{"{", `"a"`}, "at byte 5"},
		{"double comma", `[1,,2]`, []string{"[", "1"}, "at byte 3"},
		{"colon in array", `[1:2]`, []string{"[", "1"}, "at byte 2"},
		{"number key", `{1:2}`, []string{"{"}, "at byte 1"},
		{"object key", `{{}:2}`, []string{"{"}, "at byte 1"},
		{"array closed by brace", `[}`, []string{"["}, "at byte 1"},
		{"object closed by bracket", `{]`, []string{"{"}, "at byte 1"},
		{"object closed by bracket after value", `{"a":1]`, []string{"{", `"a"`, "1"}, "at byte 6"},
		{"key then brace", `{"a"}`, []string{"{", `"a"`}, "at byte 4"},
		{"comma then brace", `{"a":1,}`, []string{"{", `"a"`, "1"}, "at byte 7"},
		{"stray closer", "]", nil, "at byte 0"},
		{"stray colon", " :", nil, "at byte 1"},
		{"form feed is not white space", "\f{}", nil, "at byte 1"},
		{"no-break space is not white space", "\u00a0{}", nil, "at byte 1"},
		{"unclosed", `{"a":[1,{"b":`, []string{"{", `"a"`, "[", "1", "{", `"b"`}, "ends too soon"},
		{"unclosed after key", `{"a"`, []string{"{", `"a"`}, "ends too soon"},
		{"unclosed after comma", `[1,`, []string{"[", "1"}, "ends too soon"},

		// An error inside a string, number or literal is where Token puts
		// it: at the bytes of the strings, numbers and literals before it
		// plus its own, not at its place in the body.
		{"offset counts scalars only", `{"a":"x","b":tru!}`, []string{"{", `"a"`, `"x"`, `"b"`}, "at byte 13"},
		{"offset of a bad first byte", `{"a":x}`, []string{"{", `"a"`}, "at byte 4"},
		{"offset after a literal", "truex", []string{"true"}, "at byte 5"},
		{"offset after arrays", `{"a":[1,22],"b":"\q"}`, []string{"{", `"a"`, "[", "1", "22", "]", `"b"`}, "at byte 12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			toks, msg := scanTokens([]byte(c.body))
			if !slices.Equal(toks, c.want) || !errorIs(msg, c.err) {
				t.Errorf("scanner: %q, %q; want %q, %q", toks, msg, c.want, c.err)
			}
			jtoks, jmsg := jsonTokens([]byte(c.body))
			if !slices.Equal(toks, jtoks) || msg != jmsg {
				t.Errorf("scanner: %q, %q; Decoder.Token: %q, %q", toks, msg, jtoks, jmsg)
			}
		})
	}
}

func errorIs(msg, want string) bool {
	switch {
	case want == "":
		return msg == ""
	case strings.HasPrefix(want, "at byte "):
		return msg == atByte+strings.TrimPrefix(want, "at byte ")
	default:
		return msg == tooSoon
	}
}

// TestScannerSkipsDeepValues: skip keeps no more than a bit a level, so a
// value deeper than any stack is skipped, and its brackets still checked.
func TestScannerSkipsDeepValues(t *testing.T) {
	const depth = 100000
	mixed := strings.Repeat(`[{"a":`, depth) + "1" + strings.Repeat("}]", depth)
	for _, c := range []struct {
		body string
		err  bool
	}{
		{mixed + ",2]", false},
		{strings.Repeat(`[{"a":`, depth) + "1" + strings.Repeat("]}", depth) + ",2]", true},
		{strings.Repeat("[", depth) + strings.Repeat("]", depth-1) + "}", true},
	} {
		s := scanner{buf: []byte("[" + c.body)}
		s.next()
		tok, _ := s.next()
		err := s.skip(tok)
		if c.err {
			if err == nil {
				t.Errorf("skip of a malformed value: no error")
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if tok, err := s.next(); err != nil || string(tok.raw) != "2" || s.open.len() != 1 {
			t.Errorf("after the value: %q %v at depth %d, want 2 at depth 1", tok.raw, err, s.open.len())
		}
	}
}

func TestBitStack(t *testing.T) {
	var b bitStack
	var want []bool
	for i := range 300 {
		v := i%3 == 0
		b.push(v)
		want = append(want, v)
		if i%7 == 6 { // pop now and then, so that pushes reuse words
			b.pop()
			want = want[:len(want)-1]
		}
	}
	for len(want) > 0 {
		if b.len() != len(want) || b.top() != want[len(want)-1] {
			t.Fatalf("at %d: top %v, want %v", b.len(), b.top(), want[len(want)-1])
		}
		b.pop()
		want = want[:len(want)-1]
	}
}

// TestScannerDoesNotAllocate: reading tokens allocates nothing, and an
// unescaped key is looked up without a copy.
func TestScannerDoesNotAllocate(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "full_post.json"))
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		s := scanner{buf: body}
		for !(s.state == topValue && s.open.len() == 0 && s.atEnd()) {
			tok, err := s.next()
			if err != nil {
				t.Fatal(err)
			}
			if tok.kind == stringToken {
				_ = tree.children[string(tok.raw)]
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations to scan a body, want 0", allocs)
	}
}

// scanSeeds are the fuzz targets' seeds: the fixtures, then bodies at the
// edges of the grammar.
func scanSeeds(f *testing.F) {
	for _, name := range []string{"seed_post.json", "seed_put.json", "full_post.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, ` `, `{}`, " \t\r\n{} \n", `{} {}`, `{}{}`, `{}x`, `{}}`, `{"a":1}x`, `[]`, `null`, `"x"`, `1`,
		`{"customerName":"\"\\\/\b\f\n\r\t\u0041\u00e9"}`,
		`{"customerName":"\ud83d\ude00"}`, `{"customerName":"\ud83d"}`, `{"customerName":"\ude00\ud83d"}`,
		`{"customerName":"\ud83d\u0041"}`, `{"customerName":"\ud83dx"}`, `{"customerName":"\u0000"}`,
		`{"description":"a\x"}`, `{"description":"\u12"}`, "{\"description\":\"a\x01\"}",
		`{"settings":{"dataRetentionDays":-0}}`, `{"settings":{"dataRetentionDays":1e400}}`,
		`{"settings":{"dataRetentionDays":01}}`, `{"location":{"latitude":1.}}`, `{"location":{"latitude":.5}}`,
		`{"location":{"latitude":-1.5E+3}}`, `{"location":{"latitude":-}}`, `{"location":{"latitude":1e}}`,
		`{"status":"ACTIVE",}`, `{"x":[1,]}`, `{,"status":"ACTIVE"}`, `{"status" "ACTIVE"}`, `{"status":}`,
		`{"a":"x","b":tru!}`, `{"a":x}`, `{"x":[1,{"b":[[],{},"]}",{"c":null}]},"x\"}"],"d":true}`,
		`{"settings":{"reportingEnabled":True}}`, `{"contactInfo":null}`, `{"\u0073tatus":"ACTIVE"}`,
		`{"status":"ACTIVE","status":null}`, "\f{}", `{"a":[}`, `{"a":{]}`,
		`{"x":` + strings.Repeat(`[{"a":`, 50) + "1" + strings.Repeat("}]", 50) + `}`,
		`{"x":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzScannerMatchesEncodingJSON: the scanner reads any body as encoding/json
// reads it: the same tokens, strings and number texts from Decoder.Token,
// and the same errors; and the decoders refuse as INVALID_JSON exactly the
// bodies that are not valid UTF-8 holding one JSON object.
func FuzzScannerMatchesEncodingJSON(f *testing.F) {
	scanSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		toks, msg := scanTokens(body)
		jtoks, jmsg := jsonTokens(body)
		if msg != jmsg || len(toks) != len(jtoks) {
			t.Fatalf("body %q\nscanner: %q, %q\nToken:   %q, %q", body, toks, msg, jtoks, jmsg)
		}
		valid := utf8.Valid(body)
		for i := range toks {
			// Token turns invalid UTF-8 in a string into U+FFFD, but the
			// decoders refuse such bodies before they scan them.
			if toks[i] != jtoks[i] && (valid || toks[i][0] != '"') {
				t.Fatalf("body %q: token %d is %s, Token says %s", body, i, toks[i], jtoks[i])
			}
		}

		if bytes.Count(body, []byte("["))+bytes.Count(body, []byte("{")) > 10000 {
			return // json.Valid refuses nesting past 10000; Token does not
		}
		object := valid && json.Valid(body) && bytes.TrimLeft(body, " \t\r\n")[0] == '{'
		_, err := DecodeUpdate(body, "FST-12345678-x")
		var ae *apierror.Error
		refused := errors.As(err, &ae) && ae.Code == apierror.CodeInvalidJSON
		if refused == object {
			t.Fatalf("body %q: one JSON object %v, but refused as INVALID_JSON %v (%v)", body, object, refused, err)
		}
	})
}
