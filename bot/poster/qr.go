package poster

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"

	"github.com/tdewolff/canvas"
	qrcode "github.com/yeqown/go-qrcode/v2"
)

// QuietZone is the white margin around a QR code, in modules: the 4 the
// standard asks for, so that phones find the code on a busy wall.
const QuietZone = 4

// QR is a QR code symbol, made with the highest error correction (H: 30%
// of the code can be torn, dirty or covered and it still reads).
type QR struct {
	text string
	size int      // modules per side, without the quiet zone
	dark [][]bool // [y][x]
}

// NewQR encodes text.
func NewQR(text string) (*QR, error) {
	if text == "" {
		return nil, fmt.Errorf("nothing to put in the QR code")
	}
	code, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionHighest))
	if err != nil {
		return nil, fmt.Errorf("make QR code for %q: %w", text, err)
	}
	var m matrix
	if err := code.Save(&m); err != nil {
		return nil, fmt.Errorf("make QR code for %q: %w", text, err)
	}
	bits := m.Bitmap()
	return &QR{text: text, size: len(bits), dark: bits}, nil
}

// matrix receives the symbol from the QR library.
type matrix struct{ qrcode.Matrix }

func (m *matrix) Write(mat qrcode.Matrix) error { m.Matrix = mat; return nil }
func (m *matrix) Close() error                  { return nil }

// Text is what the code says.
func (q *QR) Text() string { return q.text }

// Modules is the number of modules per side with the quiet zone.
func (q *QR) Modules() int { return q.size + 2*QuietZone }

// Dark reports whether module (x, y) is dark; coordinates count the quiet
// zone, so they run from 0 to Modules()-1.
func (q *QR) Dark(x, y int) bool {
	x, y = x-QuietZone, y-QuietZone
	return x >= 0 && y >= 0 && x < q.size && y < q.size && q.dark[y][x]
}

// runs calls fn for each horizontal run of dark modules, in quiet-zone
// coordinates: row y, columns x to x+n-1.
func (q *QR) runs(fn func(x, y, n int)) {
	for y := range q.Modules() {
		for x := 0; x < q.Modules(); {
			if !q.Dark(x, y) {
				x++
				continue
			}
			n := 1
			for q.Dark(x+n, y) {
				n++
			}
			fn(x, y, n)
			x += n
		}
	}
}

// PNG writes the code as a black and white PNG, scale pixels per module.
func (q *QR) PNG(w io.Writer, scale int) error {
	if scale < 1 {
		return fmt.Errorf("QR scale %d: give at least 1 pixel per module", scale)
	}
	side := q.Modules() * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	q.runs(func(x, y, n int) {
		for py := y * scale; py < (y+1)*scale; py++ {
			for px := x * scale; px < (x+n)*scale; px++ {
				img.SetColorIndex(px, py, 1)
			}
		}
	})
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("write QR PNG: %w", err)
	}
	return nil
}

// SVG writes the code as an SVG image sizeMM millimetres wide, quiet zone
// included; the drawing scales to any size.
func (q *QR) SVG(w io.Writer, sizeMM float64) error {
	bw := bufio.NewWriter(w)
	n := q.Modules()
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%gmm" height="%gmm" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+"\n", sizeMM, sizeMM, n, n)
	fmt.Fprintf(bw, "<title>%s</title>\n", xmlEscape(q.text))
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="#fff"/>`+"\n"+`<path fill="#000" d="`, n, n)
	q.runs(func(x, y, n int) { fmt.Fprintf(bw, "M%d %dh%dv1h-%dz", x, y, n, n) })
	fmt.Fprint(bw, "\"/>\n</svg>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write QR SVG: %w", err)
	}
	return nil
}

// path is the dark modules as one path, module mm wide, with (0, 0) at the
// top-left corner of the quiet zone; the code extends downwards (negative
// y), as a canvas's y axis points up.
func (q *QR) path(module float64) *canvas.Path {
	p := &canvas.Path{}
	q.runs(func(x, y, n int) {
		x0, x1 := float64(x)*module, float64(x+n)*module
		y0, y1 := -float64(y)*module, -float64(y+1)*module
		p.MoveTo(x0, y0)
		p.LineTo(x1, y0)
		p.LineTo(x1, y1)
		p.LineTo(x0, y1)
		p.Close()
	})
	return p
}
