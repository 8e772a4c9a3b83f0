package translate

import (
	"testing"

	"github.com/cosie/cosiebot/bot/translate/po"
)

func mustRule(t *testing.T, s string) *po.PluralRule {
	t.Helper()
	r, err := po.ParsePluralRule(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
