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
	"github.com/cosie/cosiebot/bot/flow"
	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Limiter spaces outgoing messages: a global rate and a per-chat spacing.
// The Redis limiter shares one budget between replicas.
type Limiter interface {
	// Wait blocks until a message to chat may be sent.
	Wait(ctx context.Context, chat int64) error
	// Backoff makes every sender wait d (Telegram answered 429).
	Backoff(ctx context.Context, d time.Duration)
}

// Sender sends through the Bot API with rate limits and retries. It
// implements bot.Sender.
type Sender struct {
	b       *tg.Bot
	limit   Limiter
	log     *slog.Logger
	retries int           // for 5xx and timeouts
	timeout time.Duration // per call
}

var _ bot.Sender = (*Sender)(nil)

// NewSender wraps a go-telegram client.
func NewSender(b *tg.Bot, limit Limiter, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Sender{b: b, limit: limit, log: log, retries: 3, timeout: 15 * time.Second}
}

// inlineKeyboard is our own reply markup: the library's button type always
// sends an empty "copy_text" object, which we do not need on the wire.
type inlineKeyboard struct {
	InlineKeyboard [][]inlineButton `json:"inline_keyboard"`
}

type inlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data"`
}

func keyboard(rows [][]flow.Button) *inlineKeyboard {
	kb := &inlineKeyboard{InlineKeyboard: make([][]inlineButton, 0, len(rows))}
	for _, row := range rows {
		r := make([]inlineButton, 0, len(row))
		for _, b := range row {
			r = append(r, inlineButton{Text: b.Text, CallbackData: b.Data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}

// Send sends a message; a text over Telegram's limit goes as several
// messages, split between paragraphs, lines or words, with the buttons on
// the last one.
func (s *Sender) Send(ctx context.Context, chat int64, m flow.Message) error {
	parts := Split(m.Text, flow.MaxMessageLen)
	for i, part := range parts {
		p := &tg.SendMessageParams{ChatID: chat, Text: part, LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
		if i == len(parts)-1 && len(m.Buttons) > 0 {
			p.ReplyMarkup = keyboard(m.Buttons)
		}
		err := s.call(ctx, chat, "sendMessage", func(ctx context.Context) error {
			_, err := s.b.SendMessage(ctx, p)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Acknowledge answers a button press; Telegram shows text briefly.
func (s *Sender) Acknowledge(ctx context.Context, id, text string) error {
	if id == "" {
		return nil
	}
	return s.call(ctx, 0, "answerCallbackQuery", func(ctx context.Context) error {
		_, err := s.b.AnswerCallbackQuery(ctx, &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text})
		return err
	})
}

// MarkChosen replaces the keyboard of an answered question with the chosen
// option, so the chat shows what was answered.
func (s *Sender) MarkChosen(ctx context.Context, chat int64, messageID int, label string) error {
	kb := keyboard([][]flow.Button{{{Text: "✓ " + label, Data: bot.ChosenData}}})
	// An edit is not a new message: it counts against the global rate only.
	return s.call(ctx, 0, "editMessageReplyMarkup", func(ctx context.Context) error {
		_, err := s.b.EditMessageReplyMarkup(ctx, &tg.EditMessageReplyMarkupParams{ChatID: chat, MessageID: messageID, ReplyMarkup: kb})
		return err
	})
}

// SendDocument uploads a file.
func (s *Sender) SendDocument(ctx context.Context, chat int64, name string, data []byte, caption string) error {
	return s.call(ctx, chat, "sendDocument", func(ctx context.Context) error {
		_, err := s.b.SendDocument(ctx, &tg.SendDocumentParams{
			ChatID: chat, Caption: caption,
			Document: &models.InputFileUpload{Filename: name, Data: bytes.NewReader(data)},
		})
		return err
	})
}

// call runs one API call with the limiter (chat 0: the global rate only), waits out 429s, retries server
// errors and timeouts a few times, and maps a block to bot.ErrBlocked.
func (s *Sender) call(ctx context.Context, chat int64, method string, fn func(context.Context) error) error {
	backoff := 500 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if err := s.limit.Wait(ctx, chat); err != nil {
			return err
		}
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		err := fn(cctx)
		cancel()
		if err == nil {
			return nil
		}
		err = hideToken(err, s.b.Token())
		var tmr *tg.TooManyRequestsError
		switch {
		case errors.As(err, &tmr):
			wait := time.Duration(max(tmr.RetryAfter, 1)) * time.Second
			s.log.Warn("telegram asked to slow down", "method", method, "retry_after", wait)
			s.limit.Backoff(ctx, wait)
			if attempt >= 10 {
				return fmt.Errorf("%s: still rate limited after %d tries", method, attempt+1)
			}
			if !sleep(ctx, wait) {
				return ctx.Err()
			}
		case errors.Is(err, tg.ErrorForbidden):
			return fmt.Errorf("%s: %w", method, bot.ErrBlocked)
		case errors.Is(err, tg.ErrorBadRequest):
			if strings.Contains(err.Error(), "message is not modified") {
				return nil
			}
			return fmt.Errorf("%s: %w", method, err)
		case errors.Is(err, tg.ErrorUnauthorized), errors.Is(err, tg.ErrorNotFound):
			return fmt.Errorf("%s: %w", method, err)
		default: // 5xx, timeouts, connection errors
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if attempt >= s.retries {
				return fmt.Errorf("%s failed %d times: %w", method, attempt+1, err)
			}
			s.log.Warn("telegram call failed; retrying", "method", method, "err", err, "in", backoff)
			if !sleep(ctx, backoff) {
				return ctx.Err()
			}
			backoff *= 2
		}
	}
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
