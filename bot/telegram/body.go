package telegram

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// maxWhole is the largest request body sent in one piece; a bigger one
// (a large export) is streamed as the library makes it.
const maxWhole = 1 << 20

// wholeBodies sends each Bot API call's body in one piece. The library
// streams its multipart form through a pipe, and net/http sends every
// piece of a streamed body as a chunk of its own, flushed at once: a
// dozen small writes per message, each its own TCP segment (and TLS
// record) for Telegram to read. Reading the form first makes it one
// write with a Content-Length.
type wholeBodies struct{ c *http.Client }

func (w wholeBodies) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return w.c.Do(req)
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(req.Body, maxWhole+1))
	if err != nil {
		req.Body.Close()
		return nil, fmt.Errorf("read the request body: %w", err)
	}
	if n > maxWhole {
		req.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(&buf, req.Body), req.Body}
		return w.c.Do(req)
	}
	req.Body.Close()
	b := buf.Bytes()
	req.ContentLength = n
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return w.c.Do(req)
}
