package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The library's own polling loop moves Telegram's offset past an update
// as soon as it is read, before anything keeps it (at-most-once). cosiebot
// owns this small getUpdates call instead and moves the offset only past
// updates written to the durable inbox, so a crash at any moment loses
// nothing: Telegram sends the unconfirmed updates again.

// allowedUpdates are the update types the bot asks Telegram for. Telegram
// remembers the last list, so it is always sent.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// apiError is an error answer of the Bot API.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int
}

func (e *apiError) Error() string {
	return fmt.Sprintf("telegram: %d %s", e.Code, e.Description)
}

// poller calls getUpdates.
type poller struct {
	base    string // API URL + "/bot" + token; never printed
	client  *http.Client
	timeout time.Duration // long-poll length
}

// rawUpdate is one update as Telegram sent it, with its id.
type rawUpdate struct {
	ID  int64
	Raw json.RawMessage
}

// poll asks for updates from offset on, waiting up to timeout (0: answer
// at once). Errors never contain the token: they name the method only.
func (p *poller) poll(ctx context.Context, offset int64, timeout time.Duration) ([]rawUpdate, error) {
	allowed, _ := json.Marshal(allowedUpdates)
	form := url.Values{
		"offset":          {strconv.FormatInt(offset, 10)},
		"timeout":         {strconv.Itoa(int(timeout / time.Second))},
		"limit":           {"100"},
		"allowed_updates": {string(allowed)},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/getUpdates", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, errors.New("telegram getUpdates: bad API URL")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram getUpdates: %w", redact(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("telegram getUpdates: read answer: %w", redact(err))
	}
	var r struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		ErrorCode   int               `json:"error_code"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("telegram getUpdates: HTTP %d with an answer that is not JSON", resp.StatusCode)
	}
	if !r.OK {
		return nil, &apiError{Code: r.ErrorCode, Description: r.Description, RetryAfter: r.Parameters.RetryAfter}
	}
	updates := make([]rawUpdate, len(r.Result))
	for i, raw := range r.Result {
		id, ok := leadingID(raw)
		if !ok {
			var u struct {
				ID int64 `json:"update_id"`
			}
			if json.Unmarshal(raw, &u) != nil || u.ID == 0 {
				return nil, fmt.Errorf("telegram getUpdates: an update without update_id")
			}
			id = u.ID
		}
		updates[i] = rawUpdate{ID: id, Raw: raw}
	}
	return updates, nil
}

// leadingID reads the update id when it is the first field, as Telegram
// writes it, without decoding the rest.
func leadingID(raw []byte) (int64, bool) {
	rest, ok := bytes.CutPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte(`{"update_id":`))
	if !ok {
		return 0, false
	}
	end := bytes.IndexAny(rest, ",}")
	if end < 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(string(bytes.TrimSpace(rest[:end])), 10, 64)
	return id, err == nil
}

// redact strips the request URL (which holds the token) from transport
// errors, keeping the cause.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// hideToken replaces the bot token in an error's text: the library puts
// the answer's body in its errors, and an error page may echo the request
// URL, which holds the token. errors.Is and errors.As still see the cause.
func hideToken(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return &tokenHidden{msg: strings.ReplaceAll(err.Error(), token, "***"), err: err}
}

type tokenHidden struct {
	msg string
	err error
}

func (e *tokenHidden) Error() string { return e.msg }
func (e *tokenHidden) Unwrap() error { return e.err }
