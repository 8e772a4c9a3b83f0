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
	"github.com/go-telegram/bot/models"
)

// decode turns a Telegram update into what the service understands. It
// reports false for updates the bot ignores (channel posts, inline queries,
// its own membership changes in groups, ...).
func decode(u *models.Update) (bot.Inbound, bool) {
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
		switch {
		case q.Message.Message != nil:
			in.ChatID = q.Message.Message.Chat.ID
			in.MessageID = q.Message.Message.ID
			in.Private = isPrivate(q.Message.Message.Chat)
		case q.Message.InaccessibleMessage != nil:
			in.ChatID = q.Message.InaccessibleMessage.Chat.ID
			in.Private = isPrivate(q.Message.InaccessibleMessage.Chat)
		}
		if in.Data == "" {
			// A game button or similar: answered as stale.
			in.Data = flow.Callback{Kind: flow.CallbackUnknown}.Encode()
		}
		return in, true
	case u.MyChatMember != nil:
		cm := u.MyChatMember
		if cm.Chat.Type != models.ChatTypePrivate || cm.NewChatMember.Type != models.ChatMemberTypeBanned {
			return in, false
		}
		// The citizen blocked the bot in their private chat.
		in.ChatID, in.UserID, in.Private = cm.Chat.ID, cm.From.ID, true
		in.Other = bot.OtherBlocked
		return in, true
	}
	return in, false
}

func fromMessage(in *bot.Inbound, m *models.Message) {
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
func isPrivate(c models.Chat) bool {
	if c.Type == "" {
		return c.ID > 0
	}
	return c.Type == models.ChatTypePrivate
}

// otherKind names a message the bot cannot use as an answer.
func otherKind(m *models.Message) string {
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

// head is what intake reads of an update: its id, chat and kind. The
// whole update is decoded once, by the worker that handles it.
type head struct {
	ID            int64    `json:"update_id"`
	Message       *inChat  `json:"message"`
	EditedMessage *inChat  `json:"edited_message"`
	MyChatMember  *inChat  `json:"my_chat_member"`
	CallbackQuery *pressed `json:"callback_query"`
}

type inChat struct {
	Chat struct {
		ID int64 `json:"id"`
	} `json:"chat"`
}

type pressed struct {
	From struct {
		ID int64 `json:"id"`
	} `json:"from"`
	Message *inChat `json:"message"` // accessible or not, it names its chat
}

// readHead reads an update's head; one that cannot be read keeps its id
// only.
func readHead(raw []byte, id int64) head {
	var h head
	if json.Unmarshal(raw, &h) != nil {
		return head{ID: id}
	}
	return h
}

// chat returns the chat an update belongs to, for per-chat ordering.
func (h head) chat() int64 {
	switch {
	case h.Message != nil:
		return h.Message.Chat.ID
	case h.EditedMessage != nil:
		return h.EditedMessage.Chat.ID
	case h.CallbackQuery != nil:
		if m := h.CallbackQuery.Message; m != nil && m.Chat.ID != 0 {
			return m.Chat.ID
		}
		return h.CallbackQuery.From.ID
	case h.MyChatMember != nil:
		return h.MyChatMember.Chat.ID
	}
	return 0
}

// kind names an update's kind, for metrics.
func (h head) kind() string {
	switch {
	case h.Message != nil:
		return "message"
	case h.EditedMessage != nil:
		return "edited_message"
	case h.CallbackQuery != nil:
		return "callback_query"
	case h.MyChatMember != nil:
		return "my_chat_member"
	}
	return "other"
}
