package studio

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/cosie/cosiebot/bot/flow"
)

//go:embed assets/static assets/templates
var assets embed.FS

// pages are the studio's HTML templates, parsed once.
type pages struct {
	byName map[string]*template.Template
}

func loadPages() (*pages, error) {
	funcs := template.FuncMap{
		"join": strings.Join,
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"svg": func(s string) template.HTML { return template.HTML(s) }, // SVG the studio drew itself, texts escaped
	}
	names, err := fs.Glob(assets, "assets/templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("studio templates: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "assets/templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("studio template %s: %w", base, err)
		}
		p.byName[strings.TrimSuffix(base, ".html")] = t
	}
	return p, nil
}

// pageData is what every page gets; Data is the page's own.
type pageData struct {
	Title   string
	Message string
	Viewer  *viewer
	CSRF    string
	File    string // the flow file the page is about
	Pilot   string // its pilot id
	Tab     string // which of the file's pages this is
	Script  bool   // the page uses studio.js
	Data    any
}

// render writes a page.
func (s *Server) render(w http.ResponseWriter, name string, d *pageData) {
	t := s.pages.byName[name]
	if t == nil {
		http.Error(w, "no page "+name, http.StatusInternalServerError)
		return
	}
	if d.Viewer != nil {
		d.CSRF = d.Viewer.csrf
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		s.log.Error("studio page", "page", name, "err", err)
		http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// static serves the embedded script, style sheet and icon.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data, err := fs.ReadFile(assets, "assets/static/"+name)
	if err != nil || !validName(name) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(data)
}

// pilotEntry is one flow file on the list of pilots.
type pilotEntry struct {
	File      string
	ID        string
	Name      string
	Languages []string
	Nodes     int
	Errors    int
	Warnings  int
	Problem   string // the first error
	HasTests  bool
}

// index lists the pilots the viewer may see.
func (s *Server) index(w http.ResponseWriter, r *http.Request, v *viewer) error {
	names, err := s.folder.names()
	if err != nil {
		return err
	}
	var list []pilotEntry
	for _, name := range names {
		data, err := s.folder.read(name)
		if err != nil {
			return err
		}
		head := readHeader(data)
		if !s.coordinates(v, head.Pilot.ID, head.Pilot.Coordinators) {
			continue
		}
		f, diags := s.load(name, data)
		e := pilotEntry{File: name, ID: head.Pilot.ID, Name: head.Pilot.ID, Errors: len(diags.Errors()), Warnings: len(diags) - len(diags.Errors())}
		if errs := diags.Errors(); len(errs) > 0 {
			e.Problem = fmt.Sprintf("line %d: %s", errs[0].Pos.Line, errs[0].Message)
		}
		if f != nil {
			e.Name, e.Languages, e.Nodes = f.Pilot.Name.Render(f.DefaultLanguage(), nil), f.Pilot.Languages, len(f.Nodes)
		}
		_, test, err := s.folder.readScenario(name)
		if err != nil {
			return err
		}
		e.HasTests = test != nil
		list = append(list, e)
	}
	msg := ""
	if s.folder.dir == "" {
		msg = errReadOnly.Error()
	}
	s.render(w, "index", &pageData{Title: "Pilots", Viewer: v, Message: msg, Data: list})
	return nil
}

// pilotHandler is a handler for one pilot's loaded flow.
type pilotHandler func(w http.ResponseWriter, r *http.Request, v *viewer, f *flow.Flow) error

// pilotOnly finds the flow of the pilot named in the path, for a viewer
// who coordinates it.
func (s *Server) pilotOnly(h pilotHandler) handler {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) error {
		pilot := r.PathValue("pilot")
		names, err := s.folder.names()
		if err != nil {
			return err
		}
		for _, name := range names {
			data, err := s.folder.read(name)
			if err != nil {
				return err
			}
			head := readHeader(data)
			if head.Pilot.ID != pilot {
				continue
			}
			if !s.coordinates(v, pilot, head.Pilot.Coordinators) {
				break
			}
			f, diags := s.load(name, data)
			if f == nil {
				return statusErr(http.StatusConflict, "the flow of %s has errors (%s); fix them in the editor first", pilot, strings.TrimSpace(diags.Errors()[0].String()))
			}
			return h(w, r, v, f)
		}
		return statusErr(http.StatusNotFound, "there is no pilot %q here", pilot)
	}
}

// loginPage shows Telegram's login button, on a studio that is not local.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.access.Local {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	// Telegram's widget is the one thing loaded from elsewhere: logging in
	// with Telegram happens at Telegram.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self' https://telegram.org; frame-src https://oauth.telegram.org; frame-ancestors 'none'; base-uri 'none'")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, "login", &pageData{Title: "Log in", Message: r.URL.Query().Get("problem"), Data: s.access.BotUsername})
}

// authTelegram is where the login widget sends the coordinator back.
func (s *Server) authTelegram(w http.ResponseWriter, r *http.Request) {
	if s.access.Local {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	l, err := verifyLogin(r.URL.Query(), s.access.BotToken, s.now(), s.access.MaxAuthAge)
	if err != nil {
		s.log.Warn("studio login refused", "err", err)
		http.Redirect(w, r, "/login?problem="+url.QueryEscape(err.Error()), http.StatusSeeOther)
		return
	}
	if !s.coordinatesAny(l.ID) {
		s.log.Warn("studio login refused: not a coordinator")
		http.Redirect(w, r, "/login?problem="+url.QueryEscape("you are not a coordinator of any pilot here; ask the pilot team to add you to coordinators: in its flow file"), http.StatusSeeOther)
		return
	}
	id, _ := s.sessions.start(l, s.now())
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: secureRequest(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.access.SessionTTL.Seconds())})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// coordinatesAny reports whether a Telegram user coordinates some pilot.
func (s *Server) coordinatesAny(user int64) bool {
	for _, ids := range s.access.Coordinators {
		if slices.Contains(ids, user) {
			return true
		}
	}
	names, err := s.folder.names()
	if err != nil {
		return false
	}
	for _, name := range names {
		if data, err := s.folder.read(name); err == nil && slices.Contains(readHeader(data).Pilot.Coordinators, user) {
			return true
		}
	}
	return false
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if v.session != "" {
		s.sessions.end(v.session)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: secureRequest(r), MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
