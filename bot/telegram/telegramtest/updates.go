package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// defaultExcluded are the update types Telegram does not send unless
// allowed_updates asks for them.
var defaultExcluded = map[string]bool{
	models.AllowedUpdateChatMember:           true,
	models.AllowedUpdateMessageReaction:      true,
	models.AllowedUpdateMessageReactionCount: true,
}

// PushUpdate queues an update for getUpdates, giving it the next update_id
// (FirstUpdateID, then increasing), which it returns. Like Telegram, an
// update of a type excluded by the allowed_updates of the latest getUpdates
// that set them (by default chat_member, message_reaction and
// message_reaction_count) is dropped; its id is still used up. The id of a
// callback_query becomes answerable with answerCallbackQuery.
func (s *Server) PushUpdate(u models.Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushLocked(u)
}

func (s *Server) pushLocked(u models.Update) int64 {
	id := s.nextUpdateID
	s.nextUpdateID++
	u.ID = id
	if q := u.CallbackQuery; q != nil && q.ID != "" {
		if _, ok := s.callbacks[q.ID]; !ok {
			s.callbacks[q.ID] = false // answerable
		}
	}
	data, err := json.Marshal(&u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: can't encode update: %v", err))
	}
	kind := updateKind(data)
	if s.allowed != nil && !s.allowed[kind] || s.allowed == nil && defaultExcluded[kind] {
		return id
	}
	if chat := chatOf(&u); chat != 0 {
		s.heardLocked(chat, time.Now())
	}
	s.queue = append(s.queue, queuedUpdate{id: id, kind: kind, data: data})
	s.history = append(s.history, queuedUpdate{id: id, kind: kind, data: data})
	close(s.updated)
	s.updated = make(chan struct{})
	s.broadcastLocked()
	return id
}

// updateKind is the update's type: its field other than update_id.
func updateKind(data []byte) string {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(data, &m)
	for k := range m {
		if k != "update_id" {
			return k
		}
	}
	return ""
}

func testUser(userID int64, lang string) models.User {
	return models.User{ID: userID, FirstName: "Test", LanguageCode: lang}
}

func botUser() *models.User {
	return &models.User{ID: BotID, IsBot: true, FirstName: BotFirstName, Username: BotUsername}
}

// chatLocked returns the chat with that id: as seen in pushed updates, or a
// private chat for positive ids and a group (or supergroup for -100...) for
// negative ones.
func (s *Server) chatLocked(chatID int64) models.Chat {
	if c, ok := s.chats[chatID]; ok {
		return c
	}
	switch {
	case chatID > 0:
		return models.Chat{ID: chatID, Type: models.ChatTypePrivate, FirstName: "Test"}
	case chatID <= -1000000000000:
		return models.Chat{ID: chatID, Type: models.ChatTypeSupergroup, Title: "Test Group"}
	default:
		return models.Chat{ID: chatID, Type: models.ChatTypeGroup, Title: "Test Group"}
	}
}

// userMessageLocked builds a message from a user in a private chat.
func (s *Server) userMessageLocked(chatID, userID int64, lang string) *models.Message {
	chat := models.Chat{ID: chatID, Type: models.ChatTypePrivate, FirstName: "Test"}
	s.chats[chatID] = chat
	from := testUser(userID, lang)
	id := s.nextUserMsgID
	s.nextUserMsgID++
	s.userMessages[msgKey{chatID, id}] = true
	return &models.Message{ID: id, From: &from, Date: int(time.Now().Unix()), Chat: chat}
}

// commandEntities returns a bot_command entity when text starts with "/".
func commandEntities(text string) []models.MessageEntity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	cmd := text
	if i := strings.IndexAny(text, " \t\n"); i >= 0 {
		cmd = text[:i]
	}
	if len(cmd) < 2 {
		return nil
	}
	return []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: utf16Len(cmd)}}
}

// PushText queues a text message from user userID (first_name "Test",
// language_code lang) in the private chat chatID. Text starting with "/"
// gets a bot_command entity. It returns the update_id.
func (s *Server) PushText(chatID, userID int64, lang, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chatID, userID, lang)
	m.Text = text
	m.Entities = commandEntities(text)
	return s.pushLocked(models.Update{Message: m})
}

// PushTexts queues one text message per text from userID in the private
// chat chatID, all at once, as a citizen flooding the bot would (300 take
// well under a millisecond). It returns their update_ids, in order.
func (s *Server) PushTexts(chatID, userID int64, lang string, texts ...string) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, len(texts))
	for i, text := range texts {
		m := s.userMessageLocked(chatID, userID, lang)
		m.Text = text
		m.Entities = commandEntities(text)
		ids[i] = s.pushLocked(models.Update{Message: m})
	}
	return ids
}

// Resend makes every update from fromID on pending again, confirmed or
// not, as Telegram does when a client stops before its next getUpdates
// confirmed them: the next getUpdates answers them again, with the same
// update_ids. It returns how many are pending now.
func (s *Server) Resend(fromID int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = s.queue[:0]
	for _, u := range s.history {
		if u.id >= fromID {
			s.queue = append(s.queue, u)
		}
	}
	s.confirmed = min(s.confirmed, fromID)
	close(s.updated)
	s.updated = make(chan struct{})
	s.broadcastLocked()
	return len(s.queue)
}

// PushGroupText queues a text message from user userID in the group chat
// chatID (usually negative; -100... ids are supergroups). It returns the
// update_id.
func (s *Server) PushGroupText(chatID, userID int64, text string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	chat, ok := s.chats[chatID]
	if !ok || chat.Type == models.ChatTypePrivate {
		chat = models.Chat{ID: chatID, Type: models.ChatTypeGroup, Title: "Test Group"}
		if chatID <= -1000000000000 {
			chat.Type = models.ChatTypeSupergroup
		}
		s.chats[chatID] = chat
	}
	from := testUser(userID, "")
	id := s.nextUserMsgID
	s.nextUserMsgID++
	s.userMessages[msgKey{chatID, id}] = true
	m := &models.Message{ID: id, From: &from, Date: int(time.Now().Unix()), Chat: chat, Text: text, Entities: commandEntities(text)}
	return s.pushLocked(models.Update{Message: m})
}

// PushCallback queues a button press by userID on the bot's message
// messageID in chatID. The callback's message is that message as sent (text
// and keyboard), or a bare message with that id if the bot never sent it. It
// returns the update_id and the callback query id to answer.
func (s *Server) PushCallback(chatID, userID int64, lang string, messageID int, data string) (updateID int64, callbackID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextCallback++
	callbackID = strconv.FormatInt(4000000000000000000+s.nextCallback, 10)
	s.callbacks[callbackID] = false

	var msg models.Message
	if sm, ok := s.messages[msgKey{chatID, messageID}]; ok {
		raw, _ := json.Marshal(sm.msg)
		_ = json.Unmarshal(raw, &msg)
	} else {
		msg = models.Message{ID: messageID, From: botUser(), Date: int(time.Now().Unix()), Chat: s.chatLocked(chatID)}
	}
	cq := &models.CallbackQuery{
		ID:           callbackID,
		From:         testUser(userID, lang),
		Message:      models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &msg},
		ChatInstance: strconv.FormatInt(abs(chatID), 10) + "0017",
		Data:         data,
	}
	return s.pushLocked(models.Update{CallbackQuery: cq}), callbackID
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// PushVoice queues a voice note of the given length from userID in the
// private chat chatID. It returns the update_id.
func (s *Server) PushVoice(chatID, userID int64, lang, fileID string, seconds int) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chatID, userID, lang)
	m.Voice = &models.Voice{
		FileID:       fileID,
		FileUniqueID: "u" + fileID,
		Duration:     seconds,
		MimeType:     "audio/ogg",
		FileSize:     int64(len(s.fileLocked(fileID).data)),
	}
	return s.pushLocked(models.Update{Message: m})
}

// PushPhoto queues a photo with an optional caption from userID in the
// private chat chatID. The photo comes in two sizes, like Telegram's: a
// thumbnail (fileID+"_s") and the largest size, last, with file id fileID.
// It returns the update_id.
func (s *Server) PushPhoto(chatID, userID int64, lang, fileID, caption string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chatID, userID, lang)
	m.Photo = []models.PhotoSize{
		{FileID: fileID + "_s", FileUniqueID: "u" + fileID + "_s", Width: 90, Height: 68, FileSize: 1500},
		{FileID: fileID, FileUniqueID: "u" + fileID, Width: 1280, Height: 960, FileSize: len(s.fileLocked(fileID).data)},
	}
	m.Caption = caption
	return s.pushLocked(models.Update{Message: m})
}

// PushSticker queues a sticker with the given emoji from userID in the
// private chat chatID. It returns the update_id.
func (s *Server) PushSticker(chatID, userID int64, lang, fileID, emoji string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.userMessageLocked(chatID, userID, lang)
	m.Sticker = &models.Sticker{
		FileID:       fileID,
		FileUniqueID: "u" + fileID,
		Type:         "regular",
		Width:        512,
		Height:       512,
		Emoji:        emoji,
		SetName:      "TestStickers",
	}
	return s.pushLocked(models.Update{Message: m})
}

const conflictDescription = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"

// getUpdates confirms updates below offset, then answers with up to limit
// pending updates, waiting up to timeout seconds for one to arrive. Like
// Telegram, a new getUpdates ends the one in progress, which is answered
// 409 "terminated by other getUpdates request": two pollers of one bot
// keep knocking each other out.
func getUpdates(s *Server, ctx context.Context, c *Call) (any, *apiError) {
	offset, _ := strconv.ParseInt(c.Form["offset"], 10, 64)
	limit, _ := strconv.Atoi(c.Form["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(c.Form["timeout"])
	var allowed []string
	if a := c.Form["allowed_updates"]; a != "" {
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			return nil, badRequest("can't parse allowed updates JSON object")
		}
	}

	s.mu.Lock()
	if s.webhookURL != "" {
		s.mu.Unlock()
		return nil, &apiError{code: http.StatusConflict, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if s.pollStop != nil {
		close(s.pollStop)
	}
	stop := make(chan struct{})
	s.pollStop = stop
	s.polling = true
	if _, ok := c.Form["allowed_updates"]; ok {
		if len(allowed) == 0 {
			s.allowed = nil
		} else {
			s.allowed = map[string]bool{}
			for _, a := range allowed {
				s.allowed[a] = true
			}
		}
	}
	s.confirmLocked(offset)
	s.broadcastLocked()
	s.mu.Unlock()

	defer func() {
		s.mu.Lock()
		if s.pollStop == stop {
			s.pollStop = nil
			s.polling = false
		}
		s.broadcastLocked()
		s.mu.Unlock()
	}()

	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		deadline = t.C
	}
	for {
		s.mu.Lock()
		out := make([]json.RawMessage, 0, min(limit, len(s.queue)))
		for _, u := range s.queue {
			if len(out) == limit {
				break
			}
			if offset > 0 && u.id < offset {
				continue
			}
			out = append(out, u.data)
		}
		ch := s.updated
		s.mu.Unlock()
		if len(out) > 0 || deadline == nil {
			return out, nil
		}
		select {
		case <-ch:
		case <-stop:
			return nil, &apiError{code: http.StatusConflict, desc: conflictDescription}
		case <-deadline:
			return out, nil
		case <-ctx.Done():
			return out, nil
		case <-s.closing:
			return out, nil
		}
	}
}

// confirmLocked drops updates confirmed by offset, as Telegram does: a
// positive offset confirms every update with a smaller id, a negative one
// keeps only the last -offset updates.
func (s *Server) confirmLocked(offset int64) {
	switch {
	case offset > 0:
		if offset > s.confirmed {
			s.confirmed = offset
		}
		i := 0
		for i < len(s.queue) && s.queue[i].id < offset {
			i++
		}
		s.queue = append([]queuedUpdate(nil), s.queue[i:]...)
	case offset < 0:
		if keep := int(-offset); keep < len(s.queue) {
			s.queue = append([]queuedUpdate(nil), s.queue[len(s.queue)-keep:]...)
		}
	}
}

// chatOf is the chat an update comes from (0 when none).
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}
