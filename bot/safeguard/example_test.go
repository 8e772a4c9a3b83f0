package safeguard_test

import (
	"fmt"

	"github.com/cosie/cosiebot/bot/safeguard"
)

func ExampleLexicon_Detect() {
	lex, err := safeguard.Default()
	if err != nil {
		panic(err)
	}
	for _, msg := range []string{
		"Jag vill inte leva längre",
		"this queue is killing me",
		"🆘 Tarvitsen apua nyt",
	} {
		m, ok := lex.Detect(msg, []string{"fi", "sv"})
		fmt.Println(ok, m.Category, m.Category.Crisis())
	}
	// Output:
	// true suicide true
	// false  false
	// true help false
}
