package poster

import (
	"bytes"
	"errors"
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cosie/cosiebot/bot/poster/postertest"
	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/renderers/rasterizer"
	"rsc.io/pdf"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

const link = "https://t.me/cosie_bot?start=turkuSlibrary"

// samples are posters in each script the fonts cover.
var samples = map[string]Content{
	"en": {Lang: "en", Name: "Turku youth services", Invite: "Tell us how we did: scan the code with your phone camera to chat with us on Telegram.",
		Privacy: "Your answers are anonymous. Only the Turku youth services team reads them, and they are deleted after a year.", Link: link},
	"ar": {Lang: "ar", Name: "خدمات الشباب في Turku", Invite: "أخبرنا برأيك في خدماتنا: امسح الرمز بكاميرا هاتفك لتتحدث معنا على Telegram.",
		Privacy: "إجاباتك مجهولة الهوية. لا يقرؤها إلا فريق المشروع، وتُحذف بعد سنة.", Link: link},
	"fa": {Lang: "fa", Name: "خدمات جوانان تورکو", Invite: "نظرتان را به ما بگویید: کد را با دوربین گوشی اسکن کنید تا گفتگو در تلگرام باز شود.",
		Privacy: "پاسخ‌های شما بی‌نام است و پس از ۱۲ ماه پاک می‌شود.", Link: link},
	"ti": {Lang: "ti", Name: "ናይ ቱርኩ ኣገልግሎት መንእሰያት", Invite: "ብዛዕባ ኣገልግሎትና ርእይቶኻ ንገረና። ኮድ ብካሜራ ተሌፎንካ ስካን ግበር።",
		Privacy: "መልስታትካ ስም ዘይብሎም እዮም። ጉጅለ ፕሮጀክት ጥራይ እዩ ዘንብቦም።", Link: link},
	"el": {Lang: "el", Name: "Υπηρεσίες νεολαίας του Τούρκου", Invite: "Πείτε μας τη γνώμη σας: σαρώστε τον κωδικό με την κάμερα του κινητού σας.",
		Privacy: "Οι απαντήσεις σας είναι ανώνυμες. Μόνο η ομάδα του έργου τις διαβάζει.", Link: link},
	"uk": {Lang: "uk", Name: "Молодіжні служби Турку", Invite: "Розкажіть нам, як ми працюємо: скануйте код камерою телефону.",
		Privacy: "Ваші відповіді анонімні. Їх читає лише команда проєкту.", Link: link},
}

func loadFonts(t *testing.T) *Fonts {
	t.Helper()
	f, err := LoadFonts()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Golden posters: one left to right, one right to left. After a change,
// look at them (rsvg-convert -d 100 -p 100 FILE -o FILE.png) before
// committing the new files made with -update.
func TestPosterSVGGolden(t *testing.T) {
	f := loadFonts(t)
	for _, lang := range []string{"en", "ar"} {
		p, err := f.Layout(samples[lang], A5)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := p.WriteSVG(&buf); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "poster-"+lang+"-a5.svg")
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./bot/poster -update to make it)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s poster differs from %s; if the change is meant, look at it and run go test ./bot/poster -update", lang, golden)
		}
		if !strings.Contains(buf.String(), "<title>"+samples[lang].Name+"</title>") {
			t.Errorf("%s poster SVG has no title", lang)
		}
	}
}

func TestPosterPDF(t *testing.T) {
	f := loadFonts(t)
	for _, tt := range []struct {
		lang  string
		paper Paper
		w, h  float64 // points
	}{
		{"en", A4, 595.28, 841.89},
		{"ar", A5, 419.53, 595.28},
		{"ti", A5, 419.53, 595.28},
	} {
		p, err := f.Layout(samples[tt.lang], tt.paper)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := p.WritePDF(&buf); err != nil {
			t.Fatal(err)
		}
		r, err := pdf.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("%s %s: not a PDF: %v", tt.lang, tt.paper.Name, err)
		}
		if r.NumPage() != 1 {
			t.Errorf("%s %s: %d pages, want 1", tt.lang, tt.paper.Name, r.NumPage())
		}
		box := r.Page(1).V.Key("MediaBox")
		got := []float64{box.Index(0).Float64(), box.Index(1).Float64(), box.Index(2).Float64(), box.Index(3).Float64()}
		if got[0] != 0 || got[1] != 0 || math.Abs(got[2]-tt.w) > 0.01 || math.Abs(got[3]-tt.h) > 0.01 {
			t.Errorf("%s %s: page is %v pt, want %v x %v", tt.lang, tt.paper.Name, got, tt.w, tt.h)
		}
		if title := r.Trailer().Key("Info").Key("Title").Text(); title != samples[tt.lang].Name {
			t.Errorf("%s %s: PDF title %q", tt.lang, tt.paper.Name, title)
		}
		if lang := r.Trailer().Key("Root").Key("Lang").Text(); lang != tt.lang {
			t.Errorf("%s %s: PDF language %q", tt.lang, tt.paper.Name, lang)
		}
	}
}

// A phone must read the code on the printed poster: render the page to
// pixels at about 150 dpi and scan it.
func TestPosterScansBack(t *testing.T) {
	f := loadFonts(t)
	for _, lang := range []string{"en", "ar", "ti"} {
		p, err := f.Layout(samples[lang], A5)
		if err != nil {
			t.Fatal(err)
		}
		img := rasterizer.Draw(p.canvas, canvas.DPMM(6), canvas.DefaultColorSpace)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if got := postertest.Scan(t, buf.Bytes()); got != link {
			t.Errorf("%s poster's code reads %q, want %q", lang, got, link)
		}
	}
}

// Every script lays out on both papers with a code of at least 6 cm on A5.
func TestPosterEveryScript(t *testing.T) {
	f := loadFonts(t)
	for lang, c := range samples {
		for _, paper := range []Paper{A5, A4} {
			p, err := f.Layout(c, paper)
			if err != nil {
				t.Errorf("%s %s: %v", lang, paper.Name, err)
				continue
			}
			q, _ := NewQR(c.Link)
			symbol := p.qrRect.W() * float64(q.size) / float64(q.Modules())
			if symbol < 60*paper.Width/A5.Width {
				t.Errorf("%s %s: the code is %.1f mm wide", lang, paper.Name, symbol)
			}
		}
	}
}

func TestPosterErrors(t *testing.T) {
	f := loadFonts(t)
	long := samples["en"]
	long.Invite = strings.Repeat("Please tell us what you think about our services. ", 12)
	chinese := samples["en"]
	chinese.Name = "Turku 青年服务"
	empty := samples["en"]
	empty.Privacy = " "
	plain := samples["en"]
	plain.Link = "t.me/cosie_bot?start=turku"
	for _, tt := range []struct {
		name string
		c    Content
		want string
	}{
		{"too long", long, "the invitation is too long for an A5 poster"},
		{"no font", chinese, "U+9752"},
		{"empty", empty, "privacy line is empty"},
		{"not https", plain, "give the https:// link"},
	} {
		_, err := f.Layout(tt.c, A5)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.want)
		}
	}
	_, err := f.Layout(long, A5)
	if !errors.Is(err, errTooLong) {
		t.Errorf("too long: %v does not wrap errTooLong", err)
	}
	// Texts that fit their lines can still leave no room for the code
	// together; Layout then tries smaller type.
	crowded := samples["en"]
	crowded.Name = strings.Repeat("Youth services ", 2)
	crowded.Invite = strings.Repeat("Tell us what you think. ", 6)
	crowded.Privacy = strings.Repeat("Your answers are anonymous. ", 10)
	q, err := NewQR(crowded.Link)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.fit(crowded, A5, q, 1); err == nil || !strings.Contains(err.Error(), "no room for a 6 cm QR code") {
		t.Errorf("crowded: %v", err)
	}
	if _, err := f.Layout(crowded, A5); err != nil {
		t.Errorf("crowded, in smaller type: %v", err)
	}
}

func TestPickFonts(t *testing.T) {
	// Font 0 has Latin and the space, font 1 Arabic, the space and
	// brackets, font 2 Ethiopic and the space.
	has := func(font int, r rune) bool {
		switch {
		case r == ' ':
			return true
		case font == 0:
			return r < 0x250
		case font == 1:
			return r >= 0x600 && r <= 0x6ff || r == '(' || r == ')' || r == '.'
		default:
			return r >= 0x1200 && r <= 0x139f
		}
	}
	for _, tt := range []struct {
		s    string
		want []int
	}{
		{"ab c", []int{0, 0, 0, 0}},
		{"في Turku", []int{1, 1, 1, 0, 0, 0, 0, 0}}, // the space stays with the Arabic before it
		{"(أو)", []int{1, 1, 1, 1}},                 // brackets join the Arabic after them
		{"ab (أو", []int{0, 0, 0, 0, 1, 1}},         // the space stays Latin, the bracket is Arabic's
		{"ናይ ቱ", []int{2, 2, 2, 2}},
		{"\u200fأ", []int{1, 1}}, // an invisible mark no font has takes the next letter's font
		{"a\u200fb", []int{0, 0, 0}},
	} {
		got, err := pickFonts([]rune(tt.s), has, 3)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("pickFonts(%q) = %v, %v; want %v", tt.s, got, err, tt.want)
		}
	}
	if _, err := pickFonts([]rune("a中"), has, 3); err == nil || !strings.Contains(err.Error(), "U+4E2D") {
		t.Errorf("a character no font has: %v", err)
	}
	if _, err := pickFonts([]rune("a\u00a0b"), func(f int, r rune) bool { return r != '\u00a0' }, 1); err != nil {
		t.Errorf("a space no font has should be left to the shaper: %v", err)
	}
}

func TestPaperNamed(t *testing.T) {
	for name, want := range map[string]Paper{"a4": A4, "A5": A5} {
		if got, err := PaperNamed(name); err != nil || got != want {
			t.Errorf("PaperNamed(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := PaperNamed("letter"); err == nil || !strings.Contains(err.Error(), "use a4 or a5") {
		t.Errorf("PaperNamed(letter): %v", err)
	}
}

// Loading the fonts is the slow part of a poster; the qr command does it
// once for all languages.
func BenchmarkLoadFonts(b *testing.B) {
	for b.Loop() {
		if _, err := LoadFonts(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLayoutArabicA5(b *testing.B) {
	f, err := LoadFonts()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := f.Layout(samples["ar"], A5)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.WritePDF(&bytes.Buffer{}); err != nil {
			b.Fatal(err)
		}
	}
}
