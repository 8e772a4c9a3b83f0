package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/redisstore"
)

// cmdDeadLetters lists, shows, replays and drops the updates that failed
// too often. The list never prints what citizens wrote or their Telegram
// ids; `show` prints one update whole, for an operator who asks for it.
func cmdDeadLetters(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "deadletters")
	all := fs.Bool("all", false, "replay or drop every dead letter")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageErr("say what to do: list, show ID, replay ID|--all or drop ID|--all")
	}
	store, closeStore, err := openStore(e)
	if err != nil {
		return err
	}
	defer closeStore()
	verb, rest := fs.Arg(0), fs.Args()[1:]
	switch verb {
	case "list":
		return listDead(ctx, e, store)
	case "show", "replay", "drop":
		if *all && verb != "show" && len(rest) == 0 {
			return actOnDead(ctx, e, store, verb, "")
		}
		if len(rest) != 1 {
			return usageErr("%s needs one dead letter id (from list)%s", verb, map[bool]string{true: ", or --all", false: ""}[verb != "show"])
		}
		return actOnDead(ctx, e, store, verb, rest[0])
	}
	return usageErr("unknown action %q: use list, show, replay or drop", verb)
}

// openStore connects to REDIS_URL for the operator commands.
func openStore(e *env) (*redisstore.Store, func(), error) {
	url := e.getenv("REDIS_URL")
	if url == "" {
		return nil, nil, errors.New("REDIS_URL is not set: dead letters are kept in the Redis the bot uses")
	}
	rdb, err := redisstore.Open(url)
	if err != nil {
		return nil, nil, err
	}
	return redisstore.New(rdb, redisstore.Options{Namespace: e.getenv("COSIE_REDIS_PREFIX")}), func() { rdb.Close() }, nil
}

func listDead(ctx context.Context, e *env, store *redisstore.Store) error {
	dead, err := store.DeadLetters(ctx)
	if err != nil {
		return err
	}
	if len(dead) == 0 {
		fmt.Fprintln(e.stdout, "No dead letters.")
		return nil
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tFAILED AT\tTRIES\tKIND\tERROR")
	for _, d := range dead {
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", d.ID, d.At.Local().Format(time.DateTime), d.Tries, deadKind(d.Entry), short(d.Error, 80))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%d dead letters. Replay one after fixing its cause: cosiebot deadletters replay ID (or --all).\n", len(dead))
	return nil
}

func actOnDead(ctx context.Context, e *env, store *redisstore.Store, verb, id string) error {
	ids := []string{id}
	if id == "" { // --all
		dead, err := store.DeadLetters(ctx)
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, d := range dead {
			ids = append(ids, d.ID)
		}
	}
	for _, id := range ids {
		var ok bool
		var err error
		switch verb {
		case "show":
			return showDead(ctx, e, store, id)
		case "replay":
			ok, err = store.Replay(ctx, id, time.Now())
		case "drop":
			ok, err = store.DropDead(ctx, id)
		}
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no dead letter %s (list them with: cosiebot deadletters list)", id)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", map[string]string{"replay": "handed to the workers again", "drop": "deleted"}[verb], id)
	}
	return nil
}

func showDead(ctx context.Context, e *env, store *redisstore.Store, id string) error {
	dead, err := store.DeadLetters(ctx)
	if err != nil {
		return err
	}
	for _, d := range dead {
		if d.ID == id {
			out, _ := json.MarshalIndent(d, "", "  ")
			fmt.Fprintln(e.stdout, string(out))
			return nil
		}
	}
	return fmt.Errorf("no dead letter %s (list them with: cosiebot deadletters list)", id)
}

// deadKind names what the update was, without what it said.
func deadKind(e bot.InboxEntry) string {
	if e.SlowDown {
		return "slow-down note"
	}
	var u map[string]json.RawMessage
	if json.Unmarshal(e.Raw, &u) != nil {
		return "unreadable"
	}
	for _, k := range []string{"message", "edited_message", "callback_query", "my_chat_member"} {
		if _, ok := u[k]; ok {
			return k
		}
	}
	return "other"
}

func short(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
