package bot

import (
	"encoding/json"
	"time"
)

// The durable inbox keeps every update from the moment Telegram handed it
// over until it is handled; these are its types. Intake pushes, workers
// claim a chat's first update, handle it and acknowledge it (or record a
// failed try); an update that fails too often becomes a dead letter.

// InboxShards is how many shards the inbox has: workers wait on each.
// Every replica must use the same number: it is part of the key schema.
const InboxShards = 16

// InboxEntry is one update in the inbox.
type InboxEntry struct {
	Update   int64           `json:"i,omitempty"`
	Chat     int64           `json:"c"`
	Received int64           `json:"r"`           // unix ms
	Raw      json.RawMessage `json:"u,omitempty"` // the update as Telegram sent it
	// SlowDown marks the note the inbox adds when a chat sends more
	// updates than it keeps waiting.
	SlowDown bool `json:"s,omitempty"`
}

// PushResult says what the inbox did with a pushed update.
type PushResult int

// What a push can do with an update.
const (
	Queued    PushResult = iota
	Duplicate            // seen before: Telegram sent it again
	Dropped              // the chat has too many updates waiting
)

// InboxClaim is a chat's first waiting update, claimed by a worker.
type InboxClaim struct {
	Shard int
	Chat  string // the chat's key
	Raw   string // the entry as stored, so exactly it is removed
	Entry InboxEntry
	Tries int // failed tries so far
}

// DeadLetter is an update that failed too often, kept for an operator.
type DeadLetter struct {
	ID    string     `json:"-"` // for replaying or dropping it
	Entry InboxEntry `json:"e"`
	Error string     `json:"x"`
	Tries int        `json:"n"`
	At    time.Time  `json:"at"`
}
