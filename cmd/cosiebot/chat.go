package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/console"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/redisstore"
)

func cmdChat(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "chat")
	pilot := fs.String("pilot", "", "pilot id, such as turku")
	lang := fs.String("lang", "", "your language, such as fi or sv-FI (default: the pilot's first)")
	dir := fs.String("flows", "", "folder of flow files (default: $COSIE_FLOWS_DIR, else the shipped flows)")
	if err := parse(fs, args); err != nil {
		return err
	}
	src := flowSource(*dir, e)
	words, err := loadWords(e, src)
	if err != nil {
		return err
	}
	set, err := loadFlows(src, words, e.stderr)
	if err != nil {
		return err
	}
	if set.Get(*pilot) == nil {
		var ids []string
		for _, f := range set.List() {
			ids = append(ids, f.Pilot.ID)
		}
		if *pilot == "" {
			return usageErr("choose a pilot with --pilot; the pilots are %s", strings.Join(ids, ", "))
		}
		return usageErr("there is no pilot %q in %s; the pilots are %s", *pilot, src.name(), strings.Join(ids, ", "))
	}
	rdb, stop, err := redisstore.Embedded()
	if err != nil {
		return err
	}
	defer stop()
	f := set.Get(*pilot)
	if *lang == "" {
		// Telegram always tells the bot a language; the terminal's is the
		// pilot's first unless asked otherwise.
		*lang = f.DefaultLanguage()
	}
	start := console.StartTime
	clock := bot.NewManualClock(time.Date(start.Year(), start.Month(), start.Day(), 10, 0, 0, 0, f.Pilot.Timezone))
	send := console.NewSender(e.stdout)
	// Chats are named as the service names citizens, so that a typed
	// answer finds the question it answers (bot.Asked).
	key := []byte("terminal-chat-pseudonym-key")
	store := redisstore.New(rdb, redisstore.Options{ChatKey: func(chat int64) string { return bot.ChatKey(key, chat) }})
	svc, err := bot.New(bot.Config{
		Store: store, Acker: send, Courier: courier.NewDirect(store, send, nil, nil), Clock: clock, Words: words, Flows: set,
		PseudonymKey: key,
		BotUsername:  "your_pilot_bot", // invitation links show what they will look like
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Chatting with %s (%s). Nothing is saved after you quit.\n", f.Pilot.Name.Render(f.DefaultLanguage(), nil), f.Pilot.ID)
	return console.Run(ctx, e.stdin, e.stdout, svc, send, clock, console.Options{Pilot: *pilot, Lang: *lang, Due: store})
}
