// Package studio is the web adapter behind `cosiebot studio`: a local web
// app where pilot teams find, fix, try, translate and test their flows,
// and coordinators read their pilots' results as charts. It runs the same
// code as the commands: the checker (flow.Load), the conversation service
// (bot.Service, as `chat`), the scenario runner (as `test`), the digest's
// figures and the export. Every asset is embedded; nothing is fetched
// from elsewhere, except Telegram's login widget on a studio that is not
// local.
package studio

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/cosie/cosiebot/bot"
	"github.com/cosie/cosiebot/bot/courier"
	"github.com/cosie/cosiebot/bot/flow"
	"github.com/cosie/cosiebot/bot/safeguard"
	"github.com/cosie/cosiebot/locales"
)

// SimStore is the store of a simulated chat: the service's store and the
// outbox the direct courier drains.
type SimStore interface {
	bot.Store
	courier.Outbox
}

// Config is what the studio needs.
type Config struct {
	// Dir is the folder of flow files on disk; "" shows FS read only.
	Dir string
	FS  fs.FS
	// Words are the bot's own words, with the pilot team's on top.
	Words *locales.Catalog
	// Reports reads stored answers for results pages; nil when the studio
	// has no Redis (the pages say so).
	Reports bot.Reports
	// PseudonymKey makes the per-pilot pseudonyms of the answers export
	// (as serve's COSIE_PSEUDONYM_KEY); needed with Reports.
	PseudonymKey []byte
	// NewSimStore makes an empty store for one simulated chat and a
	// function that frees it.
	NewSimStore func() (SimStore, func(), error)
	Access      Access
	// Now is the clock (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
}

// Server is the studio's HTTP handler.
type Server struct {
	folder    folder
	words     *locales.Catalog
	reports   bot.Reports
	key       []byte
	access    Access
	sessions  *sessions
	sims      *sims
	now       func() time.Time
	log       *slog.Logger
	localCSRF string
	pages     *pages
	mux       *http.ServeMux
}

// New builds a studio.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.FS == nil:
		return nil, errors.New("studio: no flow folder")
	case cfg.Words == nil:
		return nil, errors.New("studio: no words (locales)")
	case cfg.NewSimStore == nil:
		return nil, errors.New("studio: no store for the simulator")
	case !cfg.Access.Local && (cfg.Access.BotToken == "" || cfg.Access.BotUsername == ""):
		return nil, errors.New("studio: a studio that is not on 127.0.0.1 needs the bot's token and username, for the Telegram login")
	}
	pg, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		folder: folder{dir: cfg.Dir, fsys: cfg.FS}, words: cfg.Words, reports: cfg.Reports, key: cfg.PseudonymKey, access: cfg.Access,
		now: cfg.Now, log: cfg.Logger, localCSRF: randomToken(), pages: pg,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.access.SessionTTL = cmp.Or(s.access.SessionTTL, defaultSessionTTL)
	s.access.MaxAuthAge = cmp.Or(s.access.MaxAuthAge, defaultMaxAuthAge)
	s.sessions = newSessions(s.access.SessionTTL)
	s.sims = newSims(cfg.NewSimStore, s.now)
	s.routes()
	return s, nil
}

// Close ends every simulated chat.
func (s *Server) Close() { s.sims.closeAll() }

// ServeHTTP serves the studio.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	if s.access.Local && !loopbackHost(r.Host) {
		http.Error(w, "This studio only answers on this computer (127.0.0.1 or localhost).", http.StatusMisdirectedRequest)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /static/{name}", s.static)
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("GET /auth/telegram", s.authTelegram)
	m.HandleFunc("POST /logout", s.page(s.logout))
	m.HandleFunc("GET /{$}", s.page(s.index))
	m.HandleFunc("GET /flows/{file}", s.page(s.fileOnly(s.editPage)))
	m.HandleFunc("GET /flows/{file}/picture.svg", s.page(s.fileOnly(s.pictureSVG)))
	m.HandleFunc("POST /flows/{file}/check", s.api(s.fileOnly(s.check)))
	m.HandleFunc("POST /flows/{file}/save", s.api(s.fileOnly(s.save)))
	m.HandleFunc("GET /flows/{file}/texts", s.page(s.fileOnly(s.textsPage)))
	m.HandleFunc("POST /flows/{file}/texts", s.api(s.fileOnly(s.editText)))
	m.HandleFunc("GET /flows/{file}/try", s.page(s.fileOnly(s.tryPage)))
	m.HandleFunc("POST /flows/{file}/sim", s.api(s.fileOnly(s.simStart)))
	m.HandleFunc("POST /sim/{id}", s.api(s.simAct))
	m.HandleFunc("GET /flows/{file}/tests", s.page(s.fileOnly(s.testsPage)))
	m.HandleFunc("POST /flows/{file}/tests", s.api(s.fileOnly(s.runTests)))
	m.HandleFunc("GET /results/{pilot}", s.page(s.pilotOnly(s.resultsPage)))
	m.HandleFunc("GET /results/{pilot}/answers.csv", s.page(s.pilotOnly(s.answersCSV)))
	m.HandleFunc("GET /results/{pilot}/figures.csv", s.page(s.pilotOnly(s.figuresCSV)))
	s.mux = m
}

// handler is a studio handler for a known viewer.
type handler func(w http.ResponseWriter, r *http.Request, v *viewer) error

// httpError is an error with the status to answer it with.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func statusErr(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// page serves a page: a visitor who is not logged in goes to the login.
func (s *Server) page(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.identify(r)
		if v == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if r.Method != http.MethodGet {
			if err := checkWrite(r, v); err != nil {
				s.fail(w, r, statusErr(http.StatusForbidden, "%v", err), false)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r, v); err != nil {
			s.fail(w, r, err, false)
		}
	}
}

// api serves a JSON endpoint: every one is a write, so every one checks
// the CSRF token.
func (s *Server) api(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.identify(r)
		if v == nil {
			s.fail(w, r, statusErr(http.StatusUnauthorized, "you are not logged in (or your login expired); reload the page to log in"), true)
			return
		}
		if err := checkWrite(r, v); err != nil {
			s.fail(w, r, statusErr(http.StatusForbidden, "%v", err), true)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		w.Header().Set("Cache-Control", "no-store")
		if err := h(w, r, v); err != nil {
			s.fail(w, r, err, true)
		}
	}
}

// maxBody bounds what a request may send: a flow file is a few dozen KB.
const maxBody = 2 << 20

// fail answers an error: as JSON for the scripts, as a page for people.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error, asJSON bool) {
	status := http.StatusInternalServerError
	msg := "something went wrong in the studio; see its log"
	var he *httpError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.Is(err, errNoFile):
		status, msg = http.StatusNotFound, "there is no such flow file"
	case errors.Is(err, errReadOnly):
		status, msg = http.StatusConflict, err.Error()
	case errors.Is(err, context.Canceled):
		return
	default:
		s.log.Error("studio", "path", r.URL.Path, "err", err)
	}
	if asJSON {
		writeJSON(w, status, map[string]string{"error": msg})
		return
	}
	w.WriteHeader(status)
	s.render(w, "error", &pageData{Title: "Something is wrong", Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away
}

// readJSON decodes a request body.
func readJSON(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return statusErr(http.StatusBadRequest, "the request is not readable: %v", err)
	}
	return nil
}

// flowFile is a flow file the viewer may see.
type flowFile struct {
	name string
	data []byte
	head header
}

// fileHandler is a handler for one flow file.
type fileHandler func(w http.ResponseWriter, r *http.Request, v *viewer, f *flowFile) error

// fileOnly reads the file named in the path, for a viewer who may see it;
// a file that is not theirs is not found, as one that does not exist.
func (s *Server) fileOnly(h fileHandler) handler {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) error {
		name := r.PathValue("file")
		data, err := s.folder.read(name)
		if err != nil {
			return err
		}
		head := readHeader(data)
		if !s.coordinates(v, head.Pilot.ID, head.Pilot.Coordinators) {
			return errNoFile
		}
		return h(w, r, v, &flowFile{name: name, data: data, head: head})
	}
}

// load checks a flow file's text as `cosiebot check` does.
func (s *Server) load(name string, data []byte) (*flow.Flow, flow.Diagnostics) {
	return flow.Load(name, data, flow.Options{Languages: s.words.Languages(), Scripts: s.words, CheckPhrase: safeguard.CheckPattern})
}
