package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cosie/cosiebot/locales"
	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Config says how to reach Telegram.
type Config struct {
	Token       string
	APIURL      string        // default https://api.telegram.org
	PollTimeout time.Duration // long-poll length; default 50s
	Logger      *slog.Logger
	Calls       CallObserver // counts API calls; may be nil
}

// Client is a connected bot.
type Client struct {
	cfg       Config
	b         *tg.Bot
	poll      *poller
	transport *Transport
	log       *slog.Logger
	// Username is the bot's @name, for deep links.
	Username string
}

// Connect checks the token with getMe and prepares the client. Errors never
// contain the token.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Token == "" {
		return nil, errors.New("no bot token")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.telegram.org"
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 50 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger
	// One host, many parallel chats: keep enough idle connections, or every
	// call pays for a new one (the default keeps 2 per host).
	transport := &http.Transport{
		Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true, TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second,
	}
	b, err := tg.New(cfg.Token,
		tg.WithServerURL(cfg.APIURL),
		tg.WithSkipGetMe(),
		// Leave headroom over the calls' own deadlines (libraries.md 1.2).
		tg.WithHTTPClient(cfg.PollTimeout, wholeBodies{&http.Client{Timeout: 60 * time.Second, Transport: transport}}),
		tg.WithErrorsHandler(func(err error) { log.Warn("telegram library", "err", hideToken(err, cfg.Token)) }),
		tg.WithDefaultHandler(func(context.Context, *tg.Bot, *models.Update) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("telegram client: %w", err)
	}
	c := &Client{cfg: cfg, b: b, log: log,
		poll:      &poller{base: cfg.APIURL + "/bot" + cfg.Token, client: &http.Client{Timeout: cfg.PollTimeout + 15*time.Second, Transport: transport}, timeout: cfg.PollTimeout},
		transport: NewTransport(b, log, cfg.Calls),
	}
	gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	me, err := b.GetMe(gctx)
	if err != nil {
		if errors.Is(err, tg.ErrorUnauthorized) || errors.Is(err, tg.ErrorNotFound) {
			return nil, errors.New("telegram refused the bot token: check TELEGRAM_BOT_TOKEN (get one from @BotFather)")
		}
		return nil, fmt.Errorf("reach telegram at %s: %w", cfg.APIURL, hideToken(redact(err), cfg.Token))
	}
	c.Username = me.Username
	return c, nil
}

// Transport returns the client's Bot API calls for messages.
func (c *Client) Transport() *Transport { return c.transport }

// SetWebhook tells Telegram to deliver updates to url.
func (c *Client) SetWebhook(ctx context.Context, url, secret string) error {
	_, err := c.b.SetWebhook(ctx, &tg.SetWebhookParams{URL: url, SecretToken: secret, AllowedUpdates: allowedUpdates, MaxConnections: 40})
	if err != nil {
		return fmt.Errorf("set webhook: %w", hideToken(redact(err), c.cfg.Token))
	}
	return nil
}

// deleteWebhook makes getUpdates work (it answers 409 while a webhook is
// set), keeping the updates Telegram holds.
func (c *Client) deleteWebhook(ctx context.Context) error {
	if _, err := c.b.DeleteWebhook(ctx, &tg.DeleteWebhookParams{DropPendingUpdates: false}); err != nil {
		err = hideToken(redact(err), c.cfg.Token)
		if errors.Is(err, tg.ErrorUnauthorized) {
			return fmt.Errorf("delete webhook before polling: %w", err)
		}
		// Polling still works when no webhook was set (some local Bot API
		// servers do not know this method).
		c.log.Warn("could not delete a webhook before polling", "err", err)
	}
	return nil
}

// commandIDs are the commands shown in Telegram's menu, with the message
// id of their description; coordinators also see coordinatorIDs.
var (
	commandIDs     = []string{"start", "language", "help", "stop", "forget", "mydata", "restart"}
	coordinatorIDs = []string{"digest", "stats", "ideas", "news", "export"}
)

// SetCommands sets the command menu in each language (Telegram picks the
// list by the user's app language) with a default in English, and for each
// coordinator (user id -> language) a menu that adds their commands.
func (c *Client) SetCommands(ctx context.Context, words *locales.Catalog, langs []string, coordinators map[int64]string) error {
	list := func(lang string, ids []string) []models.BotCommand {
		if lang == "" {
			lang = locales.Source
		}
		cmds := make([]models.BotCommand, 0, len(ids))
		for _, id := range ids {
			cmds = append(cmds, models.BotCommand{Command: id, Description: words.Say(lang, "cmd."+id, nil)})
		}
		return cmds
	}
	set := func(p *tg.SetMyCommandsParams) error {
		return c.transport.call(ctx, "setMyCommands", func(ctx context.Context) error {
			_, err := c.b.SetMyCommands(ctx, p)
			return err
		})
	}
	for _, l := range append([]string{""}, langs...) {
		if err := set(&tg.SetMyCommandsParams{Commands: list(l, commandIDs), Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: l}); err != nil {
			return fmt.Errorf("set command menu %q: %w", l, err)
		}
	}
	for id, l := range coordinators {
		cmds := list(l, append(append([]string(nil), commandIDs...), coordinatorIDs...))
		if err := set(&tg.SetMyCommandsParams{Commands: cmds, Scope: &models.BotCommandScopeChat{ChatID: id}}); err != nil {
			return fmt.Errorf("set a coordinator's command menu: %w", err)
		}
	}
	return nil
}
