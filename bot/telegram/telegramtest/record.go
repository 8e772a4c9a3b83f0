package telegramtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// Call is one recorded request.
type Call struct {
	// Method is the API method, spelled canonically ("sendMessage") when
	// known, as requested otherwise.
	Method string
	// Form holds the parameters; nested objects (reply_markup, commands,
	// scope, allowed_updates) are JSON text, as on the wire.
	Form map[string]string
	// Files maps the file name of each multipart file part to its content.
	Files map[string][]byte
	// FileFields maps the form field of each multipart file part to its
	// file name (a key of Files).
	FileFields map[string]string
	// At is when the request arrived.
	At time.Time
	// Status is the HTTP status answered: 200, the error code, or 0 while
	// the request is still being handled (a waiting long poll).
	Status int
}

// Button is one inline keyboard button.
type Button struct {
	Text string // label
	Data string // callback_data
	URL  string // url, for link buttons
}

// Sent is a message delivered by sendMessage.
type Sent struct {
	ChatID    int64
	Text      string
	MessageID int
	Buttons   [][]Button // inline keyboard; nil without one
}

// Edit is a successful editMessageText or editMessageReplyMarkup.
type Edit struct {
	Method          string // "editMessageText" or "editMessageReplyMarkup"
	ChatID          int64
	MessageID       int
	InlineMessageID string     // set instead of ChatID and MessageID for inline messages
	Text            string     // the message text after the edit
	Buttons         [][]Button // the inline keyboard after the edit; nil when removed
}

// CallbackAnswer is a successful answerCallbackQuery.
type CallbackAnswer struct {
	ID   string
	Text string
}

// CommandSet is a successful setMyCommands.
type CommandSet struct {
	LanguageCode string
	// Scope is the scope type ("default" when none was given); scopes of one
	// chat carry its id ("chat:123", "chat_administrators:123") and
	// chat_member also the user ("chat_member:123:456").
	Scope    string
	Commands []models.BotCommand
}

// Document is a document delivered by sendDocument.
type Document struct {
	ChatID   int64
	FileName string
	Data     []byte // uploaded content; nil when sent by file_id or URL
	Caption  string
}

// Calls returns the recorded requests of a method ("" for all), oldest
// first, including failed ones. The maps in them must not be modified.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callsLocked(method)
}

func (s *Server) callsLocked(method string) []Call {
	var out []Call
	for _, c := range s.calls {
		if method == "" || strings.EqualFold(c.Method, method) {
			out = append(out, c)
		}
	}
	return out
}

// Sent returns the messages delivered by sendMessage, oldest first. Failed
// calls are not included.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Edits returns the successful message edits, oldest first.
func (s *Server) Edits() []Edit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Edit(nil), s.edits...)
}

// CallbackAnswers returns the successful answerCallbackQuery calls.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answers...)
}

// Commands returns the successful setMyCommands calls, oldest first.
func (s *Server) Commands() []CommandSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CommandSet(nil), s.commandSets...)
}

// Documents returns the documents delivered by sendDocument, oldest first.
func (s *Server) Documents() []Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Document(nil), s.documents...)
}

// ConfirmedOffset is the highest getUpdates offset received so far (0 if
// none): every update with a smaller id has been confirmed and dropped.
func (s *Server) ConfirmedOffset() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// Pending is the number of queued updates not yet confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Polling reports whether a getUpdates request is in progress (a newer one
// ends it with 409).
func (s *Server) Polling() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polling
}

// waitFor waits until cond, called with s.mu held, is true; it reports false
// on timeout or when the server closes.
func (s *Server) waitFor(timeout time.Duration, cond func() bool) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return true
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-t.C:
			return false
		case <-s.closing:
			return false
		}
	}
}

// WaitSent waits until at least n messages were sent in total and returns
// all of them. On timeout it fails the test (tb.Fatalf: call it from the test
// goroutine) listing what was sent and which sendMessage calls failed.
func (s *Server) WaitSent(tb testing.TB, n int, timeout time.Duration) []Sent {
	tb.Helper()
	if s.waitFor(timeout, func() bool { return len(s.sent) >= n }) {
		return s.Sent()
	}
	tb.Fatalf("telegramtest: timed out after %v waiting for %d sent messages\n%s", timeout, n, s.describeSent(nil))
	return nil
}

// WaitSentTo waits until at least n messages were sent to chatID and returns
// the messages sent to it. On timeout it fails the test like WaitSent.
func (s *Server) WaitSentTo(tb testing.TB, chatID int64, n int, timeout time.Duration) []Sent {
	tb.Helper()
	count := func() []Sent {
		idx := s.sentByChat[chatID]
		out := make([]Sent, len(idx))
		for i, j := range idx {
			out[i] = s.sent[j]
		}
		return out
	}
	if s.waitFor(timeout, func() bool { return len(s.sentByChat[chatID]) >= n }) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return count()
	}
	tb.Fatalf("telegramtest: timed out after %v waiting for %d messages sent to chat %d\n%s", timeout, n, chatID, s.describeSent(&chatID))
	return nil
}

// WaitCalls waits until at least n requests of a method ("" for any) were
// recorded (successful or not) and returns them. On timeout it fails the
// test.
func (s *Server) WaitCalls(tb testing.TB, method string, n int, timeout time.Duration) []Call {
	tb.Helper()
	if s.waitFor(timeout, func() bool { return len(s.callsLocked(method)) >= n }) {
		return s.Calls(method)
	}
	calls := s.Calls(method)
	tb.Fatalf("telegramtest: timed out after %v waiting for %d %q calls, got %d", timeout, n, method, len(calls))
	return nil
}

// WaitConfirmed waits until the client confirmed the update with id
// updateID, that is until ConfirmedOffset() > updateID. On timeout it fails
// the test.
func (s *Server) WaitConfirmed(tb testing.TB, updateID int64, timeout time.Duration) {
	tb.Helper()
	if !s.waitFor(timeout, func() bool { return s.confirmed > updateID }) {
		tb.Fatalf("telegramtest: timed out after %v waiting for update %d to be confirmed; confirmed offset is %d", timeout, updateID, s.ConfirmedOffset())
	}
}

// WaitPolling waits until a getUpdates request is in progress (polling
// true) or until none is (polling false). On timeout it fails the test.
func (s *Server) WaitPolling(tb testing.TB, polling bool, timeout time.Duration) {
	tb.Helper()
	if !s.waitFor(timeout, func() bool { return s.polling == polling }) {
		tb.Fatalf("telegramtest: timed out after %v waiting for Polling() == %v", timeout, polling)
	}
}

func (s *Server) describeSent(chatID *int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	n := 0
	for _, m := range s.sent {
		if chatID != nil && m.ChatID != *chatID {
			continue
		}
		n++
		fmt.Fprintf(&b, "  chat %d message %d: %q", m.ChatID, m.MessageID, m.Text)
		if m.Buttons != nil {
			fmt.Fprintf(&b, " buttons %v", m.Buttons)
		}
		b.WriteString("\n")
	}
	head := fmt.Sprintf("sent %d message(s):\n", n)
	if n == 0 {
		head = "nothing was sent\n"
	}
	var failed strings.Builder
	for _, c := range s.calls {
		if c.Method != "sendMessage" || c.Status == http.StatusOK || c.Status == 0 {
			continue
		}
		if chatID != nil && c.Form["chat_id"] != fmt.Sprint(*chatID) {
			continue
		}
		fmt.Fprintf(&failed, "  chat %s status %d: %q\n", c.Form["chat_id"], c.Status, c.Form["text"])
	}
	if failed.Len() > 0 {
		return head + b.String() + "failed sendMessage calls:\n" + failed.String()
	}
	return head + b.String()
}

// Failure is an injected error answer. Code 429 adds
// parameters.retry_after = RetryAfter; MigrateToChatID adds
// parameters.migrate_to_chat_id (a group upgraded to a supergroup). Delay,
// if set, is waited first; with Code 0 the call is then answered normally
// (a slow server).
type Failure struct {
	Code            int
	Description     string // defaults to Telegram's text for Code
	RetryAfter      int
	MigrateToChatID int64
	Delay           time.Duration
}

func (f Failure) apiError() *apiError {
	desc := f.Description
	if f.Code == http.StatusTooManyRequests {
		ra := f.RetryAfter
		if desc == "" {
			desc = fmt.Sprintf("Too Many Requests: retry after %d", ra)
		}
		return &apiError{code: f.Code, desc: desc, retryAfter: &ra}
	}
	if desc == "" {
		desc = http.StatusText(f.Code)
		if desc == "" {
			desc = fmt.Sprintf("Error %d", f.Code)
		}
	}
	return &apiError{code: f.Code, desc: desc, migrateTo: f.MigrateToChatID}
}

type failRule struct {
	method string
	left   int
	f      Failure
}

// Fail makes the next `times` calls of method answer with f. Method "" means
// any method except getUpdates. Rules are consumed in the order they were
// added; a call consumes at most one.
func (s *Server) Fail(method string, times int, f Failure) {
	if times <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, &failRule{method: method, left: times, f: f})
}

func (s *Server) takeFailure(method string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.failures {
		match := strings.EqualFold(r.method, method) || (r.method == "" && method != "getUpdates")
		if !match {
			continue
		}
		r.left--
		if r.left <= 0 {
			s.failures = append(s.failures[:i:i], s.failures[i+1:]...)
		}
		return r.f, true
	}
	return Failure{}, false
}

// Block makes every sendMessage, sendDocument and sendChatAction to chatID
// fail with 403 "Forbidden: bot was blocked by the user".
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Unblock undoes Block.
func (s *Server) Unblock(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, chatID)
}

// Profile returns the bot's name, description or short_description (field)
// as set in a language ("" for the default).
func (s *Server) Profile(field, lang string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.profile[field+"|"+lang]
}
