// Package telegram connects the conversation service to Telegram. A
// Receiver takes updates by long polling (one replica at a time) or by
// webhook and confirms each only once it is in the durable inbox; Workers
// on every replica handle the inbox, one worker per chat, chats in turn,
// failures retried and then kept as dead letters; a Transport makes the
// Bot API calls the courier's messages need and says what each failure
// means. It uses github.com/go-telegram/bot for every call except
// getUpdates.
package telegram

import (
	"encoding/json"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// update is what cosiebot reads of a Telegram update: the fields decode
// uses, nothing else. Decoding the library's full model instead took about
// a third of a worker's CPU, and failed on any field of the whole update
// that the model did not expect.
type update struct {
	ID            int64         `json:"update_id"`
	Message       *message      `json:"message"`
	EditedMessage *message      `json:"edited_message"`
	CallbackQuery *press        `json:"callback_query"`
	MyChatMember  *memberChange `json:"my_chat_member"`
}

type chat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type user struct {
	ID           int64  `json:"id"`
	FirstName    string `json:"first_name"`
	LanguageCode string `json:"language_code"`
}

// present is a part of a message whose content the bot does not use.
type present *struct{}

type message struct {
	ID      int    `json:"message_id"`
	Date    int64  `json:"date"` // 0: an inaccessible message (a button press on an old one)
	Chat    chat   `json:"chat"`
	From    *user  `json:"from"`
	Text    string `json:"text"`
	Caption string `json:"caption"`
	Voice   *struct {
		FileID   string `json:"file_id"`
		Duration int    `json:"duration"`
	} `json:"voice"`
	Photo []struct {
		FileID string `json:"file_id"`
	} `json:"photo"`
	Sticker   present `json:"sticker"`
	Location  present `json:"location"`
	Venue     present `json:"venue"`
	Contact   present `json:"contact"`
	Document  present `json:"document"`
	Video     present `json:"video"`
	VideoNote present `json:"video_note"`
	Animation present `json:"animation"`
	Audio     present `json:"audio"`
	Poll      present `json:"poll"`
	Dice      present `json:"dice"`
}

type press struct {
	ID      string   `json:"id"`
	From    user     `json:"from"`
	Data    string   `json:"data"`
	Message *message `json:"message"` // absent for an inline message
}

type memberChange struct {
	Chat          chat `json:"chat"`
	From          user `json:"from"`
	NewChatMember struct {
		Status string `json:"status"`
	} `json:"new_chat_member"`
}

// readUpdate reads an update; one that cannot be read keeps its id only.
func readUpdate(raw []byte, id int64) update {
	var u update
	if json.Unmarshal(raw, &u) != nil {
		return update{ID: id}
	}
	return u
}

// decode turns a Telegram update into what the service understands. It
// reports false for updates the bot ignores (channel posts, inline queries,
// its own membership changes in groups, ...).
func (u *update) decode() (bot.Inbound, bool) {
	in := bot.Inbound{UpdateID: u.ID}
	switch {
	case u.Message != nil:
		m := u.Message
		fromMessage(&in, m)
		switch {
		case m.Voice != nil:
			in.Media = &flow.Media{Type: "voice", FileID: m.Voice.FileID, Duration: m.Voice.Duration}
			in.Text = m.Caption
		case len(m.Photo) > 0:
			// Sizes come smallest first; keep the largest.
			in.Media = &flow.Media{Type: "photo", FileID: m.Photo[len(m.Photo)-1].FileID}
			in.Text = m.Caption
		case m.Text != "":
			in.Text = m.Text
		default:
			// Something the bot cannot use; its caption, if any, is
			// still screened for a crisis (never taken as an answer).
			in.Other = otherKind(m)
			in.Text = m.Caption
		}
		return in, true
	case u.EditedMessage != nil:
		// An edit is not an answer, but what it now says is screened for
		// a crisis: someone may edit a message to say they are in danger.
		m := u.EditedMessage
		fromMessage(&in, m)
		in.Other = bot.OtherEdited
		in.Text = m.Text
		if in.Text == "" {
			in.Text = m.Caption
		}
		return in, true
	case u.CallbackQuery != nil:
		q := u.CallbackQuery
		in.UserID = q.From.ID
		in.Lang = q.From.LanguageCode
		in.FirstName = q.From.FirstName
		in.Data = q.Data
		in.CallbackID = q.ID
		in.ChatID, in.Private = q.From.ID, true
		if m := q.Message; m != nil && m.Chat.ID != 0 {
			in.ChatID, in.Private = m.Chat.ID, isPrivate(m.Chat)
			if m.Date != 0 {
				in.MessageID = m.ID
			}
		}
		if in.Data == "" {
			// A game button or similar: answered as stale.
			in.Data = flow.Callback{Kind: flow.CallbackUnknown}.Encode()
		}
		return in, true
	case u.MyChatMember != nil:
		cm := u.MyChatMember
		if cm.Chat.Type != "private" || cm.NewChatMember.Status != "kicked" {
			return in, false
		}
		// The citizen blocked the bot in their private chat.
		in.ChatID, in.UserID, in.Private = cm.Chat.ID, cm.From.ID, true
		in.Other = bot.OtherBlocked
		return in, true
	}
	return in, false
}

func fromMessage(in *bot.Inbound, m *message) {
	in.ChatID = m.Chat.ID
	in.Private = isPrivate(m.Chat)
	if m.From != nil {
		in.UserID = m.From.ID
		in.Lang = m.From.LanguageCode
		in.FirstName = m.From.FirstName
	} else {
		in.UserID = m.Chat.ID
	}
}

// isPrivate reports whether a chat is a one-to-one chat. Some Bot API
// emulators leave the type out; private chat ids are positive, group ids
// negative.
func isPrivate(c chat) bool {
	if c.Type == "" {
		return c.ID > 0
	}
	return c.Type == "private"
}

// otherKind names a message the bot cannot use as an answer.
func otherKind(m *message) string {
	switch {
	case m.Sticker != nil:
		return "sticker"
	case m.Location != nil || m.Venue != nil:
		return "location"
	case m.Contact != nil:
		return "contact"
	case m.Document != nil:
		return "document"
	case m.Video != nil || m.VideoNote != nil || m.Animation != nil:
		return "video"
	case m.Audio != nil:
		return "audio"
	case m.Poll != nil || m.Dice != nil:
		return "poll"
	}
	return "other"
}

// chat returns the chat an update belongs to, for per-chat ordering.
func (u *update) chat() int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message; m != nil && m.Chat.ID != 0 {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

// kind names an update's kind, for metrics.
func (u *update) kind() string {
	switch {
	case u.Message != nil:
		return "message"
	case u.EditedMessage != nil:
		return "edited_message"
	case u.CallbackQuery != nil:
		return "callback_query"
	case u.MyChatMember != nil:
		return "my_chat_member"
	}
	return "other"
}
