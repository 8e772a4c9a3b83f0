package poster

import (
	"embed"
	"fmt"
	"unicode"

	"github.com/tdewolff/canvas"
)

// The fonts are subsets of Noto Sans (Latin, Greek, Cyrillic), Noto Sans
// Arabic (Arabic, Persian, Urdu) and Noto Sans Ethiopic (Tigrinya,
// Amharic), as WOFF2: about 390 KB for all six. fonts/subset.sh remakes
// them; fonts/OFL.txt is their licence.
//
//go:embed fonts/*.woff2
var fontFiles embed.FS

// families in fallback order: a character takes the first family that has
// a glyph for it.
var families = []string{"NotoSans", "NotoSansArabic", "NotoSansEthiopic"}

// Fonts are the loaded poster fonts. Load them once and reuse them for
// every poster of a run: loading decompresses and parses every font. They
// are not safe for concurrent use (the text shapers keep caches): give each
// goroutine its own.
type Fonts struct {
	regular, bold []*canvas.Font // in the order of families
}

// LoadFonts loads the embedded fonts.
func LoadFonts() (*Fonts, error) {
	f := &Fonts{}
	for _, fam := range families {
		for _, w := range []struct {
			name  string
			style canvas.FontStyle
			into  *[]*canvas.Font
		}{{"Regular", canvas.FontRegular, &f.regular}, {"Bold", canvas.FontBold, &f.bold}} {
			name := "fonts/" + fam + "-" + w.name + ".woff2"
			data, err := fontFiles.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("poster font %s: %w", name, err)
			}
			font, err := canvas.LoadFont(data, 0, w.style)
			if err != nil {
				return nil, fmt.Errorf("poster font %s: %w", name, err)
			}
			*w.into = append(*w.into, font)
		}
	}
	return f, nil
}

// style is how one block of poster text looks.
type style struct {
	bold  bool
	size  float64 // points
	color canvas.Paint
}

// richText sets s in the fonts of st, each character in the first font
// that has it, for the poster language lang (which picks language-specific
// glyphs, such as Persian forms of Arabic letters). It fails on a
// character no font has, which would print as an empty box.
func (f *Fonts) richText(s, lang string, st style) (*canvas.RichText, error) {
	fonts := f.regular
	if st.bold {
		fonts = f.bold
	}
	runes := []rune(s)
	pick, err := pickFonts(runes, func(font int, r rune) bool { return fonts[font].GlyphIndex(r) != 0 }, len(fonts))
	if err != nil {
		return nil, err
	}
	// Two equal faces per font, taking turns word by word: canvas merges
	// neighbouring spans of one face, and in right-to-left text the merged
	// span puts each space on the wrong side of its word. Spans with
	// different faces stay apart and are ordered right.
	faces := make([][2]*canvas.FontFace, len(fonts))
	face := func(font, turn int) *canvas.FontFace {
		if faces[font][turn] == nil {
			ff := fonts[font].Face(st.size, st.color)
			ff.Language = lang
			faces[font][turn] = ff
		}
		return faces[font][turn]
	}
	rt := canvas.NewRichText(face(0, 0))
	start, turn := 0, 0
	for i := 1; i <= len(runes); i++ {
		wordStart := i < len(runes) && unicode.IsSpace(runes[i-1]) && !unicode.IsSpace(runes[i])
		if i == len(runes) || pick[i] != pick[start] || wordStart {
			rt.WriteFace(face(pick[start], turn), string(runes[start:i]))
			start = i
		}
		if wordStart {
			turn = 1 - turn
		}
	}
	return rt, nil
}

// pickFonts chooses a font for each rune. Letters and marks take the first
// font that has them. Spaces, digits, punctuation and invisible controls
// stay with the text around them when that font has them, so a line of
// Arabic keeps its own spaces and commas and is shaped as one run.
func pickFonts(runes []rune, has func(font int, r rune) bool, n int) ([]int, error) {
	pick := make([]int, len(runes))
	first := func(r rune) int {
		for i := range n {
			if has(i, r) {
				return i
			}
		}
		return -1
	}
	for i, r := range runes {
		pick[i] = -1
		if !neutral(r) {
			if pick[i] = first(r); pick[i] < 0 {
				return nil, fmt.Errorf("the poster fonts cannot show %q (U+%04X); poster texts can use Latin, Greek, Cyrillic, Arabic and Ethiopic letters", r, r)
			}
		}
	}
	prev := -1
	for i, r := range runes {
		if pick[i] >= 0 {
			prev = pick[i]
			continue
		}
		pick[i] = neighbour(runes, pick, i, prev, has)
		if pick[i] < 0 {
			pick[i] = first(r)
		}
		if pick[i] < 0 {
			if !unicode.Is(unicode.Cf, r) && !unicode.IsSpace(r) {
				return nil, fmt.Errorf("the poster fonts cannot show %q (U+%04X)", r, r)
			}
			pick[i] = max(prev, 0) // an invisible control: the shaper drops it
		}
		prev = pick[i]
	}
	return pick, nil
}

// neighbour is the font of the text before rune i, or else after it, if
// that font has the rune; -1 if neither does.
func neighbour(runes []rune, pick []int, i, prev int, has func(int, rune) bool) int {
	if prev >= 0 && (has(prev, runes[i]) || unicode.Is(unicode.Cf, runes[i])) {
		return prev
	}
	for j := i + 1; j < len(runes); j++ {
		if next := pick[j]; next >= 0 && !neutral(runes[j]) {
			if has(next, runes[i]) || unicode.Is(unicode.Cf, runes[i]) {
				return next
			}
			break
		}
	}
	return -1
}

// neutral runes belong to no script of their own.
func neutral(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.Is(unicode.Cf, r)
}
