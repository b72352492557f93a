package customer

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads the JSON tokens of a body. It replaces encoding/json's
// Decoder.Token, which allocated for nearly every token and was the largest
// cost of decoding a body: a token's text is a slice of the body, and
// reading one allocates nothing.
//
// It is Token's state machine, byte for byte: it accepts exactly what Token
// accepts, in the same order, and fails at the same place with the same
// offset, so that decode's messages did not change with it.
type scanner struct {
	buf   []byte
	pos   int       // the next byte to read
	state scanState // what may come next
	open  bitStack  // one bit for each open value: set for an array

	// scalarBytes counts the bytes of the strings, numbers and literals read
	// so far. Token reads those with a scanner that counts only their bytes,
	// and reports an error inside one at that count, plus one.
	scalarBytes int
}

// scanState is where the scanner is, as Token's tokenState.
type scanState uint8

const (
	topValue    scanState = iota // before or after the top-level value
	arrayStart                   // after '['
	arrayValue                   // after ',' in an array
	arrayComma                   // after an element
	objectStart                  // after '{'
	objectKey                    // after ',' in an object
	objectColon                  // after a key
	objectValue                  // after ':'
	objectComma                  // after a member's value
)

// tokenKind says what a token is. A delimiter's kind is the delimiter.
type tokenKind byte

const (
	beginObject tokenKind = '{'
	endObject   tokenKind = '}'
	beginArray  tokenKind = '['
	endArray    tokenKind = ']'
	stringToken tokenKind = '"'
	numberToken tokenKind = '0'
	trueToken   tokenKind = 't'
	falseToken  tokenKind = 'f'
	nullToken   tokenKind = 'n'
)

// token is one JSON token. raw is a slice of the body: a number's text, or
// a string's content between its quotes, still escaped.
type token struct {
	kind    tokenKind
	raw     []byte
	escaped bool // the string has a backslash, so raw is not its value
}

// text returns a string token's value.
func (t token) text() string {
	if !t.escaped {
		return string(t.raw)
	}
	return unescape(t.raw)
}

func endsTooSoon() error {
	return invalidJSON("The body is not well-formed JSON: it ends too soon")
}

// malformedAt is the error for a bad byte. Token puts a misplaced
// delimiter, comma or colon at the count of bytes before it, and a bad byte
// in a string, number or literal as scalarBytes says.
func malformedAt(offset int) error {
	return invalidJSON("The body is not well-formed JSON at byte " + strconv.Itoa(offset))
}

// peek skips white space and returns the next byte; false at the end.
func (s *scanner) peek() (byte, bool) {
	for ; s.pos < len(s.buf); s.pos++ {
		switch c := s.buf[s.pos]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c, true
		}
	}
	return 0, false
}

// more reports whether the current array or object has another element.
func (s *scanner) more() bool {
	c, ok := s.peek()
	return ok && c != ']' && c != '}'
}

// atEnd reports whether only white space is left.
func (s *scanner) atEnd() bool {
	_, ok := s.peek()
	return !ok
}

// next reads the next token. Commas and colons are checked and skipped.
func (s *scanner) next() (token, error) {
	for {
		c, ok := s.peek()
		if !ok {
			return token{}, endsTooSoon()
		}
		switch c {
		case '{', '[':
			if !s.valueAllowed() {
				return token{}, malformedAt(s.pos)
			}
			s.pos++
			s.open.push(c == '[')
			s.state = objectStart
			if c == '[' {
				s.state = arrayStart
			}
			return token{kind: tokenKind(c)}, nil
		case '}', ']':
			inObject := s.state == objectStart || s.state == objectComma
			inArray := s.state == arrayStart || s.state == arrayComma
			if c == '}' && !inObject || c == ']' && !inArray {
				return token{}, malformedAt(s.pos)
			}
			s.pos++
			s.open.pop()
			switch {
			case s.open.len() == 0:
				s.state = topValue
			case s.open.top():
				s.state = arrayComma
			default:
				s.state = objectComma
			}
			return token{kind: tokenKind(c)}, nil
		case ':':
			if s.state != objectColon {
				return token{}, malformedAt(s.pos)
			}
			s.pos++
			s.state = objectValue
		case ',':
			switch s.state {
			case arrayComma:
				s.state = arrayValue
			case objectComma:
				s.state = objectKey
			default:
				return token{}, malformedAt(s.pos)
			}
			s.pos++
		default:
			if c == '"' && (s.state == objectStart || s.state == objectKey) {
				t, err := s.scalar()
				s.state = objectColon
				return t, err
			}
			if !s.valueAllowed() {
				return token{}, malformedAt(s.pos)
			}
			t, err := s.scalar()
			switch s.state {
			case arrayStart, arrayValue:
				s.state = arrayComma
			case objectValue:
				s.state = objectComma
			}
			return t, err
		}
	}
}

func (s *scanner) valueAllowed() bool {
	switch s.state {
	case topValue, arrayStart, arrayValue, objectValue:
		return true
	}
	return false
}

// skip discards the rest of a value whose first token was t. It loops
// rather than recursing, so that no nesting can exhaust the stack.
func (s *scanner) skip(t token) error {
	if t.kind != beginObject && t.kind != beginArray {
		return nil
	}
	for depth := s.open.len(); s.open.len() >= depth; {
		if _, err := s.next(); err != nil {
			return err
		}
	}
	return nil
}

// scalar reads the string, number or literal at s.pos, which is not white
// space. Like Token, it stops a number or literal at the first byte that
// cannot continue it, and leaves that byte to the next token.
func (s *scanner) scalar() (token, error) {
	start := s.pos
	t := token{kind: tokenKind(s.buf[start])}
	var end int
	var err error
	switch c := s.buf[start]; {
	case c == '"':
		end, t.escaped, err = s.scanString(start)
	case c == '-' || isDigit(c):
		t.kind = numberToken
		end, err = s.scanNumber(start)
	case c == 't':
		end, err = s.scanLiteral(start, "true")
	case c == 'f':
		end, err = s.scanLiteral(start, "false")
	case c == 'n':
		end, err = s.scanLiteral(start, "null")
	default:
		err = s.badByte(start, start)
	}
	if err != nil {
		return token{}, err
	}
	switch t.kind {
	case stringToken:
		t.raw = s.buf[start+1 : end-1]
	case numberToken:
		t.raw = s.buf[start:end]
	}
	s.scalarBytes += end - start
	s.pos = end
	return t, nil
}

// badByte is the error for the byte at i of the scalar that starts at start.
func (s *scanner) badByte(start, i int) error {
	return malformedAt(s.scalarBytes + i - start + 1)
}

// scanString returns the end of the string that starts at start, and
// whether it has escapes.
func (s *scanner) scanString(start int) (end int, escaped bool, err error) {
	b := s.buf
	for i := start + 1; i < len(b); {
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped, nil
		case c < 0x20:
			return 0, false, s.badByte(start, i)
		case c != '\\':
			i++
			continue
		}
		escaped = true
		i++
		if i == len(b) {
			return 0, false, endsTooSoon()
		}
		switch b[i] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i++
		case 'u':
			i++
			for range 4 {
				if i == len(b) {
					return 0, false, endsTooSoon()
				}
				if !isHex(b[i]) {
					return 0, false, s.badByte(start, i)
				}
				i++
			}
		default:
			return 0, false, s.badByte(start, i)
		}
	}
	return 0, false, endsTooSoon()
}

// scanNumber returns the end of the number that starts at start:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) scanNumber(start int) (int, error) {
	b := s.buf
	i := start
	if b[i] == '-' {
		i++
	}
	// digits requires at least one digit at i and returns the end of the run.
	digits := func(i int) (int, error) {
		if i == len(b) {
			return 0, endsTooSoon()
		}
		if !isDigit(b[i]) {
			return 0, s.badByte(start, i)
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
		return i, nil
	}
	var err error
	if i < len(b) && b[i] == '0' {
		i++ // no more digits: "01" is the number 0, then a stray '1'
	} else if i, err = digits(i); err != nil {
		return 0, err
	}
	if i < len(b) && b[i] == '.' {
		if i, err = digits(i + 1); err != nil {
			return 0, err
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i, err = digits(i); err != nil {
			return 0, err
		}
	}
	return i, nil
}

// scanLiteral returns the end of lit, which must start at start.
func (s *scanner) scanLiteral(start int, lit string) (int, error) {
	for k := 1; k < len(lit); k++ {
		i := start + k
		if i == len(s.buf) {
			return 0, endsTooSoon()
		}
		if s.buf[i] != lit[k] {
			return 0, s.badByte(start, i)
		}
	}
	return start + len(lit), nil
}

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// unescape decodes the content of a string that scanString accepted, as
// encoding/json does: an escaped surrogate pair is one character, and any
// other escaped surrogate is U+FFFD. The body is valid UTF-8, so other bytes
// are copied as they are.
func unescape(raw []byte) string {
	var b strings.Builder
	b.Grow(len(raw)) // the value is never longer than its escaped form
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		switch c = raw[i+1]; c {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = hex4(raw[i+2:])
				}
				if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
					r = pair
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			b.WriteRune(r)
			continue
		}
		b.WriteByte(c) // also '"', '\\' and '/', which stand for themselves
		i += 2
	}
	return b.String()
}

// hex4 decodes the four hex digits that start b, which scanString checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// bitStack is a stack of bits that allocates only past 64 of them.
type bitStack struct {
	n     int
	first uint64   // bits 0 to 63
	rest  []uint64 // bits 64 and up
}

func (b *bitStack) len() int { return b.n }

func (b *bitStack) word(i int) *uint64 {
	if i < 64 {
		return &b.first
	}
	return &b.rest[i/64-1]
}

func (b *bitStack) push(v bool) {
	if b.n >= 64 && b.n%64 == 0 && len(b.rest) < b.n/64 {
		b.rest = append(b.rest, 0)
	}
	w, bit := b.word(b.n), uint64(1)<<(b.n%64)
	if v {
		*w |= bit
	} else {
		*w &^= bit
	}
	b.n++
}

func (b *bitStack) pop() { b.n-- }

// top returns the last bit pushed and not popped.
func (b *bitStack) top() bool { return *b.word(b.n - 1)>>((b.n-1)%64)&1 == 1 }
