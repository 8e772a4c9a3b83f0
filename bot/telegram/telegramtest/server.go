// Package telegramtest is a fake Telegram Bot API server for tests.
//
// It runs on net/http/httptest and speaks the wire format of the real Bot API
// closely enough for github.com/go-telegram/bot and for hand-written clients:
// POST <URL>/bot<token>/<method> with multipart/form-data (streamed, no
// Content-Length), application/x-www-form-urlencoded or application/json
// bodies (query string parameters are accepted too); answers are
// {"ok":true,"result":...} or {"ok":false,"error_code":N,"description":"..."}
// with the HTTP status equal to error_code.
//
// Tests push updates (PushText, PushTexts for a flood, PushCallback, ...),
// let the code under test poll them with getUpdates, make Telegram send
// them again (Resend), and inspect what it sent (Sent, Edits,
// CallbackAnswers, Commands, Documents, Calls, Stats). Failures and blocked
// users can be injected, and Telegram's flood limits enforced (SetLimits
// with TelegramLimits: a per-chat budget that sends and edits share, a
// global cap, a group cap; answerCallbackQuery is never limited).
// Everything is goroutine-safe.
package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// The identity of the fake bot, as returned by getMe and used as the sender
// of every message the bot sends.
const (
	BotID        int64 = 42
	BotFirstName       = "CosieTest"
	BotUsername        = "cosie_test_bot"
)

// FirstUpdateID is the update_id of the first pushed update; later updates
// get increasing ids.
const FirstUpdateID int64 = 1000

// firstUserMessageID is where message ids of pushed (user) messages start, far
// from the bot's own per-chat ids, which start at 1.
const firstUserMessageID = 500000

// maxBodySize bounds what the fake reads from one request.
const maxBodySize = 64 << 20

// Server is a running fake Bot API server. Create it with New.
type Server struct {
	srv     *httptest.Server
	token   string
	closing chan struct{}

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every recorded change
	updated chan struct{} // closed and replaced when an update is queued

	nextUpdateID int64
	queue        []queuedUpdate
	confirmed    int64
	polling      bool
	pollStop     chan struct{}   // closed to end the getUpdates in progress
	history      []queuedUpdate  // every update queued, for Resend
	allowed      map[string]bool // nil: Telegram's default set
	webhookURL   string

	calls       []Call
	sent        []Sent
	sentByChat  map[int64][]int // indexes into sent, so waiting on one chat stays cheap
	edits       []Edit
	answers     []CallbackAnswer
	commandSets []CommandSet
	commands    map[string][]models.BotCommand // current, by scope+language
	profile     map[string]string              // name, description, short_description by field+language
	documents   []Document

	nextBotMsgID  map[int64]int
	nextUserMsgID int
	messages      map[msgKey]*storedMessage
	userMessages  map[msgKey]bool
	chats         map[int64]models.Chat
	callbacks     map[string]bool // callback id -> answered
	nextCallback  int64

	failures []*failRule
	blocked  map[int64]bool

	flood flood

	files    map[string]storedFile
	nextFile int
}

type queuedUpdate struct {
	id   int64
	kind string
	data json.RawMessage
}

type msgKey struct {
	chat int64
	id   int
}

type storedMessage struct {
	msg     wireMessage
	buttons [][]Button
}

type storedFile struct {
	name string
	data []byte
}

// New starts a fake server for the bot token and stops it when the test ends
// (tb.Cleanup). Pending long polls and injected delays are released first.
func New(tb testing.TB, token string) *Server {
	tb.Helper()
	s := &Server{
		token:         token,
		closing:       make(chan struct{}),
		changed:       make(chan struct{}),
		updated:       make(chan struct{}),
		nextUpdateID:  FirstUpdateID,
		commands:      map[string][]models.BotCommand{},
		profile:       map[string]string{},
		nextBotMsgID:  map[int64]int{},
		nextUserMsgID: firstUserMessageID,
		messages:      map[msgKey]*storedMessage{},
		userMessages:  map[msgKey]bool{},
		chats:         map[int64]models.Chat{},
		callbacks:     map[string]bool{},
		blocked:       map[int64]bool{},
		flood:         newFlood(),
		files:         map[string]storedFile{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	tb.Cleanup(func() {
		close(s.closing)
		s.srv.Close()
	})
	return s
}

// URL is the server's base URL without a trailing slash, for
// bot.WithServerURL.
func (s *Server) URL() string { return s.srv.URL }

// Token is the bot token the server accepts.
func (s *Server) Token() string { return s.token }

// broadcastLocked wakes everything waiting for a change. s.mu must be held.
func (s *Server) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// apiError is a Bot API error answer.
type apiError struct {
	code       int
	desc       string
	retryAfter *int
	migrateTo  int64
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + desc}
}

func tooMany(retryAfter int) *apiError {
	return &apiError{
		code:       http.StatusTooManyRequests,
		desc:       fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
		retryAfter: &retryAfter,
	}
}

var (
	errUnauthorized = &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"}
	errNotFound     = &apiError{code: http.StatusNotFound, desc: "Not Found"}
	errBlocked      = &apiError{code: http.StatusForbidden, desc: "Forbidden: bot was blocked by the user"}
)

type okResponse struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

type errorParameters struct {
	RetryAfter      *int  `json:"retry_after,omitempty"`
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
}

type errorResponse struct {
	OK          bool             `json:"ok"`
	ErrorCode   int              `json:"error_code"`
	Description string           `json:"description"`
	Parameters  *errorParameters `json:"parameters,omitempty"`
}

func writeResult(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, okResponse{OK: true, Result: result})
}

func writeError(w http.ResponseWriter, e *apiError) {
	resp := errorResponse{ErrorCode: e.code, Description: e.desc}
	if e.retryAfter != nil || e.migrateTo != 0 {
		resp.Parameters = &errorParameters{RetryAfter: e.retryAfter, MigrateToChatID: e.migrateTo}
	}
	writeJSON(w, e.code, resp)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"ok":false,"error_code":500,"description":"Internal Server Error: ` + strconv.Quote(err.Error()) + `"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/file/bot") {
		s.serveFile(w, r)
		return
	}
	at := time.Now()
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, errNotFound)
		return
	}
	token, method, ok := strings.Cut(rest, "/")
	if !ok {
		writeError(w, errNotFound)
		return
	}
	// go-telegram/bot's UseTestEnvironment puts "test/" before the method.
	method = strings.TrimPrefix(method, "test/")

	// Always read the whole body first: the library streams it through a
	// pipe and its writer must not be left hanging.
	p, perr := parseRequest(r)
	h, known := methods[strings.ToLower(method)]
	if known {
		method = h.name
	}
	call := Call{Method: method, Form: p.form, Files: p.files, FileFields: p.fileFields, At: at}

	var e *apiError
	switch {
	case token != s.token:
		e = errUnauthorized
	case !known:
		e = errNotFound
	case perr != nil:
		e = badRequest(perr.Error())
	}
	if e != nil {
		call.Status = e.code
		s.mu.Lock()
		s.countErrorLocked(method, e)
		s.calls = append(s.calls, call)
		s.broadcastLocked()
		s.mu.Unlock()
		writeError(w, e)
		return
	}

	s.mu.Lock()
	idx := len(s.calls)
	s.calls = append(s.calls, call) // Status 0 while in progress
	s.broadcastLocked()
	s.mu.Unlock()

	result, e := s.dispatch(r.Context(), h, &call)

	s.mu.Lock()
	if e != nil {
		s.calls[idx].Status = e.code
		s.countErrorLocked(method, e)
	} else {
		s.calls[idx].Status = http.StatusOK
	}
	s.broadcastLocked()
	s.mu.Unlock()

	if e != nil {
		writeError(w, e)
		return
	}
	writeResult(w, result)
}

func (s *Server) countErrorLocked(method string, e *apiError) {
	if e.code == http.StatusTooManyRequests {
		s.count429Locked(method)
	}
}

// dispatch applies injected failures, then runs the method.
func (s *Server) dispatch(ctx context.Context, h method, c *Call) (any, *apiError) {
	if f, ok := s.takeFailure(h.name); ok {
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, &apiError{code: http.StatusInternalServerError, desc: "Internal Server Error: request cancelled during injected delay"}
			case <-s.closing:
				t.Stop()
				return nil, &apiError{code: http.StatusInternalServerError, desc: "Internal Server Error: server closing"}
			}
		}
		if f.Code != 0 {
			return nil, f.apiError()
		}
	}
	return h.fn(s, ctx, c)
}

// request is a parsed request.
type request struct {
	form       map[string]string
	files      map[string][]byte
	fileFields map[string]string
}

// parseRequest reads parameters from the query string and from a multipart,
// urlencoded or JSON body. Nested objects stay JSON text, as in multipart
// requests.
func parseRequest(r *http.Request) (request, error) {
	p := request{form: map[string]string{}, files: map[string][]byte{}, fileFields: map[string]string{}}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			p.form[k] = v[len(v)-1]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodySize))
	if err != nil {
		return p, fmt.Errorf("can't read request body: %v", err)
	}
	// go-telegram/bot sends a multipart Content-Type with an empty body
	// (not even a closing boundary) for methods without parameters.
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch mt {
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return p, fmt.Errorf("can't parse multipart body: %v", err)
			}
			data, err := io.ReadAll(part)
			if err != nil {
				return p, fmt.Errorf("can't parse multipart body: %v", err)
			}
			field, filename := part.FormName(), part.FileName()
			if filename != "" {
				p.files[filename] = data
				p.fileFields[field] = filename
			} else if field != "" {
				p.form[field] = string(data)
			}
		}
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return p, fmt.Errorf("can't parse urlencoded body: %v", err)
		}
		for k, v := range vals {
			if len(v) > 0 {
				p.form[k] = v[len(v)-1]
			}
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return p, fmt.Errorf("can't parse JSON body: %v", err)
		}
		for k, raw := range obj {
			raw = bytes.TrimSpace(raw)
			switch {
			case bytes.Equal(raw, []byte("null")):
			case len(raw) > 0 && raw[0] == '"':
				var str string
				if err := json.Unmarshal(raw, &str); err != nil {
					return p, fmt.Errorf("can't parse JSON body: %v", err)
				}
				p.form[k] = str
			default:
				p.form[k] = string(raw)
			}
		}
	default:
		return p, fmt.Errorf("unsupported Content-Type %q", ct)
	}
	return p, nil
}

// serveFile answers GET <URL>/file/bot<token>/<file_path>.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/file/bot")
	token, path, _ := strings.Cut(rest, "/")
	id, ok := strings.CutPrefix(path, "files/")
	if token != s.token || !ok || id == "" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		writeError(w, errNotFound)
		return
	}
	s.mu.Lock()
	f := s.fileLocked(id)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(f.data)
	}
}

// SetFile sets the content getFile and the file download URL serve for a
// file id. Files without content set serve a short placeholder text.
func (s *Server) SetFile(fileID string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[fileID]
	f.data = bytes.Clone(data)
	s.files[fileID] = f
}

func (s *Server) fileLocked(id string) storedFile {
	if f, ok := s.files[id]; ok {
		return f
	}
	return storedFile{data: []byte("telegramtest file " + id)}
}
