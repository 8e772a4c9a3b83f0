package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Transport makes the Bot API calls the bot's messages need. It
// implements courier.Transport (Deliver) and bot.Acker (Acknowledge). It
// paces nothing itself: the courier does, by lane; its errors say what a
// failure means (courier.RateLimited, bot.ErrBlocked, courier.ErrPermanent,
// or anything else worth trying again).
type Transport struct {
	b       *tg.Bot
	log     *slog.Logger
	timeout time.Duration // per call
	calls   CallObserver
}

// CallObserver counts Bot API calls by method and result, for metrics.
type CallObserver interface {
	Call(method, result string)
}

var (
	_ bot.Acker         = (*Transport)(nil)
	_ courier.Transport = (*Transport)(nil)
	_ courier.Numbered  = (*Transport)(nil)
)

// NewTransport wraps a go-telegram client.
func NewTransport(b *tg.Bot, log *slog.Logger, calls CallObserver) *Transport {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if calls == nil {
		calls = nopCalls{}
	}
	return &Transport{b: b, log: log, timeout: 15 * time.Second, calls: calls}
}

type nopCalls struct{}

func (nopCalls) Call(string, string) {}

// inlineKeyboard is our own reply markup: the library's button type always
// sends an empty "copy_text" object, which we do not need on the wire.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"` // a link button (an invitation's share screen)
}

func keyboard(rows [][]flow.Button) *inlineKeyboard {
	kb := &inlineKeyboard{InlineKeyboard: make([][]inlineButton, 0, len(rows))}
	for _, row := range rows {
		r := make([]inlineButton, 0, len(row))
		for _, b := range row {
			r = append(r, inlineButton{Text: b.Text, CallbackData: b.Data, URL: b.URL})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}

// Deliver sends one message of the outbox: a text (split when over
// Telegram's limit, the buttons on the last part), a keyboard mark, or a
// document.
func (s *Transport) Deliver(ctx context.Context, o bot.Out) error {
	_, err := s.DeliverID(ctx, o)
	return err
}

// DeliverID is Deliver, and says which id Telegram gave the text's last
// part (the one with the buttons); 0 for a mark or a document.
func (s *Transport) DeliverID(ctx context.Context, o bot.Out) (int, error) {
	switch {
	case o.Edit != 0:
		return 0, s.markChosen(ctx, o.Chat, o.Edit, o.Text)
	case o.File != "":
		return 0, s.sendDocument(ctx, o.Chat, o.File, o.Data, o.Text)
	}
	return s.sendID(ctx, o.Chat, flow.Message{Text: o.Text, Buttons: o.Buttons})
}

func (s *Transport) send(ctx context.Context, chat int64, m flow.Message) error {
	_, err := s.sendID(ctx, chat, m)
	return err
}

// sendID sends a text and returns the id of its last part.
func (s *Transport) sendID(ctx context.Context, chat int64, m flow.Message) (int, error) {
	parts := Split(m.Text, flow.MaxMessageLen)
	id := 0
	for i, part := range parts {
		p := &tg.SendMessageParams{ChatID: chat, Text: part, LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
		if i == len(parts)-1 && len(m.Buttons) > 0 {
			p.ReplyMarkup = keyboard(m.Buttons)
		}
		send := func(ctx context.Context) error {
			msg, err := s.b.SendMessage(ctx, p)
			if err == nil && msg != nil {
				id = msg.ID
			}
			return err
		}
		if err := s.sendPart(ctx, i > 0, send); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// maxPartWait is the longest 429 the transport waits out itself, on a
// part after the first of a long text.
const maxPartWait = 10 * time.Second

// sendPart sends one part of a text. A 429 on a part after the first is
// waited out here (a few times, if short): failing the message would make
// the courier send it all again, repeating the parts that went.
func (s *Transport) sendPart(ctx context.Context, later bool, send func(context.Context) error) error {
	for try := 1; ; try++ {
		err := s.call(ctx, "sendMessage", send)
		var rl *courier.RateLimited
		if !later || try == 3 || !errors.As(err, &rl) || rl.After > maxPartWait {
			return err
		}
		s.log.Debug("a long text met the chat's limit midway; waiting to send the rest", "in", rl.After)
		if !sleep(ctx, rl.After) {
			return err
		}
	}
}

// Acknowledge answers a button press; Telegram shows text briefly. Telegram
// does not limit these calls, so nothing paces them.
func (s *Transport) Acknowledge(ctx context.Context, id, text string) error {
	if id == "" {
		return nil
	}
	return s.call(ctx, "answerCallbackQuery", func(ctx context.Context) error {
		_, err := s.b.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text})
		return err
	})
}

// markChosen replaces the keyboard of an answered question with the chosen
// option, so the chat shows what was answered.
func (s *Transport) markChosen(ctx context.Context, chat int64, messageID int, label string) error {
	kb := keyboard([][]flow.Button{{{Text: "✓ " + label, Data: bot.ChosenData}}})
	return s.call(ctx, "editMessageReplyMarkup", func(ctx context.Context) error {
		_, err := s.b.EditMessageReplyMarkup(ctx, &tg.EditMessageReplyMarkupParams{ChatID: chat, MessageID: messageID, ReplyMarkup: kb})
		return err
	})
}

func (s *Transport) sendDocument(ctx context.Context, chat int64, name string, data []byte, caption string) error {
	return s.call(ctx, "sendDocument", func(ctx context.Context) error {
		_, err := s.b.SendDocument(ctx, &tg.SendDocumentParams{
			ChatID: chat, Caption: caption,
			Document: &models.InputFileUpload{Filename: name, Data: bytes.NewReader(data)},
		})
		return err
	})
}

// call runs one API call with a deadline and says what its failure means.
func (s *Transport) call(ctx context.Context, method string, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	err := fn(cctx)
	cancel()
	if err == nil {
		s.calls.Call(method, "ok")
		return nil
	}
	err = hideToken(err, s.b.Token())
	var tmr *tg.TooManyRequestsError
	var moved *tg.MigrateError
	switch {
	case errors.As(err, &tmr):
		s.calls.Call(method, "429")
		return fmt.Errorf("%s: %w", method, &courier.RateLimited{After: time.Duration(max(tmr.RetryAfter, 1)) * time.Second})
	case errors.Is(err, tg.ErrorForbidden):
		s.calls.Call(method, "blocked")
		return fmt.Errorf("%s: %w", method, bot.ErrBlocked)
	case errors.Is(err, tg.ErrorBadRequest):
		if strings.Contains(err.Error(), "message is not modified") {
			s.calls.Call(method, "ok")
			return nil
		}
		s.calls.Call(method, "refused")
		return fmt.Errorf("%s: %w: %w", method, courier.ErrPermanent, err)
	case errors.As(err, &moved), errors.Is(err, tg.ErrorUnauthorized), errors.Is(err, tg.ErrorNotFound):
		// A group upgraded to a supergroup has a new id: this one is gone
		// (the library's error for it is not a bad request).
		s.calls.Call(method, "refused")
		return fmt.Errorf("%s: %w: %w", method, courier.ErrPermanent, err)
	}
	s.calls.Call(method, "error")
	return fmt.Errorf("%s: %w", method, err)
}

// Split cuts text into parts of at most limit UTF-16 code units (how
// Telegram counts), preferring paragraph, line and word breaks.
func Split(text string, limit int) []string {
	if utf16Len(text) <= limit {
		return []string{text}
	}
	var parts []string
	for utf16Len(text) > limit {
		cut := cutPoint(text, limit)
		// A blank part is dropped: Telegram refuses blank messages.
		if part := strings.TrimRight(text[:cut], " \n"); strings.TrimSpace(part) != "" {
			parts = append(parts, part)
		}
		text = strings.TrimLeft(text[cut:], " \n")
	}
	if strings.TrimSpace(text) != "" {
		parts = append(parts, text)
	}
	return parts
}

// cutPoint finds the byte offset to cut at: the last paragraph break, line
// break or space within limit, else the last whole rune that fits.
func cutPoint(text string, limit int) int {
	fit, units := 0, 0
	for i, r := range text {
		n := 1
		if r > 0xFFFF {
			n = 2
		}
		if units+n > limit {
			break
		}
		units += n
		// The width in the text, not of r: an invalid byte decodes as
		// U+FFFD (3 bytes) but takes 1.
		_, size := utf8.DecodeRuneInString(text[i:])
		fit = i + size
	}
	head := text[:fit]
	for _, sep := range []string{"\n\n", "\n", " "} {
		if i := strings.LastIndex(head, sep); i > fit/2 {
			return i + len(sep)
		}
	}
	if fit == 0 {
		_, size := utf8.DecodeRuneInString(text)
		return size
	}
	return fit
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
