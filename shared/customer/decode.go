package customer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xcloud/customers/shared/apierror"
)

// node is a place in the customer document: an object or a leaf.
type node struct {
	field    Index // the leaf's field; -1 for an object
	children map[string]*node
	leaves   []Index // every leaf below an object
}

// tree is built on first use: a function that decodes no body skips it.
var tree = sync.OnceValue(buildTree)

func buildTree() *node {
	root := &node{field: -1, children: map[string]*node{}}
	for i, f := range Fields {
		n := root
		for depth, seg := range f.Segments {
			n.leaves = append(n.leaves, Index(i))
			child, ok := n.children[seg]
			if !ok {
				child = &node{field: -1, children: map[string]*node{}}
				if depth == len(f.Segments)-1 {
					child.field = Index(i)
				}
				n.children[seg] = child
			}
			n = child
		}
	}
	return root
}

// DecodeCreate decodes and validates a POST body: a whole new customer.
func DecodeCreate(body []byte) (Document, error) {
	d, err := decode(body)
	if err != nil {
		return Document{}, err
	}
	for i, f := range Fields {
		switch d.doc[i].State {
		case Absent, Null:
			if f.Required && !d.failedAt(f.Path) {
				d.fail(f.Path, "is required")
			}
			d.doc[i] = Entry{} // null on POST means "not given"
		}
	}
	return d.result()
}

// DecodeUpdate decodes and validates a PUT body for the customer pathID: a
// partial document where Null clears a field.
func DecodeUpdate(body []byte, pathID string) (Document, error) {
	d, err := decode(body)
	if err != nil {
		return Document{}, err
	}
	for i, f := range Fields {
		e := d.doc[i]
		switch {
		case Index(i) == CustomerID && e.State == Set:
			if e.Value.Str != pathID {
				d.fail(f.Path, "must equal the customer id in the path")
			}
			d.doc[i] = Entry{} // the id is never updated
		case e.State == Null && f.Required && !d.failedAt(f.Path):
			d.fail(f.Path, "is required and cannot be null")
		}
	}
	return d.result()
}

type decoder struct {
	dec  *json.Decoder
	doc  Document
	errs []apierror.FieldError
}

func invalidJSON(msg string) error {
	return apierror.New(http.StatusBadRequest, apierror.CodeInvalidJSON, msg)
}

func decode(body []byte) (*decoder, error) {
	if !utf8.Valid(body) {
		return nil, invalidJSON("The body is not valid UTF-8")
	}
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(body))}
	d.dec.UseNumber()
	tok, err := d.dec.Token()
	if err != nil {
		return nil, syntaxError(err)
	}
	if tok != json.Delim('{') {
		return nil, invalidJSON("The body must be one JSON object")
	}
	if err := d.object(tree(), ""); err != nil {
		return nil, syntaxError(err)
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, invalidJSON("The body must be one JSON object, with nothing after it")
	}
	return d, nil
}

func syntaxError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return invalidJSON("The body is not well-formed JSON: it ends too soon")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalidJSON("The body is not well-formed JSON at byte " + strconv.FormatInt(se.Offset, 10))
	}
	return invalidJSON("The body is not well-formed JSON")
}

func (d *decoder) result() (Document, error) {
	if len(d.errs) > 0 {
		return Document{}, apierror.Validation(d.errs)
	}
	return d.doc, nil
}

func (d *decoder) fail(path, msg string) {
	d.errs = append(d.errs, apierror.FieldError{Field: path, Message: msg})
}

// failedAt reports whether an error names path or one of its parents.
func (d *decoder) failedAt(path string) bool {
	for _, e := range d.errs {
		if e.Field == path || strings.HasPrefix(path, e.Field+".") {
			return true
		}
	}
	return false
}

// object reads the members of an object whose '{' was read. Only JSON
// syntax errors are returned; rule violations are collected.
func (d *decoder) object(n *node, prefix string) error {
	seen := map[string]bool{}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // object keys are always strings
		path := joinPath(prefix, key)
		child := n.children[key]
		switch {
		case child == nil:
			d.fail(path, "is not a known field")
			err = d.skip()
		case seen[key]:
			d.fail(path, "appears more than once")
			err = d.skip()
		case child.field < 0:
			err = d.nested(child, path)
		default:
			err = d.leaf(child.field, path)
		}
		if err != nil {
			return err
		}
		seen[key] = true
	}
	_, err := d.dec.Token() // '}'
	return err
}

func (d *decoder) nested(n *node, path string) error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return d.object(n, path)
	case nil:
		required := false
		for _, i := range n.leaves {
			d.doc[i] = Entry{State: Null}
			required = required || Fields[i].Required
		}
		if required {
			d.fail(path, "holds required fields and cannot be null")
		}
		return nil
	default:
		d.fail(path, "must be an object")
		return d.skipRest(tok)
	}
}

func (d *decoder) leaf(i Index, path string) error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	f := Fields[i]
	if tok == nil {
		d.doc[i] = Entry{State: Null}
		return nil
	}
	v, msg := convert(f.Kind, tok)
	if msg == "" && f.check != nil {
		msg = f.check(v)
	}
	if msg != "" {
		d.doc[i] = Entry{State: invalid}
		d.fail(path, msg)
		return d.skipRest(tok)
	}
	if f.Trim {
		v.Str = strings.TrimSpace(v.Str)
	}
	d.doc.Set(i, v)
	return nil
}

// convert turns a JSON token into a Value of kind, or says what was wrong.
func convert(kind Kind, tok json.Token) (Value, string) {
	switch kind {
	case KindString:
		if s, ok := tok.(string); ok {
			return String(s), ""
		}
		return Value{}, "must be a string"
	case KindBoolean:
		if b, ok := tok.(bool); ok {
			return Boolean(b), ""
		}
		return Value{}, "must be true or false"
	case KindInteger:
		num, ok := tok.(json.Number)
		if !ok || strings.ContainsAny(string(num), ".eE") {
			return Value{}, "must be an integer"
		}
		// Digits only, so an error means out of range: ParseInt then gives
		// the nearest int64, which the field's range check rejects.
		i, _ := strconv.ParseInt(string(num), 10, 64)
		return Integer(i), ""
	default:
		num, ok := tok.(json.Number)
		if !ok {
			return Value{}, "must be a number"
		}
		f, _ := strconv.ParseFloat(string(num), 64) // ±Inf when out of range
		return Number(f), ""
	}
}

// skip reads and discards one value.
func (d *decoder) skip() error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	return d.skipRest(tok)
}

// skipRest discards the rest of a value whose first token was tok.
func (d *decoder) skipRest(tok json.Token) error {
	if tok != json.Delim('{') && tok != json.Delim('[') {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := d.dec.Token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}
