// Package console lets a person chat with a flow in a terminal, through the
// same conversation service Telegram uses. Buttons appear as numbered
// choices; /wait moves the clock forward so follow-ups fire.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// Chat and user id of the person at the terminal.
const (
	ChatID = 1
	UserID = 1
)

// Sender prints the bot's messages to a terminal and remembers the last
// buttons so that the person can press them by number.
type Sender struct {
	mu      sync.Mutex
	w       io.Writer
	buttons []flow.Button
	msgID   int
	stamp   string // the time a message came, shown above it while the clock moves
}

// NewSender writes to w.
func NewSender(w io.Writer) *Sender { return &Sender{w: w} }

var _ bot.Acker = (*Sender)(nil)

// Deliver prints one message of the outbox.
func (s *Sender) Deliver(ctx context.Context, o bot.Out) error {
	_, err := s.DeliverID(ctx, o)
	return err
}

// DeliverID prints one message of the outbox and numbers it as Telegram
// would, so that a typed answer marks its question (✓).
func (s *Sender) DeliverID(_ context.Context, o bot.Out) (int, error) {
	switch {
	case o.Edit != 0:
		return 0, s.markChosen(o.Text)
	case o.File != "":
		return 0, s.sendDocument(o.File, o.Data, o.Text)
	}
	return s.send(o.Chat, flow.Message{Text: o.Text, Buttons: o.Buttons}), nil
}

// send prints a message and its numbered buttons, and returns its number.
func (s *Sender) send(chat int64, m flow.Message) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgID++
	if s.stamp != "" {
		fmt.Fprintf(s.w, "     (%s)\n", s.stamp)
		s.stamp = ""
	}
	prefix := "bot: "
	if chat != ChatID {
		prefix = fmt.Sprintf("bot → coordinator %d: ", chat)
	}
	lines := strings.Split(m.Text, "\n")
	fmt.Fprintf(s.w, "%s%s\n", prefix, lines[0])
	for _, l := range lines[1:] {
		fmt.Fprintf(s.w, "     %s\n", l)
	}
	if chat != ChatID {
		return s.msgID
	}
	var flat []flow.Button
	for _, row := range m.Buttons {
		flat = append(flat, row...)
	}
	// Only the newest message's buttons can be pressed by number, and only
	// when it offers a choice: at a number question with just "Skip", a
	// typed number is the answer.
	s.buttons = nil
	if offersChoice(flat) {
		s.buttons = flat
	}
	for i, b := range flat {
		if b.URL != "" {
			fmt.Fprintf(s.w, "     [%s] %s\n", b.Text, b.URL) // a link button: opens the link, sends nothing
			continue
		}
		fmt.Fprintf(s.w, "     [%d] %s\n", i+1, b.Text)
	}
	return s.msgID
}

// offersChoice reports whether buttons include an answer option, not only
// the bot's own Skip and help buttons.
func offersChoice(buttons []flow.Button) bool {
	for _, b := range buttons {
		switch c, _ := flow.ParseCallback(b.Data); c.Kind {
		case flow.CallbackFlow:
			if !c.Skip() {
				return true
			}
		case flow.CallbackLanguage, flow.CallbackPilot, flow.CallbackForget, flow.CallbackDialogue:
			return true
		}
	}
	return false
}

// at marks the time of what the bot sends next, while /wait moves the
// clock; the zero time clears it.
func (s *Sender) at(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stamp = ""
	if !t.IsZero() {
		s.stamp = t.Format("Mon 2 Jan 15:04")
	}
}

// Acknowledge shows the short notice a button press gets, if any.
func (s *Sender) Acknowledge(_ context.Context, _ string, text string) error {
	if text != "" {
		s.mu.Lock()
		fmt.Fprintf(s.w, "     (%s)\n", text)
		s.mu.Unlock()
	}
	return nil
}

// markChosen shows which option was chosen.
func (s *Sender) markChosen(label string) error {
	s.mu.Lock()
	fmt.Fprintf(s.w, "     ✓ %s\n", label)
	s.mu.Unlock()
	return nil
}

// sendDocument reports a file instead of showing it.
func (s *Sender) sendDocument(name string, data []byte, caption string) error {
	s.mu.Lock()
	fmt.Fprintf(s.w, "bot: [file %s, %d bytes] %s\n", name, len(data), caption)
	s.mu.Unlock()
	return nil
}

// button returns the nth button of the last keyboard (1-based).
func (s *Sender) button(n int) (flow.Button, int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < 1 || n > len(s.buttons) {
		return flow.Button{}, 0, false
	}
	return s.buttons[n-1], s.msgID, true
}

// Options for a terminal chat.
type Options struct {
	Pilot string
	Lang  string
	Due   bot.DueTimes // when prompts are due, so that /wait sends each at its time
}

// Run reads lines from in until EOF or /quit and feeds them to the service.
func Run(ctx context.Context, in io.Reader, out io.Writer, svc *bot.Service, send *Sender, clock *bot.ManualClock, opts Options) error {
	fmt.Fprintln(out, "Type your answers. A number presses a button of the last question. /wait 3d moves time forward,")
	fmt.Fprintln(out, "/voice /photo /sticker send those, /quit ends.")
	var update int64
	inbound := func() bot.Inbound {
		update++
		return bot.Inbound{UpdateID: update, ChatID: ChatID, UserID: UserID, Private: true, Lang: opts.Lang, FirstName: "Alex"}
	}
	first := inbound()
	first.Text = "/start " + opts.Pilot
	if err := svc.Handle(ctx, first); err != nil {
		return fmt.Errorf("start the chat: %w", err)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		fmt.Fprint(out, "you> ")
		if !sc.Scan() {
			fmt.Fprintln(out)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		ib := inbound()
		switch cmd, arg, _ := strings.Cut(line, " "); cmd {
		case "/quit", "/exit":
			return nil
		case "/wait":
			d, err := flow.ParseDuration(arg)
			if err != nil {
				fmt.Fprintf(out, "     (/wait needs a duration: %v)\n", err)
				continue
			}
			if err := wait(ctx, out, svc, send, clock, opts.Due, d, strings.TrimSpace(arg)); err != nil {
				return err
			}
			continue
		case "/voice":
			secs, _ := strconv.Atoi(arg)
			ib.Media = &flow.Media{Type: "voice", FileID: fmt.Sprintf("voice-%d", update), Duration: max(secs, 3)}
		case "/photo":
			ib.Media = &flow.Media{Type: "photo", FileID: fmt.Sprintf("photo-%d", update)}
			ib.Text = arg
		case "/sticker":
			ib.Other = "sticker"
		default:
			if n, err := strconv.Atoi(line); err == nil {
				if b, msg, ok := send.button(n); ok {
					ib.Data, ib.CallbackID, ib.MessageID = b.Data, "press", msg
					break
				}
			}
			ib.Text = line
		}
		if err := svc.Handle(ctx, ib); err != nil {
			return fmt.Errorf("handle: %w", err)
		}
	}
}

// wait moves the clock forward by d, sending each follow-up and reminder
// at its due time and showing that time above it.
func wait(ctx context.Context, out io.Writer, svc *bot.Service, send *Sender, clock *bot.ManualClock, due bot.DueTimes, d time.Duration, written string) error {
	end := clock.Now().Add(d)
	fmt.Fprintf(out, "     (%s later: %s)\n", written, end.Format("Mon 2 Jan 2006 15:04 MST"))
	defer send.at(time.Time{})
	if err := svc.Walk(ctx, clock, d, due, send.at); err != nil {
		return fmt.Errorf("send due prompts: %w", err)
	}
	return nil
}

// StartTime is where a terminal chat's clock starts: a Monday morning, so
// that follow-ups show weekdays and times that make sense.
var StartTime = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
