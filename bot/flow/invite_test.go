package flow

import (
	"strings"
	"testing"
)

// The pilot's optional invite: is the invitation line of its posters.
func TestPilotInvite(t *testing.T) {
	src := strings.Replace(string(validFlow(t)), "  languages: [en]\n", "  languages: [fi, en]\n  invite:\n    fi: Kerro mielipiteesi!\n    en: Tell us what you think!\n", 1)
	src = strings.Replace(src, "  name: Demo youth services\n", "  name: {fi: Demon nuorisopalvelut, en: Demo youth services}\n", 1)
	f, diags := Load("invite.yaml", []byte(src), testOptions())
	if f == nil || diags.HasErrors() {
		t.Fatalf("did not load:\n%s", diags)
	}
	for lang, want := range map[string]string{"fi": "Kerro mielipiteesi!", "en": "Tell us what you think!"} {
		if got := f.Pilot.Invite.Render(lang, nil); got != want {
			t.Errorf("invite in %s = %q, want %q", lang, got, want)
		}
	}

	f = mustLoad(t, "valid.yaml", string(validFlow(t)))
	if !f.Pilot.Invite.IsZero() {
		t.Error("a pilot without invite: has one")
	}

	bad := strings.Replace(string(validFlow(t)), "  retention_days: 365\n", "  retention_days: 365\n  invite:\n    sv: Berätta!\n", 1)
	_, diags = Load("bad.yaml", []byte(bad), testOptions())
	if !strings.Contains(diags.String(), `invite has a "sv" translation, but "sv" is not in this pilot's languages`) {
		t.Errorf("a translation in another language: want an error, got:\n%s", diags)
	}
}
