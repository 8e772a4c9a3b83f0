package telegram

import (
	"strconv"
	"testing"

	"github.com/cosie/cosiebot/bot/telegram/telegramtest"
)

// BenchmarkReceiverStore measures intake: writing a getUpdates batch of
// 100 updates to the inbox, which comes before Telegram is told they are
// kept and before the next batch is asked for. A chat flooding the bot
// costs the same per update as 100 chats: every update is one call.
func BenchmarkReceiverStore(b *testing.B) {
	for _, bc := range []struct {
		name  string
		chats int64
	}{{"100 chats", 100}, {"one chat flooding", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			srv := telegramtest.New(b, testToken)
			st := openStore(b)
			r := NewReceiver(connectTo(b, srv, nil), st, ReceiverOptions{MaxWaiting: 10})
			ctx := b.Context()
			id := int64(1)
			for b.Loop() {
				batch := make([]rawUpdate, 100)
				for i := range batch {
					chat := 1000 + int64(i)%bc.chats
					batch[i] = rawUpdate{ID: id, Raw: []byte(textUpdate(id, chat, "en", "hello "+strconv.Itoa(i)))}
					id++
				}
				if _, err := r.store(ctx, batch, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/100, "µs/update")
		})
	}
}
