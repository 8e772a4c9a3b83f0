package telegram

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
	"github.com/cosie/cosiebot/locales"
)

func catalog(t testing.TB) *locales.Catalog {
	t.Helper()
	words, err := locales.Default()
	if err != nil {
		t.Fatalf("locales: %v", err)
	}
	return words
}

func TestSetCommands(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	words := catalog(t)
	langs := []string{"fi", "sv", "et"}
	if err := c.SetCommands(testCtx(t), words, langs, map[int64]string{9001: "fi"}); err != nil {
		t.Fatalf("SetCommands: %v", err)
	}
	sets := srv.Commands()
	if len(sets) != 2+len(langs) {
		t.Fatalf("%d command lists set, want a default, one per language (%d) and one per coordinator", len(sets), 1+len(langs))
	}
	// A coordinator's own menu adds their commands, in their language.
	coord := sets[len(sets)-1]
	if coord.Scope != "chat:9001" || len(coord.Commands) != len(commandIDs)+len(coordinatorIDs) ||
		coord.Commands[len(coord.Commands)-1].Command != "export" || coord.Commands[len(coord.Commands)-1].Description != words.Say("fi", "cmd.export", nil) {
		t.Errorf("coordinator menu = %+v", coord)
	}
	sets = sets[:len(sets)-1]
	for i, lang := range append([]string{""}, langs...) {
		set := sets[i]
		if set.LanguageCode != lang || set.Scope != "all_private_chats" {
			t.Errorf("list %d: language %q scope %q, want %q all_private_chats", i, set.LanguageCode, set.Scope, lang)
		}
		say := lang
		if say == "" {
			say = locales.Source
		}
		if len(set.Commands) != len(commandIDs) {
			t.Fatalf("list %q: %d commands, want %d", lang, len(set.Commands), len(commandIDs))
		}
		for j, cmd := range set.Commands {
			want := words.Say(say, "cmd."+commandIDs[j], nil)
			if cmd.Command != commandIDs[j] || cmd.Description != want {
				t.Errorf("list %q: /%s %q, want /%s %q", lang, cmd.Command, cmd.Description, commandIDs[j], want)
			}
			if strings.HasPrefix(cmd.Description, "cmd.") {
				t.Errorf("list %q: /%s has no description in the locales", lang, cmd.Command)
			}
		}
	}
	// The translations are used, not English everywhere.
	if sets[1].Commands[0].Description == sets[0].Commands[0].Description {
		t.Errorf("Finnish /start description equals the English one: %q", sets[1].Commands[0].Description)
	}
}

func TestSetCommandsError(t *testing.T) {
	t.Parallel()
	srv, c := connect(t)
	srv.Fail("setMyCommands", 2, telegramtest.Failure{Code: http.StatusBadRequest, Description: "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"})
	err := c.SetCommands(testCtx(t), catalog(t), []string{"fi"}, nil)
	if err == nil || !strings.Contains(err.Error(), "BOT_COMMAND_DESCRIPTION_INVALID") {
		t.Errorf("SetCommands = %v, want the API's error", err)
	}
}
