package telegram

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tg "github.com/go-telegram/bot"
)

// seen is what a server saw of one request.
type seen struct {
	length   int64
	chunked  bool
	body     []byte
	fullType string
}

func recordingServer(t *testing.T, reply string) (*httptest.Server, <-chan seen) {
	t.Helper()
	got := make(chan seen, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{length: r.ContentLength, chunked: len(r.TransferEncoding) > 0, body: b, fullType: r.Header.Get("Content-Type")}
		io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// piped makes a request whose body comes through a pipe in small pieces,
// as the library writes its forms.
func piped(t *testing.T, url string, pieces []string, fail error) *http.Request {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		for _, p := range pieces {
			if _, err := io.WriteString(pw, p); err != nil {
				return
			}
		}
		pw.CloseWithError(fail)
	}()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, pr)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestWholeBodies(t *testing.T) {
	srv, got := recordingServer(t, "ok")
	c := wholeBodies{srv.Client()}
	small := []string{"--b\r\n", "Content-Disposition: form-data; name=\"text\"\r\n\r\n", "héllo", "\r\n--b--\r\n"}
	big := []string{strings.Repeat("x", maxWhole), strings.Repeat("y", 10)}
	for _, tc := range []struct {
		name    string
		pieces  []string
		chunked bool
	}{
		{"small form in one piece", small, false},
		{"large body streamed", big, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Do(piped(t, srv.URL, tc.pieces, nil))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			s := <-got
			want := strings.Join(tc.pieces, "")
			if string(s.body) != want {
				t.Fatalf("server read %d bytes, want %d", len(s.body), len(want))
			}
			if s.chunked != tc.chunked {
				t.Errorf("chunked = %v, want %v", s.chunked, tc.chunked)
			}
			if !tc.chunked && s.length != int64(len(want)) {
				t.Errorf("Content-Length = %d, want %d", s.length, len(want))
			}
		})
	}
}

// A form the library fails to build is not sent.
func TestWholeBodiesFailedForm(t *testing.T) {
	srv, got := recordingServer(t, "ok")
	broken := errors.New("form broke")
	_, err := wholeBodies{srv.Client()}.Do(piped(t, srv.URL, []string{"--b\r\n"}, broken))
	if !errors.Is(err, broken) {
		t.Fatalf("Do = %v, want the form's error", err)
	}
	select {
	case s := <-got:
		t.Fatalf("the server got a request: %q", s.body)
	case <-time.After(50 * time.Millisecond):
	}
}

// Through the library: a message goes as one multipart body with its
// length.
func TestWholeBodiesWithLibrary(t *testing.T) {
	srv, got := recordingServer(t, `{"ok":true,"result":{"message_id":7,"date":1,"chat":{"id":5,"type":"private"}}}`)
	b, err := tg.New("123:abc", tg.WithServerURL(srv.URL), tg.WithSkipGetMe(),
		tg.WithHTTPClient(time.Second, wholeBodies{srv.Client()}))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := b.SendMessage(context.Background(), &tg.SendMessageParams{ChatID: 5, Text: "Hei! Miten menee?"})
	if err != nil || msg.ID != 7 {
		t.Fatalf("SendMessage = %v, %v", msg, err)
	}
	s := <-got
	if s.chunked || s.length != int64(len(s.body)) || !bytes.Contains(s.body, []byte("Hei! Miten menee?")) {
		t.Errorf("server saw chunked=%v length=%d body %q", s.chunked, s.length, s.body)
	}
	if !strings.HasPrefix(s.fullType, "multipart/form-data; boundary=") {
		t.Errorf("Content-Type = %q", s.fullType)
	}
}
