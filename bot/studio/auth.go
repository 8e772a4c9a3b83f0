package studio

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Access says who may use the studio.
type Access struct {
	// Local: the studio listens on a loopback address and anyone at this
	// computer may use it, with no login.
	Local bool
	// BotToken and BotUsername are the bot's: the Telegram Login Widget
	// logs coordinators in through the bot, and its answer is signed with
	// a key made from the token.
	BotToken    string
	BotUsername string
	// Coordinators adds coordinators per pilot to those in the flow files
	// (COSIE_COORDINATORS).
	Coordinators map[string][]int64
	// SessionTTL is how long a login lasts (default 8 hours); MaxAuthAge
	// how old a login answer from Telegram may be (default 10 minutes).
	SessionTTL time.Duration
	MaxAuthAge time.Duration
}

// Defaults of Access.
const (
	defaultSessionTTL = 8 * time.Hour
	defaultMaxAuthAge = 10 * time.Minute
)

// login is a coordinator as Telegram vouched for them.
type login struct {
	ID       int64
	Name     string
	AuthDate time.Time
}

// Errors of a login answer.
var (
	errLoginHash    = errors.New("the login answer is not signed by Telegram for this bot")
	errLoginExpired = errors.New("the login answer is too old; log in again")
	errLoginFields  = errors.New("the login answer lacks id, auth_date or hash")
)

// verifyLogin checks a Telegram Login Widget answer as Telegram documents
// it: the hash is the hex HMAC-SHA-256 of the data-check-string (every
// field but hash, as key=value sorted by key, joined by line breaks),
// keyed by the SHA-256 of the bot token; auth_date must be recent.
func verifyLogin(q url.Values, token string, now time.Time, maxAge time.Duration) (login, error) {
	hash, id, date := q.Get("hash"), q.Get("id"), q.Get("auth_date")
	if hash == "" || id == "" || date == "" {
		return login{}, errLoginFields
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "hash" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + q.Get(k)
	}
	secret := sha256.Sum256([]byte(token))
	m := hmac.New(sha256.New, secret[:])
	m.Write([]byte(strings.Join(lines, "\n")))
	want := hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(hash))) {
		return login{}, errLoginHash
	}
	sec, err := strconv.ParseInt(date, 10, 64)
	if err != nil {
		return login{}, errLoginFields
	}
	at := time.Unix(sec, 0)
	if now.Sub(at) > maxAge || at.Sub(now) > time.Minute {
		return login{}, errLoginExpired
	}
	uid, err := strconv.ParseInt(id, 10, 64)
	if err != nil || uid <= 0 {
		return login{}, errLoginFields
	}
	name := q.Get("first_name")
	if name == "" {
		name = q.Get("username")
	}
	return login{ID: uid, Name: name, AuthDate: at}, nil
}

// session is a logged-in coordinator's visit.
type session struct {
	user    int64
	name    string
	csrf    string
	expires time.Time
}

// sessions are kept in memory: a restart logs everyone out.
type sessions struct {
	mu   sync.Mutex
	byID map[string]*session
	ttl  time.Duration
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{byID: map[string]*session{}, ttl: ttl}
}

// start opens a session and returns its id.
func (s *sessions) start(l login, now time.Time) (string, *session) {
	id := randomToken()
	se := &session{user: l.ID, name: l.Name, csrf: randomToken(), expires: now.Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.byID { // forget the expired ones
		if now.After(v.expires) {
			delete(s.byID, k)
		}
	}
	s.byID[id] = se
	return id, se
}

// get returns a live session.
func (s *sessions) get(id string, now time.Time) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	se := s.byID[id]
	if se == nil {
		return nil
	}
	if now.After(se.expires) {
		delete(s.byID, id)
		return nil
	}
	return se
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// viewer is who is asking: anyone at this computer (local), or a
// coordinator who logged in.
type viewer struct {
	local   bool
	user    int64
	name    string
	csrf    string
	session string
}

// sessionCookie names the studio's login cookie.
const sessionCookie = "cosie_studio"

// identify finds the viewer of a request, or nil when they must log in.
func (s *Server) identify(r *http.Request) *viewer {
	if s.access.Local {
		return &viewer{local: true, csrf: s.localCSRF}
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	se := s.sessions.get(c.Value, s.now())
	if se == nil {
		return nil
	}
	return &viewer{user: se.user, name: se.name, csrf: se.csrf, session: c.Value}
}

// coordinates reports whether the viewer may see a pilot.
func (s *Server) coordinates(v *viewer, pilot string, fileCoordinators []int64) bool {
	if v.local {
		return true
	}
	if pilot == "" {
		return false
	}
	return slices.Contains(fileCoordinators, v.user) || slices.Contains(s.access.Coordinators[pilot], v.user)
}

// checkWrite refuses a write without the viewer's CSRF token, or from
// another site.
func checkWrite(r *http.Request, v *viewer) error {
	token := r.Header.Get("X-CSRF-Token")
	if token == "" {
		token = r.PostFormValue("csrf")
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(v.csrf)) != 1 {
		return errors.New("the page is out of date (no valid form token); reload it and try again")
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return fmt.Errorf("a request from %s is not accepted", o)
		}
	}
	return nil
}

// loopbackHost reports whether a request's Host names this computer, so
// a web page elsewhere cannot reach a local studio by renaming itself
// (DNS rebinding).
func loopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// secureRequest reports whether the browser reached the studio over HTTPS
// (directly or through a proxy that says so).
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// Local reports whether the viewer is at this computer (no login).
func (v *viewer) Local() bool { return v.local }

// Name is the logged-in coordinator's first name, for the page header.
func (v *viewer) Name() string { return v.name }
