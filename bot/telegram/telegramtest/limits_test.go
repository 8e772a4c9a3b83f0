package telegramtest_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// send calls sendMessage and returns the answer.
func send(t *testing.T, s *telegramtest.Server, chat int64, text string) apiResult {
	t.Helper()
	return postForm(t, ctx(t), s, "sendMessage", url.Values{"chat_id": {strconv.FormatInt(chat, 10)}, "text": {text}})
}

// sentID is the message_id of a successful send.
func sentID(t *testing.T, r apiResult) int {
	t.Helper()
	var m struct {
		ID int `json:"message_id"`
	}
	if !r.OK || json.Unmarshal(r.Result, &m) != nil {
		t.Fatalf("send failed: %+v", r)
	}
	return m.ID
}

func markup(label string) string {
	return `{"inline_keyboard":[[{"text":"` + label + `","callback_data":"x"}]]}`
}

func edit(t *testing.T, s *telegramtest.Server, chat int64, id int, label string) apiResult {
	t.Helper()
	return postForm(t, ctx(t), s, "editMessageReplyMarkup", url.Values{
		"chat_id": {strconv.FormatInt(chat, 10)}, "message_id": {strconv.Itoa(id)}, "reply_markup": {markup(label)}})
}

func is429(r apiResult, retryAfter int) bool {
	return !r.OK && r.status == 429 && r.ErrorCode == 429 && r.Parameters.RetryAfter == retryAfter
}

// TestPerChatBudget: sends and edits of one chat share a burst of 3, then
// one a second; other chats and callback answers are not limited by it.
func TestPerChatBudget(t *testing.T) {
	s := telegramtest.New(t, token)
	s.SetLimits(telegramtest.TelegramLimits())
	first := sentID(t, send(t, s, 1, "one"))
	if r := edit(t, s, 1, first, "a"); !r.OK {
		t.Fatalf("edit within the burst: %+v", r)
	}
	sentID(t, send(t, s, 1, "three"))
	if r := send(t, s, 1, "four"); !is429(r, 1) {
		t.Fatalf("4th call in a burst of 3 = %+v, want 429 retry_after 1", r)
	}
	if r := edit(t, s, 1, first, "b"); !is429(r, 1) {
		t.Fatalf("an edit over the chat's budget = %+v, want 429: edits share it", r)
	}
	// Other chats have budgets of their own.
	sentID(t, send(t, s, 2, "other chat"))
	// Callback answers are never limited.
	for i := range 20 {
		_, id := s.PushCallback(1, 1, "en", first, "x")
		if r := postForm(t, ctx(t), s, "answerCallbackQuery", url.Values{"callback_query_id": {id}}); !r.OK {
			t.Fatalf("answerCallbackQuery %d: %+v", i, r)
		}
	}
	// A second later, the bucket holds one more call.
	time.Sleep(time.Second)
	sentID(t, send(t, s, 1, "five"))
	if r := send(t, s, 1, "six"); !is429(r, 1) {
		t.Errorf("a second call a second after the burst = %+v, want 429", r)
	}
	st := s.Stats()
	if st.Delivered != 4 || st.Edited != 1 || st.Rejected429 != 3 ||
		st.Rejected429By["sendMessage"] != 2 || st.Rejected429By["editMessageReplyMarkup"] != 1 || len(st.Rejected429By) != 2 {
		t.Errorf("stats = %+v", st)
	}
	if n := len(s.CallbackAnswers()); n != 20 {
		t.Errorf("%d callback answers, want 20", n)
	}
}

// TestRetryAfterIsTheWait: retry_after is the whole seconds until the call
// would be admitted, unless Limits.RetryAfter fixes it.
func TestRetryAfterIsTheWait(t *testing.T) {
	s := telegramtest.New(t, token)
	s.SetLimits(telegramtest.Limits{PerChat: 2, ChatEvery: 3 * time.Second})
	sentID(t, send(t, s, 5, "a"))
	sentID(t, send(t, s, 5, "b"))
	if r := send(t, s, 5, "c"); !is429(r, 3) {
		t.Errorf("over a budget refilled every 3 s: %+v, want retry_after 3", r)
	}
	s.SetLimits(telegramtest.Limits{PerChat: 2, ChatEvery: 3 * time.Second, RetryAfter: 7})
	if r := send(t, s, 5, "d"); !is429(r, 7) {
		t.Errorf("with RetryAfter 7: %+v", r)
	}
}

// TestGroupLimit: a group gets 20 messages a minute, whatever the per-chat
// budget.
func TestGroupLimit(t *testing.T) {
	s := telegramtest.New(t, token)
	s.SetLimits(telegramtest.Limits{PerGroup: 20})
	for i := range 20 {
		sentID(t, send(t, s, -100, "group "+strconv.Itoa(i)))
	}
	r := send(t, s, -100, "one too many")
	if r.status != 429 || r.Parameters.RetryAfter < 59 || r.Parameters.RetryAfter > 60 {
		t.Errorf("21st message in a minute = %+v, want 429 with retry_after about 60", r)
	}
	sentID(t, send(t, s, 100, "a private chat is not a group"))
	sentID(t, send(t, s, -200, "another group"))
}

// TestGlobalLimitCountsEdits: the global cap counts edits too, in any chat.
func TestGlobalLimitCountsEdits(t *testing.T) {
	s := telegramtest.New(t, token)
	s.SetLimits(telegramtest.Limits{Global: 3})
	t0 := time.Now()
	id := sentID(t, send(t, s, 1, "question"))
	if r := edit(t, s, 1, id, "chosen"); !r.OK {
		t.Fatalf("edit: %+v", r)
	}
	sentID(t, send(t, s, 2, "a"))
	r := send(t, s, 3, "b")
	if el := time.Since(t0); el >= time.Second {
		t.Fatalf("4 calls took %v; the test needs them within one second", el)
	}
	if !is429(r, 1) {
		t.Errorf("4th call in a second under a global cap of 3 = %+v", r)
	}
	if st := s.Stats(); st.MaxPerSecond != 3 || st.Delivered != 2 || st.Edited != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// TestPushTextsFlood: 300 updates of one chat are queued at once and come
// out in order, 100 per getUpdates.
func TestPushTextsFlood(t *testing.T) {
	s := telegramtest.New(t, token)
	texts := make([]string, 300)
	for i := range texts {
		texts[i] = "flood " + strconv.Itoa(i)
	}
	start := time.Now()
	ids := s.PushTexts(7, 7, "fi", texts...)
	t.Logf("300 updates pushed in %v", time.Since(start))
	if len(ids) != 300 || ids[0] != telegramtest.FirstUpdateID || ids[299] != ids[0]+299 {
		t.Fatalf("ids %d..%d (%d)", ids[0], ids[len(ids)-1], len(ids))
	}
	var got []models.Update
	offset := int64(0)
	for len(got) < 300 {
		r := postForm(t, ctx(t), s, "getUpdates", url.Values{"offset": {strconv.FormatInt(offset, 10)}})
		var ups []models.Update
		if err := json.Unmarshal(r.Result, &ups); err != nil || !r.OK || len(ups) != 100 {
			t.Fatalf("getUpdates: %d updates, %+v %v", len(ups), r, err)
		}
		got = append(got, ups...)
		offset = ups[len(ups)-1].ID + 1
	}
	for i, u := range got {
		if u.ID != ids[i] || u.Message == nil || u.Message.Text != texts[i] || u.Message.Chat.ID != 7 || u.Message.From.LanguageCode != "fi" {
			t.Fatalf("update %d = %+v", i, u)
		}
	}
}

// TestResend: updates confirmed are sent again, with their ids.
func TestResend(t *testing.T) {
	s := telegramtest.New(t, token)
	a := s.PushText(1, 1, "en", "a")
	b := s.PushText(1, 1, "en", "b")
	postForm(t, ctx(t), s, "getUpdates", url.Values{"offset": {strconv.FormatInt(b+1, 10)}})
	if s.Pending() != 0 || s.ConfirmedOffset() != b+1 {
		t.Fatalf("pending %d, confirmed %d after confirming both", s.Pending(), s.ConfirmedOffset())
	}
	if n := s.Resend(b); n != 1 {
		t.Fatalf("Resend(%d) = %d pending, want 1", b, n)
	}
	r := postForm(t, ctx(t), s, "getUpdates", url.Values{"offset": {strconv.FormatInt(a, 10)}})
	var ups []models.Update
	if err := json.Unmarshal(r.Result, &ups); err != nil || len(ups) != 1 || ups[0].ID != b || ups[0].Message.Text != "b" {
		t.Fatalf("after Resend: %+v (%v)", ups, err)
	}
	if s.ConfirmedOffset() != b {
		t.Errorf("ConfirmedOffset = %d, want %d", s.ConfirmedOffset(), b)
	}
}

// TestGlobalLimitLeavesRepliesOut: with a reply window, answers to chats
// that just wrote do not count against the global limit; notifications to
// chats that did not write do.
func TestGlobalLimitLeavesRepliesOut(t *testing.T) {
	s := telegramtest.New(t, "1:tok")
	s.SetLimits(telegramtest.Limits{Global: 3, ReplyWindow: time.Minute})
	for chat := int64(1); chat <= 5; chat++ {
		s.PushText(chat, chat, "en", "hi")
	}
	for chat := int64(1); chat <= 5; chat++ {
		if r := send(t, s, chat, "answer"); !r.OK {
			t.Fatalf("a reply to chat %d was refused: %+v", chat, r)
		}
	}
	for chat := int64(100); chat < 103; chat++ {
		if r := send(t, s, chat, "news"); !r.OK {
			t.Fatalf("notification %d refused: %+v", chat, r)
		}
	}
	if r := send(t, s, 103, "news"); r.OK || r.ErrorCode != 429 {
		t.Fatalf("the fourth notification in a second: %+v, want 429", r)
	}
}
