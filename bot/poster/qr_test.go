package poster

import (
	"bytes"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/poster/postertest"
)

var links = []string{
	"https://t.me/cosie_bot?start=turku",
	"https://t.me/cosie_bot?start=turkuSlibrary",
	"https://t.me/cosie_bot?start=reggio_emiliaSjobcentre-deskC0f3kz9q2m7wxa",
	// The longest: a 32-character username and a 63-character payload.
	"https://t.me/" + strings.Repeat("a", 29) + "bot?start=" + strings.Repeat("p", 32) + "S" + strings.Repeat("s", 16) + "C0f3kz9q2m7wxa",
}

func TestQRScansBack(t *testing.T) {
	for _, link := range links {
		q, err := NewQR(link)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := q.PNG(&buf, 8); err != nil {
			t.Fatal(err)
		}
		if got := postertest.Scan(t, buf.Bytes()); got != link {
			t.Errorf("the QR code of %q reads %q", link, got)
		}
	}
}

func TestQRPNG(t *testing.T) {
	q, err := NewQR(links[1])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := q.PNG(&buf, 3); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	side := q.Modules() * 3
	if b := img.Bounds(); b.Dx() != side || b.Dy() != side {
		t.Fatalf("PNG is %v, want %dx%d", b, side, side)
	}
	dark := func(x, y int) bool { r, _, _, _ := img.At(x, y).RGBA(); return r == 0 }
	for i := range side {
		for _, p := range [][2]int{{i, 0}, {0, i}, {i, side - 1}, {side - 1, i}, {i, QuietZone*3 - 1}} {
			if dark(p[0], p[1]) {
				t.Fatalf("pixel %v of the quiet zone is dark", p)
			}
		}
	}
	// The top-left finder pattern starts right after the quiet zone.
	if !dark(QuietZone*3, QuietZone*3) || !dark(QuietZone*3+20, QuietZone*3) {
		t.Error("no finder pattern at the top left")
	}
	if err := q.PNG(&buf, 0); err == nil {
		t.Error("a scale of 0 was accepted")
	}
}

// The SVG draws exactly the dark modules.
func TestQRSVG(t *testing.T) {
	q, err := NewQR(links[2])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := q.SVG(&buf, 50); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	n := q.Modules()
	if !strings.Contains(svg, `width="50mm" height="50mm" viewBox="0 0 `+strconv.Itoa(n)+" "+strconv.Itoa(n)+`"`) {
		t.Errorf("SVG header wrong: %.200s", svg)
	}
	if !strings.Contains(svg, "<title>"+strings.ReplaceAll(links[2], "&", "&amp;")+"</title>") {
		t.Error("SVG has no title with the link")
	}
	drawn := make([][]bool, n)
	for y := range drawn {
		drawn[y] = make([]bool, n)
	}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := range w {
			drawn[y][x+i] = true
		}
	}
	for y := range n {
		for x := range n {
			if drawn[y][x] != q.Dark(x, y) {
				t.Fatalf("module (%d,%d): SVG draws %v, code has %v", x, y, drawn[y][x], q.Dark(x, y))
			}
		}
	}
}

func TestQRErrors(t *testing.T) {
	if _, err := NewQR(""); err == nil {
		t.Error("an empty QR code was made")
	}
	if _, err := NewQR(strings.Repeat("x", 5000)); err == nil {
		t.Error("a QR code too long for any version was made")
	}
}
