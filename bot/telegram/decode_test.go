package telegram

import (
	"encoding/json"
	"testing"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/flow"
)

// Updates are written as Telegram sends them, so the test also covers the
// JSON decoding (accessible and inaccessible callback messages, chat
// member status).
const (
	aino      = `{"id":77,"is_bot":false,"first_name":"Aino","language_code":"fi"}`
	ainoChat  = `{"id":77,"type":"private","first_name":"Aino"}`
	botFrom   = `{"id":42,"is_bot":true,"first_name":"Cosie","username":"cosie_bot"}`
	groupChat = `{"id":-100,"type":"group","title":"Street committee"}`
)

func msg(fields string) string {
	return `{"message_id":5,"from":` + aino + `,"chat":` + ainoChat + `,"date":1700000000,` + fields + `}`
}

func private(in bot.Inbound) bot.Inbound {
	in.ChatID, in.UserID, in.Private, in.Lang, in.FirstName = 77, 77, true, "fi", "Aino"
	return in
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		json string
		want bot.Inbound
	}{
		{
			name: "command text",
			json: `{"update_id":1,"message":` + msg(`"text":"/start pilot1","entities":[{"type":"bot_command","offset":0,"length":6}]`) + `}`,
			want: private(bot.Inbound{UpdateID: 1, Text: "/start pilot1"}),
		},
		{
			name: "plain text with emoji and RTL",
			json: `{"update_id":2,"message":` + msg(`"text":"שלום 👋🏽 ok"`) + `}`,
			want: private(bot.Inbound{UpdateID: 2, Text: "שלום 👋🏽 ok"}),
		},
		{
			name: "voice",
			json: `{"update_id":3,"message":` + msg(`"voice":{"file_id":"VOICE1","file_unique_id":"uV","duration":12,"mime_type":"audio/ogg"}`) + `}`,
			want: private(bot.Inbound{UpdateID: 3, Media: &flow.Media{Type: "voice", FileID: "VOICE1", Duration: 12}}),
		},
		{
			name: "photo keeps the largest size and the caption",
			json: `{"update_id":4,"message":` + msg(`"photo":[`+
				`{"file_id":"PH_S","file_unique_id":"a","width":90,"height":68},`+
				`{"file_id":"PH_M","file_unique_id":"b","width":320,"height":240},`+
				`{"file_id":"PH_L","file_unique_id":"c","width":1280,"height":960}],"caption":"my street"`) + `}`,
			want: private(bot.Inbound{UpdateID: 4, Text: "my street", Media: &flow.Media{Type: "photo", FileID: "PH_L"}}),
		},
		{
			name: "sticker",
			json: `{"update_id":5,"message":` + msg(`"sticker":{"file_id":"S","file_unique_id":"s","type":"regular","width":512,"height":512,"is_animated":false,"is_video":false,"emoji":"😀"}`) + `}`,
			want: private(bot.Inbound{UpdateID: 5, Other: "sticker"}),
		},
		{
			name: "location",
			json: `{"update_id":6,"message":` + msg(`"location":{"latitude":60.17,"longitude":24.94}`) + `}`,
			want: private(bot.Inbound{UpdateID: 6, Other: "location"}),
		},
		{
			name: "venue",
			json: `{"update_id":7,"message":` + msg(`"venue":{"location":{"latitude":60.17,"longitude":24.94},"title":"Library","address":"Main st 1"}`) + `}`,
			want: private(bot.Inbound{UpdateID: 7, Other: "location"}),
		},
		{
			name: "contact",
			json: `{"update_id":8,"message":` + msg(`"contact":{"phone_number":"+358401234567","first_name":"Aino"}`) + `}`,
			want: private(bot.Inbound{UpdateID: 8, Other: "contact"}),
		},
		{
			name: "document",
			json: `{"update_id":9,"message":` + msg(`"document":{"file_id":"D","file_unique_id":"d","file_name":"a.pdf"},"caption":"see"`) + `}`,
			want: private(bot.Inbound{UpdateID: 9, Other: "document", Text: "see"}), // screened, never an answer
		},
		{
			name: "video",
			json: `{"update_id":10,"message":` + msg(`"video":{"file_id":"V","file_unique_id":"v","width":1,"height":1,"duration":3}`) + `}`,
			want: private(bot.Inbound{UpdateID: 10, Other: "video"}),
		},
		{
			name: "dice",
			json: `{"update_id":11,"message":` + msg(`"dice":{"emoji":"🎲","value":3}`) + `}`,
			want: private(bot.Inbound{UpdateID: 11, Other: "poll"}),
		},
		{
			name: "service message",
			json: `{"update_id":12,"message":` + msg(`"new_chat_title":"x"`) + `}`,
			want: private(bot.Inbound{UpdateID: 12, Other: "other"}),
		},
		{
			name: "edited message",
			json: `{"update_id":13,"edited_message":` + msg(`"edit_date":1700000100,"text":"corrected"`) + `}`,
			want: private(bot.Inbound{UpdateID: 13, Other: bot.OtherEdited, Text: "corrected"}),
		},
		{
			name: "edited caption",
			json: `{"update_id":113,"edited_message":` + msg(`"edit_date":1700000100,"photo":[{"file_id":"P","file_unique_id":"p","width":1,"height":1}],"caption":"I am not safe"`) + `}`,
			want: private(bot.Inbound{UpdateID: 113, Other: bot.OtherEdited, Text: "I am not safe"}),
		},
		{
			name: "callback in a private chat",
			json: `{"update_id":14,"callback_query":{"id":"cb1","from":{"id":77,"is_bot":false,"first_name":"Sven","language_code":"sv"},` +
				`"message":{"message_id":3,"from":` + botFrom + `,"chat":` + ainoChat + `,"date":1700000000,"text":"Q?",` +
				`"reply_markup":{"inline_keyboard":[[{"text":"Yes","callback_data":"q1:yes"}]]}},"chat_instance":"1","data":"q1:yes"}}`,
			want: bot.Inbound{UpdateID: 14, ChatID: 77, UserID: 77, Private: true, Lang: "sv", FirstName: "Sven",
				Data: "q1:yes", CallbackID: "cb1", MessageID: 3},
		},
		{
			// Telegram sends date 0 for a message the bot can no longer
			// see: no message id, so the bot does not try to edit it.
			name: "callback on an inaccessible message",
			json: `{"update_id":15,"callback_query":{"id":"cb2","from":` + aino + `,` +
				`"message":{"chat":` + ainoChat + `,"message_id":3,"date":0},"chat_instance":"1","data":"q1:no"}}`,
			want: private(bot.Inbound{UpdateID: 15, Data: "q1:no", CallbackID: "cb2"}),
		},
		{
			name: "callback without data",
			json: `{"update_id":16,"callback_query":{"id":"cb3","from":` + aino + `,` +
				`"message":{"message_id":3,"from":` + botFrom + `,"chat":` + ainoChat + `,"date":1700000000},"chat_instance":"1","game_short_name":"g"}}`,
			want: private(bot.Inbound{UpdateID: 16, Data: "?", CallbackID: "cb3", MessageID: 3}),
		},
		{
			name: "callback in a group",
			json: `{"update_id":17,"callback_query":{"id":"cb4","from":` + aino + `,` +
				`"message":{"message_id":9,"from":` + botFrom + `,"chat":` + groupChat + `,"date":1700000000},"chat_instance":"1","data":"x"}}`,
			want: bot.Inbound{UpdateID: 17, ChatID: -100, UserID: 77, Lang: "fi", FirstName: "Aino", Data: "x", CallbackID: "cb4", MessageID: 9},
		},
		{
			name: "group message",
			json: `{"update_id":18,"message":{"message_id":6,"from":` + aino + `,"chat":` + groupChat + `,"date":1700000000,"text":"hello all"}}`,
			want: bot.Inbound{UpdateID: 18, ChatID: -100, UserID: 77, Lang: "fi", FirstName: "Aino", Text: "hello all"},
		},
		{
			name: "anonymous group admin",
			json: `{"update_id":19,"message":{"message_id":6,"sender_chat":` + groupChat + `,"chat":` + groupChat + `,"date":1700000000,"text":"hi"}}`,
			want: bot.Inbound{UpdateID: 19, ChatID: -100, UserID: -100, Text: "hi"},
		},
		{
			name: "blocked in the private chat",
			json: `{"update_id":20,"my_chat_member":{"chat":` + ainoChat + `,"from":` + aino + `,"date":1700000000,` +
				`"old_chat_member":{"status":"member","user":` + botFrom + `},"new_chat_member":{"status":"kicked","user":` + botFrom + `,"until_date":0}}}`,
			want: bot.Inbound{UpdateID: 20, ChatID: 77, UserID: 77, Private: true, Other: bot.OtherBlocked},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u update
			if err := json.Unmarshal([]byte(tt.json), &u); err != nil {
				t.Fatalf("bad test update: %v", err)
			}
			got, ok := u.decode()
			if !ok {
				t.Fatalf("decode ignored the update")
			}
			if !equalInbound(got, tt.want) {
				t.Errorf("decode =\n  %s\nwant\n  %s", show(got), show(tt.want))
			}
			// The intake orders by the head's chat: it must be the chat the
			// service sees.
			if c := u.chat(); c != got.ChatID {
				t.Errorf("head's chat = %d, decoded ChatID = %d", c, got.ChatID)
			}
		})
	}
}

func TestDecodeIgnored(t *testing.T) {
	tests := map[string]string{
		"empty":              `{"update_id":1}`,
		"channel post":       `{"update_id":2,"channel_post":{"message_id":1,"chat":{"id":-1001,"type":"channel","title":"c"},"date":1700000000,"text":"news"}}`,
		"inline query":       `{"update_id":3,"inline_query":{"id":"q","from":` + aino + `,"query":"x","offset":""}}`,
		"poll state":         `{"update_id":4,"poll":{"id":"p","question":"?","options":[],"total_voter_count":0,"is_closed":false,"is_anonymous":true,"type":"regular","allows_multiple_answers":false}}`,
		"chat member update": `{"update_id":5,"chat_member":{"chat":` + groupChat + `,"from":` + aino + `,"date":1,"old_chat_member":{"status":"left","user":` + aino + `},"new_chat_member":{"status":"member","user":` + aino + `}}}`,
		"unblocked": `{"update_id":6,"my_chat_member":{"chat":` + ainoChat + `,"from":` + aino + `,"date":1,` +
			`"old_chat_member":{"status":"kicked","user":` + botFrom + `,"until_date":0},"new_chat_member":{"status":"member","user":` + botFrom + `}}}`,
		"removed from a group": `{"update_id":7,"my_chat_member":{"chat":` + groupChat + `,"from":` + aino + `,"date":1,` +
			`"old_chat_member":{"status":"member","user":` + botFrom + `},"new_chat_member":{"status":"kicked","user":` + botFrom + `,"until_date":0}}}`,
	}
	for name, js := range tests {
		t.Run(name, func(t *testing.T) {
			var u update
			if err := json.Unmarshal([]byte(js), &u); err != nil {
				t.Fatalf("bad test update: %v", err)
			}
			if in, ok := u.decode(); ok {
				t.Errorf("decode = %s, want ignored", show(in))
			}
		})
	}
}

// FuzzDecode: any bytes from Telegram (or pretending to be) are read
// without a panic, and a decoded update is ordered by the chat the
// service sees.
func FuzzDecode(f *testing.F) {
	for _, js := range []string{
		`{"update_id":1,"message":` + msg(`"text":"hi"`) + `}`,
		`{"update_id":2,"callback_query":{"id":"q","from":` + aino + `,"message":{"message_id":9,"chat":` + ainoChat + `,"date":0},"data":"x"}}`,
		`{"update_id":3,"edited_message":` + msg(`"caption":"help"`) + `}`,
		`{"update_id":4,"my_chat_member":{"chat":` + ainoChat + `,"from":` + aino + `,"new_chat_member":{"status":"kicked"}}}`,
		`{"update_id":5,"message":{"chat":{"id":"x"}}}`,
		`[1,2]`,
	} {
		f.Add([]byte(js))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		u := readUpdate(raw, 7)
		in, ok := u.decode()
		if ok && in.ChatID != u.chat() {
			t.Errorf("decoded ChatID %d, but the intake orders by chat %d", in.ChatID, u.chat())
		}
	})
}

func equalInbound(a, b bot.Inbound) bool {
	if (a.Media == nil) != (b.Media == nil) || a.Media != nil && *a.Media != *b.Media {
		return false
	}
	a.Media, b.Media = nil, nil
	return a == b
}

func show(in bot.Inbound) string {
	s, _ := json.Marshal(in)
	return string(s)
}
