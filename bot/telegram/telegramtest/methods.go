package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// method is one implemented Bot API method.
type method struct {
	name string
	fn   func(s *Server, ctx context.Context, c *Call) (any, *apiError)
}

// methods maps lower-cased method names (Telegram ignores their case) to
// their implementation.
var methods = map[string]method{}

func init() {
	for _, m := range []method{
		{"getMe", getMe},
		{"getUpdates", getUpdates},
		{"sendMessage", sendMessage},
		{"editMessageText", editMessage("editMessageText")},
		{"editMessageReplyMarkup", editMessage("editMessageReplyMarkup")},
		{"deleteMessage", deleteMessage},
		{"answerCallbackQuery", answerCallbackQuery},
		{"setMyCommands", setMyCommands},
		{"deleteMyCommands", deleteMyCommands},
		{"getMyCommands", getMyCommands},
		{"setMyName", setProfile("name", 64)},
		{"getMyName", getProfile("name")},
		{"setMyDescription", setProfile("description", 512)},
		{"getMyDescription", getProfile("description")},
		{"setMyShortDescription", setProfile("short_description", 120)},
		{"getMyShortDescription", getProfile("short_description")},
		{"setWebhook", setWebhook},
		{"deleteWebhook", deleteWebhook},
		{"getWebhookInfo", getWebhookInfo},
		{"sendDocument", sendDocument},
		{"sendChatAction", sendChatAction},
		{"getFile", getFile},
	} {
		methods[strings.ToLower(m.name)] = m
	}
}

// wireMessage is a Message as the fake answers it.
type wireMessage struct {
	MessageID   int              `json:"message_id"`
	From        *models.User     `json:"from,omitempty"`
	Chat        models.Chat      `json:"chat"`
	Date        int64            `json:"date"`
	EditDate    int64            `json:"edit_date,omitempty"`
	Text        string           `json:"text,omitempty"`
	Entities    json.RawMessage  `json:"entities,omitempty"`
	Document    *models.Document `json:"document,omitempty"`
	Caption     string           `json:"caption,omitempty"`
	ReplyMarkup json.RawMessage  `json:"reply_markup,omitempty"`
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func chatIDParam(f map[string]string) (int64, *apiError) {
	v := strings.TrimSpace(f["chat_id"])
	if v == "" {
		return 0, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

func boolParam(f map[string]string, name string) bool {
	b, _ := strconv.ParseBool(f[name])
	return b
}

// markup is a parsed reply_markup.
type markup struct {
	echo    json.RawMessage // the inline keyboard as echoed in messages; nil if none
	buttons [][]Button
}

// parseMarkup parses reply_markup. Reply keyboards, keyboard removal and
// force_reply are accepted but not echoed, as by Telegram.
func parseMarkup(raw string) (markup, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return markup{}, nil
	}
	var m struct {
		InlineKeyboard *[][]map[string]json.RawMessage `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	if m.InlineKeyboard == nil {
		return markup{}, nil
	}
	var rows [][]map[string]json.RawMessage
	var buttons [][]Button
	for _, row := range *m.InlineKeyboard {
		var echoRow []map[string]json.RawMessage
		var btnRow []Button
		for _, b := range row {
			var btn Button
			if err := json.Unmarshal(b["text"], &btn.Text); err != nil {
				return markup{}, badRequest(`can't parse inline keyboard button: Field "text" must be of type String`)
			}
			echo := map[string]json.RawMessage{}
			hasAction := false
			for k, v := range b {
				switch k {
				case "text":
				case "callback_data":
					if err := json.Unmarshal(v, &btn.Data); err != nil || btn.Data == "" || len(btn.Data) > 64 {
						return markup{}, badRequest("BUTTON_DATA_INVALID")
					}
					hasAction = true
				case "url":
					if err := json.Unmarshal(v, &btn.URL); err != nil {
						return markup{}, badRequest(`can't parse inline keyboard button: Field "url" must be of type String`)
					}
					if btn.URL == "" {
						continue
					}
					if !validButtonURL(btn.URL) {
						return markup{}, badRequest("BUTTON_URL_INVALID")
					}
					hasAction = true
				case "copy_text":
					// go-telegram/bot always sends "copy_text":{"text":""}
					// (omitempty on a struct); an empty one counts as absent.
					var ct struct {
						Text string `json:"text"`
					}
					if json.Unmarshal(v, &ct) != nil || ct.Text == "" {
						continue
					}
					hasAction = true
				case "pay":
					var pay bool
					if json.Unmarshal(v, &pay) != nil || !pay {
						continue
					}
					hasAction = true
				case "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
					"switch_inline_query_chosen_chat", "callback_game":
					hasAction = true
				}
				echo[k] = v
			}
			if !hasAction {
				return markup{}, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			echoRow = append(echoRow, echo)
			btnRow = append(btnRow, btn)
		}
		if len(btnRow) > 0 {
			rows = append(rows, echoRow)
			buttons = append(buttons, btnRow)
		}
	}
	if len(buttons) == 0 {
		return markup{}, nil
	}
	echo, err := json.Marshal(map[string]any{"inline_keyboard": rows})
	if err != nil {
		return markup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	return markup{echo: echo, buttons: buttons}, nil
}

// validButtonURL is what Telegram takes in a link button: an http, https
// or tg link with somewhere to go.
func validButtonURL(raw string) bool {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return false
	case u.Scheme == "tg":
		return u.Host != "" || u.Opaque != ""
	case u.Scheme == "http" || u.Scheme == "https":
		return u.Host != ""
	}
	return false
}

func entitiesParam(f map[string]string, name string) (json.RawMessage, *apiError) {
	raw := strings.TrimSpace(f[name])
	if raw == "" {
		return nil, nil
	}
	var ents []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &ents); err != nil {
		return nil, badRequest("can't parse entities JSON object")
	}
	if len(ents) == 0 {
		return nil, nil
	}
	return json.RawMessage(raw), nil
}

// newBotMessageLocked makes the bot's next message in chatID.
func (s *Server) newBotMessageLocked(chatID int64, now time.Time) wireMessage {
	s.nextBotMsgID[chatID]++
	return wireMessage{
		MessageID: s.nextBotMsgID[chatID],
		From:      botUser(),
		Chat:      s.chatLocked(chatID),
		Date:      now.Unix(),
	}
}

type botInfo struct {
	ID                      int64  `json:"id"`
	IsBot                   bool   `json:"is_bot"`
	FirstName               string `json:"first_name"`
	Username                string `json:"username"`
	CanJoinGroups           bool   `json:"can_join_groups"`
	CanReadAllGroupMessages bool   `json:"can_read_all_group_messages"`
	SupportsInlineQueries   bool   `json:"supports_inline_queries"`
	CanConnectToBusiness    bool   `json:"can_connect_to_business"`
	HasMainWebApp           bool   `json:"has_main_web_app"`
}

func getMe(*Server, context.Context, *Call) (any, *apiError) {
	return botInfo{ID: BotID, IsBot: true, FirstName: BotFirstName, Username: BotUsername, CanJoinGroups: true}, nil
}

// checkText rejects what Telegram rejects: an empty text or one over 4096
// UTF-16 code units.
func checkText(text string) *apiError {
	if strings.TrimSpace(text) == "" {
		return badRequest("message text is empty")
	}
	if utf16Len(text) > 4096 {
		return badRequest("message is too long")
	}
	return nil
}

func sendMessage(s *Server, _ context.Context, c *Call) (any, *apiError) {
	chatID, e := chatIDParam(c.Form)
	if e != nil {
		return nil, e
	}
	text := c.Form["text"]
	if e := checkText(text); e != nil {
		return nil, e
	}
	mk, e := parseMarkup(c.Form["reply_markup"])
	if e != nil {
		return nil, e
	}
	ents, e := entitiesParam(c.Form, "entities")
	if e != nil {
		return nil, e
	}

	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chatID] {
		return nil, errBlocked
	}
	if e := s.admitLocked(chatID, now); e != nil {
		return nil, e
	}
	msg := s.newBotMessageLocked(chatID, now)
	msg.Text = text
	msg.Entities = ents
	msg.ReplyMarkup = mk.echo
	s.messages[msgKey{chatID, msg.MessageID}] = &storedMessage{msg: msg, buttons: mk.buttons}
	if s.sentByChat == nil {
		s.sentByChat = map[int64][]int{}
	}
	s.sentByChat[chatID] = append(s.sentByChat[chatID], len(s.sent))
	s.sent = append(s.sent, Sent{ChatID: chatID, Text: text, MessageID: msg.MessageID, Buttons: mk.buttons})
	s.countLocked(chatID, now, false)
	s.broadcastLocked()
	return msg, nil
}

func editMessage(name string) func(*Server, context.Context, *Call) (any, *apiError) {
	isText := name == "editMessageText"
	return func(s *Server, _ context.Context, c *Call) (any, *apiError) {
		text := c.Form["text"]
		if isText {
			if e := checkText(text); e != nil {
				return nil, e
			}
		}
		mk, e := parseMarkup(c.Form["reply_markup"])
		if e != nil {
			return nil, e
		}
		ents, e := entitiesParam(c.Form, "entities")
		if e != nil {
			return nil, e
		}

		if inline := c.Form["inline_message_id"]; inline != "" {
			now := time.Now()
			s.mu.Lock()
			defer s.mu.Unlock()
			if e := s.admitLocked(0, now); e != nil {
				return nil, e
			}
			s.countLocked(0, now, true)
			s.edits = append(s.edits, Edit{Method: name, InlineMessageID: inline, Text: text, Buttons: mk.buttons})
			s.broadcastLocked()
			return true, nil
		}
		chatID, e := chatIDParam(c.Form)
		if e != nil {
			return nil, e
		}
		msgID, err := strconv.Atoi(strings.TrimSpace(c.Form["message_id"]))
		if err != nil || msgID <= 0 {
			return nil, badRequest("message identifier is not specified")
		}

		s.mu.Lock()
		defer s.mu.Unlock()
		key := msgKey{chatID, msgID}
		sm, ok := s.messages[key]
		if !ok {
			if s.userMessages[key] {
				return nil, badRequest("message can't be edited")
			}
			return nil, badRequest("message to edit not found")
		}
		if isText && sm.msg.Document != nil {
			return nil, badRequest("there is no text in the message to edit")
		}
		if !isText {
			text = sm.msg.Text
			ents = sm.msg.Entities
		}
		if text == sm.msg.Text && bytes.Equal(mk.echo, sm.msg.ReplyMarkup) && bytes.Equal(ents, sm.msg.Entities) {
			return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		// Edits share the chat's budget with sends (tdlib/td #3034).
		now := time.Now()
		if e := s.admitLocked(chatID, now); e != nil {
			return nil, e
		}
		s.countLocked(chatID, now, true)
		sm.msg.Text = text
		sm.msg.Entities = ents
		sm.msg.ReplyMarkup = mk.echo
		sm.msg.EditDate = now.Unix()
		sm.buttons = mk.buttons
		s.edits = append(s.edits, Edit{Method: name, ChatID: chatID, MessageID: msgID, Text: text, Buttons: mk.buttons})
		s.broadcastLocked()
		return sm.msg, nil
	}
}

func deleteMessage(s *Server, _ context.Context, c *Call) (any, *apiError) {
	chatID, e := chatIDParam(c.Form)
	if e != nil {
		return nil, e
	}
	msgID, err := strconv.Atoi(strings.TrimSpace(c.Form["message_id"]))
	if err != nil || msgID <= 0 {
		return nil, badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := msgKey{chatID, msgID}
	switch {
	case s.messages[key] != nil:
		delete(s.messages, key)
	case s.userMessages[key]:
		delete(s.userMessages, key)
	default:
		return nil, badRequest("message to delete not found")
	}
	return true, nil
}

func answerCallbackQuery(s *Server, _ context.Context, c *Call) (any, *apiError) {
	id := c.Form["callback_query_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	answered, ok := s.callbacks[id]
	if !ok || answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.callbacks[id] = true
	s.answers = append(s.answers, CallbackAnswer{ID: id, Text: c.Form["text"]})
	s.broadcastLocked()
	return true, nil
}

func validCommand(cmd string) bool {
	if cmd == "" || len(cmd) > 32 {
		return false
	}
	for _, r := range cmd {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// parseScope turns a BotCommandScope into CommandSet.Scope.
func parseScope(raw string) (string, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return "default", nil
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID json.RawMessage `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(raw), &sc); err != nil {
		return "", badRequest("can't parse BotCommandScope JSON object")
	}
	id := func(r json.RawMessage) string { return strings.Trim(string(r), `"`) }
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
		return sc.Type, nil
	case "chat", "chat_administrators":
		if len(sc.ChatID) == 0 {
			return "", badRequest("chat_id is empty")
		}
		return sc.Type + ":" + id(sc.ChatID), nil
	case "chat_member":
		if len(sc.ChatID) == 0 || len(sc.UserID) == 0 {
			return "", badRequest("chat_id is empty")
		}
		return sc.Type + ":" + id(sc.ChatID) + ":" + id(sc.UserID), nil
	}
	return "", badRequest("wrong BotCommandScope type specified")
}

func setMyCommands(s *Server, _ context.Context, c *Call) (any, *apiError) {
	raw, ok := c.Form["commands"]
	if !ok {
		return nil, badRequest(`parameter "commands" is required`)
	}
	var cmds []models.BotCommand
	if err := json.Unmarshal([]byte(raw), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands")
	}
	for _, cmd := range cmds {
		if !validCommand(cmd.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if d := strings.TrimSpace(cmd.Description); d == "" || utf16Len(d) > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	scope, e := parseScope(c.Form["scope"])
	if e != nil {
		return nil, e
	}
	lang := c.Form["language_code"]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commandSets = append(s.commandSets, CommandSet{LanguageCode: lang, Scope: scope, Commands: cmds})
	if len(cmds) == 0 {
		delete(s.commands, scope+"|"+lang)
	} else {
		s.commands[scope+"|"+lang] = cmds
	}
	s.broadcastLocked()
	return true, nil
}

func deleteMyCommands(s *Server, _ context.Context, c *Call) (any, *apiError) {
	scope, e := parseScope(c.Form["scope"])
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.commands, scope+"|"+c.Form["language_code"])
	return true, nil
}

func getMyCommands(s *Server, _ context.Context, c *Call) (any, *apiError) {
	scope, e := parseScope(c.Form["scope"])
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := s.commands[scope+"|"+c.Form["language_code"]]
	if cmds == nil {
		cmds = []models.BotCommand{}
	}
	return cmds, nil
}

// setProfile sets the bot's name or a description in a language, with
// Telegram's length limit; an empty value removes it.
func setProfile(field string, limit int) func(*Server, context.Context, *Call) (any, *apiError) {
	return func(s *Server, _ context.Context, c *Call) (any, *apiError) {
		v := c.Form[field]
		if utf16Len(v) > limit {
			return nil, badRequest(strings.ToUpper(field) + "_INVALID")
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		key := field + "|" + c.Form["language_code"]
		if v == "" {
			delete(s.profile, key)
		} else {
			s.profile[key] = v
		}
		return true, nil
	}
}

// getProfile answers the name or a description in a language.
func getProfile(field string) func(*Server, context.Context, *Call) (any, *apiError) {
	return func(s *Server, _ context.Context, c *Call) (any, *apiError) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return map[string]string{field: s.profile[field+"|"+c.Form["language_code"]]}, nil
	}
}

func setWebhook(s *Server, _ context.Context, c *Call) (any, *apiError) {
	u := strings.TrimSpace(c.Form["url"])
	if u != "" && !strings.HasPrefix(strings.ToLower(u), "https://") {
		return nil, badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = u
	if boolParam(c.Form, "drop_pending_updates") {
		s.queue = nil
	}
	return true, nil
}

func deleteWebhook(s *Server, _ context.Context, c *Call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL = ""
	if boolParam(c.Form, "drop_pending_updates") {
		s.queue = nil
	}
	return true, nil
}

func getWebhookInfo(s *Server, _ context.Context, _ *Call) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return struct {
		URL                  string `json:"url"`
		HasCustomCertificate bool   `json:"has_custom_certificate"`
		PendingUpdateCount   int    `json:"pending_update_count"`
	}{s.webhookURL, false, len(s.queue)}, nil
}

var chatActions = map[string]bool{
	"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true,
}

func sendChatAction(s *Server, _ context.Context, c *Call) (any, *apiError) {
	chatID, e := chatIDParam(c.Form)
	if e != nil {
		return nil, e
	}
	if !chatActions[c.Form["action"]] {
		return nil, badRequest("wrong parameter action of method sendChatAction")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chatID] {
		return nil, errBlocked
	}
	return true, nil
}

func mimeType(name string) string {
	t := mime.TypeByExtension(path.Ext(name))
	if t == "" {
		return "application/octet-stream"
	}
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	return t
}

func sendDocument(s *Server, _ context.Context, c *Call) (any, *apiError) {
	chatID, e := chatIDParam(c.Form)
	if e != nil {
		return nil, e
	}
	ref := c.Form["document"]
	field := "document"
	if a, ok := strings.CutPrefix(ref, "attach://"); ok {
		field = a
	}
	fn, uploaded := c.FileFields[field]
	var data []byte
	if uploaded {
		data = c.Files[fn]
		if len(data) == 0 {
			return nil, badRequest("file must be non-empty")
		}
	} else if ref == "" || strings.HasPrefix(ref, "attach://") {
		return nil, badRequest("there is no document in the request")
	}
	caption := c.Form["caption"]
	if utf16Len(caption) > 1024 {
		return nil, badRequest("message caption is too long")
	}
	mk, e := parseMarkup(c.Form["reply_markup"])
	if e != nil {
		return nil, e
	}

	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chatID] {
		return nil, errBlocked
	}
	if e := s.admitLocked(chatID, now); e != nil {
		return nil, e
	}
	var fileID string
	if uploaded {
		s.nextFile++
		fileID = fmt.Sprintf("BQACAgIAAxkDAAI%06d", s.nextFile)
		s.files[fileID] = storedFile{name: fn, data: data}
	} else {
		// Sent by file_id or URL.
		fileID = ref
		if f, ok := s.files[ref]; ok {
			fn = f.name
		} else {
			s.nextFile++
			fileID = fmt.Sprintf("BQACAgIAAxkDAAI%06d", s.nextFile)
			fn = path.Base(ref)
		}
	}
	size := len(s.fileLocked(fileID).data)
	msg := s.newBotMessageLocked(chatID, now)
	msg.Document = &models.Document{
		FileID:       fileID,
		FileUniqueID: "u" + fileID,
		FileName:     fn,
		MimeType:     mimeType(fn),
		FileSize:     int64(size),
	}
	msg.Caption = caption
	msg.ReplyMarkup = mk.echo
	s.messages[msgKey{chatID, msg.MessageID}] = &storedMessage{msg: msg, buttons: mk.buttons}
	s.documents = append(s.documents, Document{ChatID: chatID, FileName: fn, Data: data, Caption: caption})
	s.countLocked(chatID, now, false)
	s.broadcastLocked()
	return msg, nil
}

func getFile(s *Server, _ context.Context, c *Call) (any, *apiError) {
	id := strings.TrimSpace(c.Form["file_id"])
	if id == "" {
		return nil, badRequest("invalid file_id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return models.File{
		FileID:       id,
		FileUniqueID: "u" + id,
		FileSize:     int64(len(s.fileLocked(id).data)),
		FilePath:     "files/" + id,
	}, nil
}
