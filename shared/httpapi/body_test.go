package httpapi

import (
	"bytes"
	"crypto/md5"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readHashed keeps the first MaxBody+1 bytes, hashes and counts up to
// maxRead+1, whatever Content-Length claims and however the reader splits
// its reads.
func TestReadHashed(t *testing.T) {
	sizes := []int{0, 1, 100, MaxBody - 1, MaxBody, MaxBody + 1, 3 * MaxBody, maxRead + 10}
	readers := map[string]func([]byte) io.Reader{
		"whole":    func(b []byte) io.Reader { return bytes.NewReader(b) },
		"one byte": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"half":     func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
		"data+EOF": func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) },
	}
	for _, size := range sizes {
		body := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
		read := min(size, maxRead+1)
		for name, reader := range readers {
			if name == "one byte" && size > 3*MaxBody {
				continue // slow, and nothing new past the kept part
			}
			for _, cl := range []int64{int64(size), -1, 0, int64(size) / 2, int64(size) + 7} {
				h := md5.New()
				kept, n, err := readHashed(reader(body), cl, h)
				if err != nil {
					t.Fatalf("size %d, %s, Content-Length %d: %v", size, name, cl, err)
				}
				if n != int64(read) {
					t.Errorf("size %d, %s, Content-Length %d: n = %d, want %d", size, name, cl, n, read)
				}
				if want := body[:min(size, MaxBody+1)]; !bytes.Equal(kept, want) {
					t.Errorf("size %d, %s, Content-Length %d: kept %d bytes, want the first %d", size, name, cl, len(kept), len(want))
				}
				if got, want := h.Sum(nil), md5.Sum(body[:read]); !bytes.Equal(got, want[:]) {
					t.Errorf("size %d, %s, Content-Length %d: MD5 of the wrong bytes", size, name, cl)
				}
			}
		}
	}
}

func TestReadHashedReportsReadErrors(t *testing.T) {
	broken := errors.New("connection reset")
	for _, r := range []io.Reader{
		iotest.ErrReader(broken),
		io.MultiReader(strings.NewReader("{\"a\":"), iotest.ErrReader(broken)),
		io.MultiReader(strings.NewReader(strings.Repeat(" ", MaxBody+10)), iotest.ErrReader(broken)),
	} {
		if _, _, err := readHashed(r, -1, md5.New()); !errors.Is(err, broken) {
			t.Errorf("err = %v, want %v", err, broken)
		}
	}
}
