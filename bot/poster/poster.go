// Package poster draws a pilot's Telegram link as a QR code (PNG and SVG)
// and as a printable poster (A4 or A5, SVG or PDF) in one language: the
// pilot's name, a one-line invitation, a large QR code, the link in text
// and the privacy line.
//
// Posters read correctly in every script the embedded fonts cover: Latin,
// Greek, Cyrillic, Arabic and Persian (right to left, joined), and Ethiopic
// (Tigrinya, Amharic). Texts are shaped with HarfBuzz's rules (through
// github.com/tdewolff/canvas) and wrapped to the page. The PDF keeps real
// text, with the fonts subset into it; the SVG draws text as outlines, so it
// looks the same in every viewer and print shop.
//
// Inputs are plain strings, so the package knows nothing of flow files.
package poster

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image/color"
	"io"
	"strings"

	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/renderers/pdf"
	"github.com/tdewolff/canvas/renderers/svg"
	"golang.org/x/text/language"
)

// Paper is a portrait sheet.
type Paper struct {
	Name          string  // "A4"
	Width, Height float64 // millimetres
}

// The supported sheets.
var (
	A4 = Paper{"A4", 210, 297}
	A5 = Paper{"A5", 148, 210}
)

// PaperNamed returns the sheet called name ("a4" or "a5", any case).
func PaperNamed(name string) (Paper, error) {
	for _, p := range []Paper{A4, A5} {
		if strings.EqualFold(name, p.Name) {
			return p, nil
		}
	}
	return Paper{}, fmt.Errorf("paper size %q: use a4 or a5", name)
}

// Content is the text of a poster in one language.
type Content struct {
	Lang    string // BCP 47 tag, such as "fi", "ar" or "ti"
	Name    string // the pilot's name, as citizens know the service
	Invite  string // one line: what to do, and why
	Link    string // the deep link, https://t.me/...; the QR code says the same
	Privacy string // who sees the answers, in a sentence or two
}

func (c Content) check() error {
	var errs []error
	for _, f := range []struct{ name, val string }{{"name", c.Name}, {"invitation", c.Invite}, {"privacy line", c.Privacy}, {"link", c.Link}} {
		if strings.TrimSpace(f.val) == "" {
			errs = append(errs, fmt.Errorf("the poster's %s is empty", f.name))
		}
	}
	if c.Link != "" && (!strings.HasPrefix(c.Link, "https://") || strings.ContainsAny(c.Link, " \t\n")) {
		errs = append(errs, fmt.Errorf("link %q: give the https:// link the QR code opens", c.Link))
	}
	return errors.Join(errs...)
}

// Measures of an A5 poster, in millimetres and points; A4 scales them by
// its width.
const (
	margin     = 12.0
	gap        = 5.0
	qrMax      = 104.0 // side of the code with its quiet zone
	qrMin      = 60.0  // side of the code without its quiet zone: 6 cm
	nameSize   = 30.0
	inviteSize = 19.0
	linkSize   = 12.0
	linkMin    = 8.0
	noteSize   = 11.0
)

// Long texts are set smaller, down to 70%, before the layout gives up.
var textScales = []float64{1, 0.9, 0.8, 0.7}

var (
	ink  = canvas.Paint{Color: color.RGBA{0x12, 0x12, 0x12, 0xff}}
	grey = canvas.Paint{Color: color.RGBA{0x44, 0x44, 0x44, 0xff}}
	rule = canvas.Paint{Color: color.RGBA{0xbb, 0xbb, 0xbb, 0xff}}
)

// Poster is a laid-out poster, ready to write.
type Poster struct {
	paper    Paper
	content  Content
	canvas   *canvas.Canvas
	qrRect   canvas.Rect // for the PDF's clickable link
	linkRect canvas.Rect
}

// layout is where the parts of a poster go.
type layout struct {
	k                        float64 // paper width over A5's
	name, invite, link, note *canvas.Text
	qr                       *QR
	side                     float64 // of the code with its quiet zone, mm
}

// Layout lays out c on paper. It fails when a character is not in the
// fonts, or when the texts are too long to leave room for a 6 cm QR code.
func (f *Fonts) Layout(c Content, paper Paper) (*Poster, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	qr, err := NewQR(c.Link)
	if err != nil {
		return nil, err
	}
	var l *layout
	for _, scale := range textScales {
		if l, err = f.fit(c, paper, qr, scale); err == nil {
			break
		}
		if !errors.Is(err, errTooLong) {
			return nil, err
		}
	}
	if err != nil {
		return nil, err
	}
	return l.draw(c, paper), nil
}

var errTooLong = errors.New("too long")

// fit sets the texts at scale times their usual size and sizes the code
// to the room left.
func (f *Fonts) fit(c Content, paper Paper, qr *QR, scale float64) (*layout, error) {
	l := &layout{k: paper.Width / A5.Width, qr: qr}
	width := paper.Width - 2*margin*l.k
	blocks := []struct {
		what, text string
		st         style
		maxLines   int
		into       **canvas.Text
	}{
		{"the name", c.Name, style{bold: true, size: nameSize * l.k * scale, color: ink}, 3, &l.name},
		{"the invitation", c.Invite, style{size: inviteSize * l.k * scale, color: ink}, 4, &l.invite},
		{"the privacy line", c.Privacy, style{size: noteSize * l.k * scale, color: grey}, 5, &l.note},
	}
	for _, b := range blocks {
		t, err := f.block(b.text, c.Lang, b.st, width)
		if err != nil {
			return nil, fmt.Errorf("%s cannot be printed: %w", b.what, err)
		}
		if t.Overflows || t.Lines() > b.maxLines {
			return nil, fmt.Errorf("%s is %w for an %s poster even in smaller type: shorten it to fit %d lines", b.what, errTooLong, paper.Name, b.maxLines)
		}
		*b.into = t
	}
	var err error
	if l.link, err = f.linkText(c.Link, l.k, width); err != nil {
		return nil, err
	}
	free := paper.Height - 2*margin*l.k - 4*gap*l.k - l.name.Height - l.invite.Height - l.link.Height - l.note.Height
	l.side = min(qrMax*l.k, free)
	if symbol := l.side * float64(qr.size) / float64(qr.Modules()); symbol < qrMin*l.k {
		return nil, fmt.Errorf("the name, invitation and privacy line are %w together for an %s poster: they leave no room for a %.0f cm QR code; shorten them", errTooLong, paper.Name, qrMin*l.k/10)
	}
	return l, nil
}

// draw puts the parts on the page, from the top: name, invitation, the
// code with its link in the middle of the room left, and the privacy line
// at the bottom under a thin rule.
func (l *layout) draw(c Content, paper Paper) *Poster {
	k := l.k
	p := &Poster{paper: paper, content: c, canvas: canvas.New(paper.Width, paper.Height)}
	ctx := canvas.NewContext(p.canvas)
	ctx.SetFillColor(color.White)
	ctx.DrawPath(0, 0, canvas.Rectangle(paper.Width, paper.Height))
	x, width := margin*k, paper.Width-2*margin*k
	y := paper.Height - margin*k
	ctx.DrawText(x, y, l.name)
	y -= l.name.Height + gap*k
	ctx.DrawText(x, y, l.invite)
	y -= l.invite.Height + gap*k
	room := y - (margin*k + l.note.Height + 2*gap*k)
	y -= (room - l.side - gap*k - l.link.Height) / 2
	qx := (paper.Width - l.side) / 2
	ctx.SetFillColor(color.Black)
	ctx.DrawPath(qx, y, l.qr.path(l.side/float64(l.qr.Modules())))
	p.qrRect = canvas.Rect{X0: qx, Y0: y - l.side, X1: qx + l.side, Y1: y}
	y -= l.side + gap*k
	ctx.DrawText(x, y, l.link)
	p.linkRect = canvas.Rect{X0: x, Y0: y - l.link.Height, X1: x + width, Y1: y}
	noteTop := margin*k + l.note.Height
	ctx.SetFill(rule)
	ctx.DrawPath(x, noteTop+gap*k, canvas.Rectangle(width, 0.3*k))
	ctx.DrawText(x, noteTop, l.note)
	return p
}

// block sets a centred paragraph.
func (f *Fonts) block(s, lang string, st style, width float64) (*canvas.Text, error) {
	if isRTL(lang) {
		s = "\u200f" + s // a right-to-left paragraph, even if it starts with a Latin word
	}
	rt, err := f.richText(s, lang, st)
	if err != nil {
		return nil, err
	}
	return rt.ToText(width, 0, canvas.Center, canvas.Top, nil), nil
}

// linkText sets the link, without its https://, on one line, in smaller
// type if need be; a link too long for that breaks before "?start=".
func (f *Fonts) linkText(link string, k, width float64) (*canvas.Text, error) {
	shown := strings.TrimPrefix(link, "https://")
	for size := linkSize * k; size >= linkMin*k; size -= 0.5 * k {
		rt, err := f.richText(shown, "en", style{size: size, color: ink})
		if err != nil {
			return nil, err
		}
		if t := rt.ToText(0, 0, canvas.Left, canvas.Top, nil); t.Width <= width {
			return rt.ToText(width, 0, canvas.Center, canvas.Top, nil), nil
		}
	}
	shown = strings.Replace(shown, "?", "\n?", 1)
	rt, err := f.richText(shown, "en", style{size: linkMin * k, color: ink})
	if err != nil {
		return nil, err
	}
	t := rt.ToText(width, 0, canvas.Center, canvas.Top, nil)
	if t.Overflows {
		return nil, fmt.Errorf("link %q is too long to print", link)
	}
	return t, nil
}

// isRTL reports whether lang is written right to left.
func isRTL(lang string) bool {
	s, _ := language.Make(lang).Script()
	switch s.String() {
	case "Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr":
		return true
	}
	return false
}

// WritePDF writes the poster as a one-page PDF with the fonts it uses
// embedded; the QR code and the link are clickable.
func (p *Poster) WritePDF(w io.Writer) error {
	r := pdf.New(w, p.paper.Width, p.paper.Height, nil)
	// The PDF writer of github.com/tdewolff/canvas (this version) writes
	// the creator where the document language belongs; the language tells
	// screen readers how to read the poster, so it goes in both.
	r.SetInfo(p.content.Name, p.content.Invite, "", "", p.content.Lang)
	r.SetLang(p.content.Lang)
	p.canvas.RenderTo(r)
	r.AddLink(p.content.Link, p.qrRect)
	r.AddLink(p.content.Link, p.linkRect)
	if err := r.Close(); err != nil {
		return fmt.Errorf("write poster PDF: %w", err)
	}
	return nil
}

// WriteSVG writes the poster as SVG, its texts drawn as outlines and also
// given, for screen readers, in the SVG's title.
func (p *Poster) WriteSVG(w io.Writer) error {
	var buf bytes.Buffer
	r := outlines{svg.New(&buf, p.paper.Width, p.paper.Height, &svg.Options{SizeUnits: "mm"})}
	p.canvas.RenderTo(r)
	if err := r.Close(); err != nil {
		return fmt.Errorf("write poster SVG: %w", err)
	}
	out := buf.Bytes()
	i := bytes.IndexByte(out, '>') + 1 // after the <svg ...> tag
	title := fmt.Sprintf("\n<title>%s</title>\n<desc>%s %s %s</desc>\n", xmlEscape(p.content.Name),
		xmlEscape(p.content.Invite), xmlEscape(p.content.Link), xmlEscape(p.content.Privacy))
	if _, err := fmt.Fprintf(w, "%s%s%s\n", out[:i], title, out[i:]); err != nil {
		return fmt.Errorf("write poster SVG: %w", err)
	}
	return nil
}

// outlines renders text as paths.
type outlines struct{ *svg.SVG }

func (r outlines) RenderText(t *canvas.Text, m canvas.Matrix) { t.RenderAsPath(r, m, 0) }

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}
