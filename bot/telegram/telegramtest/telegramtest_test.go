package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

const token = "4242:test-token"

const wait = 5 * time.Second

// newClient makes a go-telegram/bot client for the fake: 1 s long polls,
// handlers run in the polling goroutine.
func newClient(t *testing.T, s *telegramtest.Server, tok string, h bot.HandlerFunc) *bot.Bot {
	t.Helper()
	if h == nil {
		h = func(context.Context, *bot.Bot, *models.Update) {}
	}
	b, err := bot.New(tok,
		bot.WithServerURL(s.URL()),
		bot.WithSkipGetMe(),
		bot.WithHTTPClient(2*time.Second, &http.Client{Timeout: 5 * time.Second}),
		bot.WithNotAsyncHandlers(),
		bot.WithDefaultHandler(h),
		bot.WithErrorsHandler(func(err error) { t.Logf("bot error: %v", err) }),
	)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

// start runs the client's getUpdates loop until the returned stop is called
// (also at the end of the test); stop waits for the loop to end.
func start(t *testing.T, b *bot.Bot) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start(ctx)
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return c
}

// apiResult is a raw Bot API answer.
type apiResult struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
	status int
}

// postForm calls a method the way a hand-written client would: urlencoded.
func postForm(t *testing.T, c context.Context, s *telegramtest.Server, method string, form url.Values) apiResult {
	t.Helper()
	return do(t, formRequest(c, s, method, form))
}

func do(t *testing.T, req *http.Request) apiResult {
	t.Helper()
	r, err := doErr(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// doErr is do for goroutines other than the test's.
func doErr(req *http.Request) (apiResult, error) {
	var r apiResult
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return r, fmt.Errorf("%s: %v", req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("%s: bad JSON %q: %v", req.URL.Path, raw, err)
	}
	r.status = resp.StatusCode
	if !r.OK && r.status != r.ErrorCode {
		return r, fmt.Errorf("HTTP status %d differs from error_code %d", r.status, r.ErrorCode)
	}
	return r, nil
}

// formRequest builds a urlencoded request, as a hand-written client would.
func formRequest(c context.Context, s *telegramtest.Server, method string, form url.Values) *http.Request {
	req, err := http.NewRequestWithContext(c, http.MethodPost, s.URL()+"/bot"+s.Token()+"/"+method, strings.NewReader(form.Encode()))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// multipartRequest builds a multipart/form-data request.
func multipartRequest(c context.Context, s *telegramtest.Server, method string, fields map[string]string) *http.Request {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	req, err := http.NewRequestWithContext(c, http.MethodPost, s.URL()+"/bot"+s.Token()+"/"+method, &body)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

type asyncResult struct {
	r   apiResult
	err error
	at  time.Time
}

// async runs a request in its own goroutine.
func async(req *http.Request) <-chan asyncResult {
	ch := make(chan asyncResult, 1)
	go func() {
		r, err := doErr(req)
		ch <- asyncResult{r, err, time.Now()}
	}()
	return ch
}

func keyboard(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

func TestTextAndInlineKeyboardThroughRealClient(t *testing.T) {
	s := telegramtest.New(t, token)
	got := make(chan *models.Update, 1)
	b := newClient(t, s, token, func(c context.Context, b *bot.Bot, u *models.Update) {
		// Report only once the reply is done, so the test cannot end (and
		// cancel the client) while the response is still being read.
		defer func() { got <- u }()
		_, err := b.SendMessage(c, &bot.SendMessageParams{
			ChatID: u.Message.Chat.ID,
			Text:   "Hei! Valitse:",
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{
				{Text: "Kyllä", CallbackData: "yes"},
				{Text: "Ei", CallbackData: "no"},
			}, []models.InlineKeyboardButton{{Text: "Info", URL: "https://example.org/"}}),
		})
		if err != nil {
			t.Errorf("SendMessage: %v", err)
		}
	})
	start(t, b)

	id := s.PushText(101, 202, "fi", "/start pilot")
	if id != telegramtest.FirstUpdateID {
		t.Fatalf("first update id = %d, want %d", id, telegramtest.FirstUpdateID)
	}
	sent := s.WaitSent(t, 1, wait)

	u := <-got
	if u.ID != id || u.Message.Text != "/start pilot" || u.Message.Chat.ID != 101 || u.Message.Chat.Type != models.ChatTypePrivate {
		t.Errorf("update = %+v, message %+v", u, u.Message)
	}
	if u.Message.From == nil || u.Message.From.ID != 202 || u.Message.From.LanguageCode != "fi" || u.Message.From.FirstName != "Test" {
		t.Errorf("from = %+v", u.Message.From)
	}
	if len(u.Message.Entities) != 1 || u.Message.Entities[0].Type != models.MessageEntityTypeBotCommand || u.Message.Entities[0].Length != len("/start") {
		t.Errorf("entities = %+v", u.Message.Entities)
	}

	want := telegramtest.Sent{ChatID: 101, Text: "Hei! Valitse:", MessageID: 1, Buttons: [][]telegramtest.Button{
		{{Text: "Kyllä", Data: "yes"}, {Text: "Ei", Data: "no"}},
		{{Text: "Info", URL: "https://example.org/"}},
	}}
	if len(sent) != 1 || !equalSent(sent[0], want) {
		t.Fatalf("sent = %+v, want %+v", sent, want)
	}
	calls := s.Calls("sendMessage")
	if len(calls) != 1 || calls[0].Form["chat_id"] != "101" || !strings.Contains(calls[0].Form["reply_markup"], `"callback_data":"yes"`) {
		t.Errorf("sendMessage calls = %+v", calls)
	}

	// The returned Message is realistic; ids go up per chat.
	m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 101, Text: "second", ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "A", CallbackData: "a"}})})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != 2 || m.Text != "second" || m.Chat.ID != 101 || m.Chat.Type != models.ChatTypePrivate || m.Date == 0 {
		t.Errorf("message = %+v", m)
	}
	if m.From == nil || m.From.ID != telegramtest.BotID || !m.From.IsBot || m.From.Username != telegramtest.BotUsername {
		t.Errorf("from = %+v", m.From)
	}
	if m.ReplyMarkup == nil || len(m.ReplyMarkup.InlineKeyboard) != 1 || m.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "a" {
		t.Errorf("reply_markup = %+v", m.ReplyMarkup)
	}
	if m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 555, Text: "other chat"}); err != nil || m.ID != 1 {
		t.Errorf("other chat: %+v, %v", m, err)
	}
	if got := s.WaitSentTo(t, 101, 2, wait); len(got) != 2 || got[1].Text != "second" {
		t.Errorf("WaitSentTo = %+v", got)
	}

	me, err := b.GetMe(ctx(t))
	if err != nil || me.ID != telegramtest.BotID || me.FirstName != telegramtest.BotFirstName || !me.IsBot {
		t.Errorf("GetMe = %+v, %v", me, err)
	}
}

func equalSent(a, b telegramtest.Sent) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestCallbackAnsweredAndKeyboardEdited(t *testing.T) {
	s := telegramtest.New(t, token)
	got := make(chan *models.Update, 1)
	b := newClient(t, s, token, func(c context.Context, b *bot.Bot, u *models.Update) {
		if u.CallbackQuery == nil {
			return
		}
		defer func() { got <- u }()
		q := u.CallbackQuery
		if _, err := b.AnswerCallbackQuery(c, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID, Text: "ok"}); err != nil {
			t.Errorf("AnswerCallbackQuery: %v", err)
		}
		msg := q.Message.Message
		if _, err := b.EditMessageReplyMarkup(c, &bot.EditMessageReplyMarkupParams{
			ChatID: msg.Chat.ID, MessageID: msg.ID,
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "✓ " + q.Data, CallbackData: "done"}}),
		}); err != nil {
			t.Errorf("EditMessageReplyMarkup: %v", err)
		}
	})
	m, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 7, Text: "Question?", ReplyMarkup: keyboard(
		[]models.InlineKeyboardButton{{Text: "Yes", CallbackData: "yes"}, {Text: "No", CallbackData: "no"}})})
	if err != nil {
		t.Fatal(err)
	}
	start(t, b)

	_, cbID := s.PushCallback(7, 8, "en", m.ID, "yes")
	s.WaitCalls(t, "editMessageReplyMarkup", 1, wait)

	u := <-got
	q := u.CallbackQuery
	if q.ID != cbID || q.Data != "yes" || q.From.ID != 8 || q.From.LanguageCode != "en" {
		t.Errorf("callback = %+v", q)
	}
	if q.Message.Type != models.MaybeInaccessibleMessageTypeMessage || q.Message.Message == nil ||
		q.Message.Message.ID != m.ID || q.Message.Message.Text != "Question?" || q.Message.Message.ReplyMarkup == nil {
		t.Errorf("callback message = %+v", q.Message.Message)
	}
	if a := s.CallbackAnswers(); len(a) != 1 || a[0] != (telegramtest.CallbackAnswer{ID: cbID, Text: "ok"}) {
		t.Errorf("answers = %+v", a)
	}
	edits := s.Edits()
	if len(edits) != 1 || edits[0].ChatID != 7 || edits[0].MessageID != m.ID || edits[0].Text != "Question?" ||
		len(edits[0].Buttons) != 1 || edits[0].Buttons[0][0] != (telegramtest.Button{Text: "✓ yes", Data: "done"}) {
		t.Errorf("edits = %+v", edits)
	}

	// Answering twice, or an unknown id, is a 400 like on Telegram.
	_, err = b.AnswerCallbackQuery(ctx(t), &bot.AnswerCallbackQueryParams{CallbackQueryID: cbID})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("second answer: %v", err)
	}
	// The same markup again is "not modified".
	_, err = b.EditMessageReplyMarkup(ctx(t), &bot.EditMessageReplyMarkupParams{ChatID: 7, MessageID: m.ID,
		ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "✓ yes", CallbackData: "done"}})})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("identical edit: %v", err)
	}
	// editMessageText replaces text and, without reply_markup, drops the keyboard.
	em, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: 7, MessageID: m.ID, Text: "Question? — yes"})
	if err != nil || em.Text != "Question? — yes" || em.ReplyMarkup != nil || em.EditDate == 0 {
		t.Errorf("EditMessageText = %+v, %v", em, err)
	}
	if _, err := b.EditMessageText(ctx(t), &bot.EditMessageTextParams{ChatID: 7, MessageID: 99, Text: "x"}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("edit of unknown message: %v", err)
	}
	if e := s.Edits(); len(e) != 2 || e[1].Method != "editMessageText" || e[1].Buttons != nil {
		t.Errorf("edits = %+v", e)
	}
}

func TestInjectedFailures(t *testing.T) {
	s := telegramtest.New(t, token)
	b := newClient(t, s, token, nil)
	send := func() error {
		_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 1, Text: "hi"})
		return err
	}

	s.Fail("sendMessage", 1, telegramtest.Failure{Code: 429, RetryAfter: 3})
	err := send()
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 3 {
		t.Fatalf("want *bot.TooManyRequestsError with RetryAfter 3, got %#v", err)
	}
	if err := send(); err != nil {
		t.Fatalf("after the injected failure: %v", err)
	}
	calls := s.Calls("sendMessage")
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
		t.Errorf("calls = %+v", calls)
	}
	if sent := s.Sent(); len(sent) != 1 || sent[0].MessageID != 1 {
		t.Errorf("sent = %+v", sent)
	}
	if st := s.Stats(); st.Rejected429 != 1 || st.Delivered != 1 {
		t.Errorf("stats = %+v", st)
	}

	// Method "" hits any method but getUpdates.
	s.Fail("", 1, telegramtest.Failure{Code: 500})
	if _, err := b.GetMe(ctx(t)); err == nil || !strings.Contains(err.Error(), "500 Internal Server Error") {
		t.Errorf("injected 500: %v", err)
	}
	// Code 0 with a delay only slows the call down.
	s.Fail("sendMessage", 1, telegramtest.Failure{Delay: 50 * time.Millisecond})
	t0 := time.Now()
	if err := send(); err != nil || time.Since(t0) < 50*time.Millisecond {
		t.Errorf("delayed call: %v after %v", err, time.Since(t0))
	}
}

func TestBlockedUserIsForbidden(t *testing.T) {
	s := telegramtest.New(t, token)
	b := newClient(t, s, token, nil)
	s.Block(66)
	_, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 66, Text: "hi"})
	if !errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "bot was blocked by the user") {
		t.Fatalf("want bot.ErrorForbidden, got %v", err)
	}
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 67, Text: "hi"}); err != nil {
		t.Fatalf("other chat: %v", err)
	}
	if sent := s.Sent(); len(sent) != 1 || sent[0].ChatID != 67 {
		t.Errorf("sent = %+v", sent)
	}
	if c := s.Calls("sendMessage"); len(c) != 2 || c[0].Status != 403 {
		t.Errorf("calls = %+v", c)
	}
	s.Unblock(66)
	if _, err := b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 66, Text: "hi"}); err != nil {
		t.Errorf("after Unblock: %v", err)
	}
}

func TestOffsetConfirmedAndNotRedelivered(t *testing.T) {
	s := telegramtest.New(t, token)
	got1 := make(chan int64, 10)
	b1 := newClient(t, s, token, func(_ context.Context, _ *bot.Bot, u *models.Update) { got1 <- u.ID })
	stop1 := start(t, b1)

	u1 := s.PushText(5, 5, "en", "one")
	if id := <-got1; id != u1 {
		t.Fatalf("client 1 got %d, want %d", id, u1)
	}
	s.WaitConfirmed(t, u1, wait) // the next poll carries offset u1+1
	stop1()
	if off := s.ConfirmedOffset(); off <= u1 {
		t.Fatalf("ConfirmedOffset = %d, want > %d", off, u1)
	}
	if n := s.Pending(); n != 0 {
		t.Errorf("Pending = %d after confirmation", n)
	}
	s.WaitPolling(t, false, wait) // client 1's last poll noticed the disconnect

	got2 := make(chan int64, 10)
	b2 := newClient(t, s, token, func(_ context.Context, _ *bot.Bot, u *models.Update) { got2 <- u.ID })
	start(t, b2)
	u2 := s.PushText(5, 5, "en", "two")
	if id := <-got2; id != u2 {
		t.Fatalf("fresh client got update %d first, want only %d (update %d was confirmed)", id, u2, u1)
	}
	if u2 <= u1 {
		t.Errorf("update ids not increasing: %d then %d", u1, u2)
	}
}

func TestGlobalRateLimit(t *testing.T) {
	s := telegramtest.New(t, token)
	s.SetLimits(telegramtest.Limits{Global: 30, RetryAfter: 2})
	b := newClient(t, s, token, nil)

	t0 := time.Now()
	var err error
	for i := 0; i < 31; i++ {
		_, err = b.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: int64(1000 + i), Text: "broadcast " + strconv.Itoa(i)})
		if i < 30 && err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	if el := time.Since(t0); el >= time.Second {
		t.Fatalf("31 sends took %v; the test needs them within one second", el)
	}
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 2 {
		t.Fatalf("31st message: want 429 with retry_after 2, got %v", err)
	}
	if st := s.Stats(); st.Delivered != 30 || st.Rejected429 != 1 || st.MaxPerSecond != 30 {
		t.Errorf("stats = %+v", st)
	}
	if n := len(s.Sent()); n != 30 {
		t.Errorf("sent %d, want 30", n)
	}

	// Per chat: a second message to the same chat within a second is refused.
	s2 := telegramtest.New(t, token)
	s2.SetLimits(telegramtest.Limits{PerChat: 1})
	b2 := newClient(t, s2, token, nil)
	if _, err := b2.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 1, Text: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b2.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 2, Text: "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b2.SendMessage(ctx(t), &bot.SendMessageParams{ChatID: 1, Text: "c"}); !bot.IsTooManyRequestsError(err) {
		t.Errorf("per-chat limit: %v", err)
	}
}

// TestConcurrentGetUpdatesConflict: as with Telegram, a second getUpdates
// ends the one in progress with 409 and is answered itself.
func TestConcurrentGetUpdatesConflict(t *testing.T) {
	s := telegramtest.New(t, token)
	// A hand-written long poll: multipart, like go-telegram/bot.
	first := async(multipartRequest(ctx(t), s, "getUpdates", map[string]string{"timeout": "5", "allowed_updates": `["message","callback_query"]`}))
	s.WaitPolling(t, true, wait)

	second := async(formRequest(ctx(t), s, "getUpdates", url.Values{"timeout": {"5"}}))
	res := <-first
	if res.err != nil {
		t.Fatal(res.err)
	}
	if r := res.r; r.OK || r.status != 409 || r.ErrorCode != 409 || !strings.HasPrefix(r.Description, "Conflict: terminated by other getUpdates request") {
		t.Fatalf("first getUpdates = %+v, want 409 once a second one came", r)
	}
	id := s.PushText(3, 3, "en", "release")
	res = <-second
	if res.err != nil {
		t.Fatal(res.err)
	}
	r := res.r
	var ups []models.Update
	if err := json.Unmarshal(r.Result, &ups); err != nil || !r.OK || len(ups) != 1 || ups[0].ID != id || ups[0].Message.Text != "release" {
		t.Fatalf("second getUpdates = %+v (%v)", r, err)
	}
	if c := s.Calls("getUpdates"); len(c) != 2 || c[0].Status != 409 || c[1].Status != 200 || c[0].Form["allowed_updates"] == "" {
		t.Errorf("calls = %+v", c)
	}
	if s.Polling() {
		t.Errorf("Polling() after both answered")
	}
}

func TestSendDocumentMultipart(t *testing.T) {
	s := telegramtest.New(t, token)
	b := newClient(t, s, token, nil)
	data := []byte("id;answer\n1;yes\n")
	m, err := b.SendDocument(ctx(t), &bot.SendDocumentParams{
		ChatID:   12,
		Document: &models.InputFileUpload{Filename: "export.csv", Data: bytes.NewReader(data)},
		Caption:  "Your data",
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Document == nil || m.Document.FileName != "export.csv" || m.Document.FileSize != int64(len(data)) || m.Caption != "Your data" || m.ID != 1 {
		t.Errorf("message = %+v, document %+v", m, m.Document)
	}
	docs := s.Documents()
	if len(docs) != 1 || docs[0].ChatID != 12 || docs[0].FileName != "export.csv" || !bytes.Equal(docs[0].Data, data) || docs[0].Caption != "Your data" {
		t.Errorf("documents = %+v", docs)
	}
	c := s.Calls("sendDocument")
	if len(c) != 1 || !bytes.Equal(c[0].Files["export.csv"], data) || c[0].FileFields["document"] != "export.csv" || c[0].Form["caption"] != "Your data" {
		t.Errorf("calls = %+v", c)
	}

	// The uploaded file can be fetched back like any Telegram file.
	f, err := b.GetFile(ctx(t), &bot.GetFileParams{FileID: m.Document.FileID})
	if err != nil || f.FilePath != "files/"+m.Document.FileID {
		t.Fatalf("GetFile = %+v, %v", f, err)
	}
	resp, err := http.Get(b.FileDownloadLink(f))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body, data) {
		t.Errorf("download: %d %q", resp.StatusCode, body)
	}
	// Voice files the test pushes have content too.
	s.SetFile("voice-1", []byte("OggS..."))
	f, err = b.GetFile(ctx(t), &bot.GetFileParams{FileID: "voice-1"})
	if err != nil || f.FileSize != 7 {
		t.Errorf("GetFile voice = %+v, %v", f, err)
	}
}

func TestLongPollReturnsPromptly(t *testing.T) {
	s := telegramtest.New(t, token)
	done := async(formRequest(ctx(t), s, "getUpdates", url.Values{"timeout": {"10"}, "offset": {"1"}}))
	s.WaitPolling(t, true, wait)
	pushed := time.Now()
	id := s.PushVoice(9, 9, "pt-br", "voice-9", 4)
	var res asyncResult
	select {
	case res = <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("long poll did not return within 2 s of the push")
	}
	if d := res.at.Sub(pushed); d > 500*time.Millisecond {
		t.Errorf("long poll returned %v after the push", d)
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	var ups []models.Update
	if err := json.Unmarshal(res.r.Result, &ups); err != nil || len(ups) != 1 || ups[0].ID != id {
		t.Fatalf("result = %s (%v)", res.r.Result, err)
	}
	v := ups[0].Message.Voice
	if v == nil || v.FileID != "voice-9" || v.Duration != 4 || ups[0].Message.From.LanguageCode != "pt-br" {
		t.Errorf("voice = %+v", v)
	}

	// Without updates, a long poll ends after its timeout with [].
	t0 := time.Now()
	r := postForm(t, ctx(t), s, "getUpdates", url.Values{"timeout": {"1"}, "offset": {strconv.FormatInt(id+1, 10)}})
	if el := time.Since(t0); string(r.Result) != "[]" || el < 900*time.Millisecond || el > 3*time.Second {
		t.Errorf("empty poll = %s after %v", r.Result, el)
	}
	if s.ConfirmedOffset() != id+1 || s.Pending() != 0 {
		t.Errorf("confirmed %d pending %d", s.ConfirmedOffset(), s.Pending())
	}
}

func TestValidation(t *testing.T) {
	s := telegramtest.New(t, token)
	b := newClient(t, s, token, nil)
	send := func(p *bot.SendMessageParams) error {
		_, err := b.SendMessage(ctx(t), p)
		return err
	}
	cases := []struct {
		name string
		p    *bot.SendMessageParams
		want string
	}{
		{"empty", &bot.SendMessageParams{ChatID: 1, Text: ""}, "Bad Request: message text is empty"},
		{"blank", &bot.SendMessageParams{ChatID: 1, Text: " \n"}, "Bad Request: message text is empty"},
		{"too long", &bot.SendMessageParams{ChatID: 1, Text: strings.Repeat("a", 4097)}, "Bad Request: message is too long"},
		{"too long in UTF-16", &bot.SendMessageParams{ChatID: 1, Text: strings.Repeat("😀", 2049)}, "Bad Request: message is too long"},
		{"callback data", &bot.SendMessageParams{ChatID: 1, Text: "x", ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "b", CallbackData: strings.Repeat("d", 65)}})}, "Bad Request: BUTTON_DATA_INVALID"},
		{"text button", &bot.SendMessageParams{ChatID: 1, Text: "x", ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "b"}})}, "Text buttons are unallowed"},
		{"link button", &bot.SendMessageParams{ChatID: 1, Text: "x", ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "b", URL: "javascript:alert(1)"}})}, "Bad Request: BUTTON_URL_INVALID"},
	}
	for _, c := range cases {
		err := send(c.p)
		if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
	ok := []*bot.SendMessageParams{
		{ChatID: 1, Text: strings.Repeat("a", 4096)},
		{ChatID: 1, Text: strings.Repeat("😀", 2048)},
		{ChatID: 1, Text: "x", ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "b", CallbackData: strings.Repeat("d", 64)}})},
		{ChatID: 1, Text: "x", ReplyMarkup: &models.ReplyKeyboardRemove{RemoveKeyboard: true}},
	}
	for i, p := range ok {
		if err := send(p); err != nil {
			t.Errorf("valid message %d: %v", i, err)
		}
	}
	if n := len(s.Sent()); n != len(ok) {
		t.Errorf("sent %d, want %d", n, len(ok))
	}

	// Wrong token: 401; unknown method: 404.
	bad := newClient(t, s, "1:wrong", nil)
	if _, err := bad.GetMe(ctx(t)); !errors.Is(err, bot.ErrorUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
	if r := postForm(t, ctx(t), s, "sendTelepathy", nil); r.status != 404 || r.Description != "Not Found" {
		t.Errorf("unknown method: %+v", r)
	}
	// Method names are case-insensitive, JSON and urlencoded bodies work.
	if r := postForm(t, ctx(t), s, "SENDMESSAGE", url.Values{"chat_id": {"77"}, "text": {"form"},
		"reply_markup": {`{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`}}); !r.OK {
		t.Errorf("urlencoded sendMessage: %+v", r)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/bot"+token+"/sendMessage",
		strings.NewReader(`{"chat_id":77,"text":"json","reply_markup":{"inline_keyboard":[[{"text":"B","callback_data":"b"}]]}}`))
	req.Header.Set("Content-Type", "application/json")
	if r := do(t, req); !r.OK {
		t.Errorf("JSON sendMessage: %+v", r)
	}
	sent := s.WaitSentTo(t, 77, 2, wait)
	if sent[0].Buttons[0][0].Data != "a" || sent[1].Buttons[0][0].Data != "b" || sent[1].MessageID != 2 {
		t.Errorf("sent to 77 = %+v", sent)
	}
}

func TestCommandsAndPushedMedia(t *testing.T) {
	s := telegramtest.New(t, token)
	// The client hands updates to its handler after it fetched them, so
	// an update can be confirmed (the next getUpdates) before its handler
	// ran: the test waits for the handler, not the offset.
	handled := make(chan *models.Update, 10)
	b := newClient(t, s, token, func(_ context.Context, _ *bot.Bot, u *models.Update) { handled <- u })
	cmds := []models.BotCommand{{Command: "start", Description: "Aloita"}, {Command: "stop", Description: "Lopeta"}}
	if _, err := b.SetMyCommands(ctx(t), &bot.SetMyCommandsParams{Commands: cmds, Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "fi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetMyCommands(ctx(t), &bot.SetMyCommandsParams{Commands: cmds[:1]}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SetMyCommands(ctx(t), &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Start", Description: "x"}}}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("invalid command: %v", err)
	}
	sets := s.Commands()
	if len(sets) != 2 || sets[0].Scope != "all_private_chats" || sets[0].LanguageCode != "fi" || len(sets[0].Commands) != 2 ||
		sets[1].Scope != "default" || sets[1].LanguageCode != "" {
		t.Errorf("commands = %+v", sets)
	}
	if got, err := b.GetMyCommands(ctx(t), &bot.GetMyCommandsParams{Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: "fi"}); err != nil || len(got) != 2 {
		t.Errorf("GetMyCommands = %+v, %v", got, err)
	}
	for _, call := range []func() (bool, error){
		func() (bool, error) { return b.DeleteMyCommands(ctx(t), &bot.DeleteMyCommandsParams{}) },
		func() (bool, error) { return b.DeleteWebhook(ctx(t), &bot.DeleteWebhookParams{}) },
		func() (bool, error) {
			return b.SendChatAction(ctx(t), &bot.SendChatActionParams{ChatID: 1, Action: models.ChatActionTyping})
		},
	} {
		if ok, err := call(); !ok || err != nil {
			t.Errorf("call: %v, %v", ok, err)
		}
	}

	start(t, b)
	s.PushPhoto(1, 1, "en", "photo-1", "look")
	s.PushSticker(1, 1, "en", "sticker-1", "👍")
	last := s.PushGroupText(-1001234567890, 1, "/help@"+telegramtest.BotUsername)
	s.WaitConfirmed(t, last, wait)

	var got []*models.Update
	timeout := time.After(wait)
	for len(got) < 3 {
		select {
		case u := <-handled:
			got = append(got, u)
		case <-timeout:
			t.Fatalf("got %d updates within %v, want 3", len(got), wait)
		}
	}
	if p := got[0].Message.Photo; len(p) != 2 || p[len(p)-1].FileID != "photo-1" || got[0].Message.Caption != "look" {
		t.Errorf("photo = %+v", got[0].Message)
	}
	if st := got[1].Message.Sticker; st == nil || st.FileID != "sticker-1" || st.Emoji != "👍" {
		t.Errorf("sticker = %+v", st)
	}
	g := got[2].Message
	if g.Chat.ID != -1001234567890 || g.Chat.Type != models.ChatTypeSupergroup || len(g.Entities) != 1 {
		t.Errorf("group message = %+v", g)
	}
}
