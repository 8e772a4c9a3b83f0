package studio

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "123456:TEST-token-for-the-studio"

// signLogin makes a login answer as Telegram does (the data-check-string
// of the sorted fields, HMAC-SHA-256 keyed by SHA-256 of the token).
func signLogin(token string, fields map[string]string) url.Values {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var lines []string
	q := url.Values{}
	for _, k := range keys {
		lines = append(lines, k+"="+fields[k])
		q.Set(k, fields[k])
	}
	key := sha256.Sum256([]byte(token))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(strings.Join(lines, "\n")))
	q.Set("hash", hex.EncodeToString(m.Sum(nil)))
	return q
}

func loginFields(id int64, at time.Time) map[string]string {
	return map[string]string{"id": strconv.FormatInt(id, 10), "first_name": "Kaisa", "username": "kaisa_c", "auth_date": strconv.FormatInt(at.Unix(), 10)}
}

func TestVerifyLogin(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	good := signLogin(testToken, loginFields(4242, now.Add(-time.Minute)))
	l, err := verifyLogin(good, testToken, now, 10*time.Minute)
	if err != nil || l.ID != 4242 || l.Name != "Kaisa" {
		t.Fatalf("a good answer: %+v %v", l, err)
	}
	tampered := signLogin(testToken, loginFields(4242, now))
	tampered.Set("id", "4243")
	noHash := signLogin(testToken, loginFields(4242, now))
	noHash.Del("hash")
	for name, tc := range map[string]struct {
		q    url.Values
		want error
	}{
		"another bot's":   {signLogin("999:other", loginFields(4242, now)), errLoginHash},
		"changed":         {tampered, errLoginHash},
		"old":             {signLogin(testToken, loginFields(4242, now.Add(-11*time.Minute))), errLoginExpired},
		"from the future": {signLogin(testToken, loginFields(4242, now.Add(5*time.Minute))), errLoginExpired},
		"without hash":    {noHash, errLoginFields},
		"bad id":          {signLogin(testToken, map[string]string{"id": "x", "auth_date": strconv.FormatInt(now.Unix(), 10)}), errLoginFields},
	} {
		if _, err := verifyLogin(tc.q, testToken, now, 10*time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

// clock is a test clock that tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestRemoteAccess: a studio off 127.0.0.1 lets in only coordinators
// logged in with Telegram, shows each their own pilots, wants the form
// token on writes, and forgets logins after a while.
func TestRemoteAccess(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)}
	st := newTestStudio(t, studioOptions{now: clk.now, access: Access{BotToken: testToken, BotUsername: "cosie_test_bot",
		Coordinators: map[string][]int64{"turku": {4242}}, SessionTTL: time.Hour}})
	// Hull's coordinator is in its flow file.
	hull := strings.Replace(st.file(t, "hull.yaml"), "coordinators: []", "coordinators: [5151]", 1)
	if err := os.WriteFile(filepath.Join(st.dir, "hull.yaml"), []byte(hull), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := st.client.Get(st.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("not logged in: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if code, body := st.get(t, "/login"); code != 200 || !strings.Contains(body, `data-telegram-login="cosie_test_bot"`) {
		t.Fatalf("login page: %d", code)
	}
	if code := st.post(t, "/flows/turku.yaml/check", checkRequest{}, nil); code != http.StatusUnauthorized {
		t.Errorf("an API call without login: %d", code)
	}
	// Someone who coordinates nothing is refused.
	login := func(id int64) string {
		res, err := st.client.Get(st.URL + "/auth/telegram?" + signLogin(testToken, loginFields(id, clk.now())).Encode())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header.Get("Location")
	}
	if to := login(777); !strings.HasPrefix(to, "/login?problem=") {
		t.Errorf("a stranger logged in: %s", to)
	}
	if to := login(4242); to != "/" {
		t.Fatalf("the coordinator's login went to %s", to)
	}
	code, body := st.get(t, "/")
	if code != 200 || !strings.Contains(body, "/flows/turku.yaml") || strings.Contains(body, "/flows/hull.yaml") || !strings.Contains(body, "Kaisa") {
		t.Fatalf("turku's coordinator sees: %d\n%s", code, body)
	}
	for _, path := range []string{"/flows/hull.yaml", "/results/hull", "/flows/hull.yaml/try", "/results/hull/answers.csv"} {
		if code, _ := st.get(t, path); code != http.StatusNotFound {
			t.Errorf("turku's coordinator gets %s: %d", path, code)
		}
	}
	// Writes need the session's form token.
	if code := st.post(t, "/flows/turku.yaml/check", checkRequest{Text: st.file(t, "turku.yaml")}, nil); code != http.StatusForbidden {
		t.Errorf("a write without the form token: %d", code)
	}
	st.csrf = formToken(t, body)
	if code := st.post(t, "/flows/turku.yaml/check", checkRequest{Text: st.file(t, "turku.yaml")}, nil); code != 200 {
		t.Errorf("a write with the form token: %d", code)
	}
	// The pilot id cannot be changed to reach another pilot.
	turku := st.file(t, "turku.yaml")
	moved := strings.Replace(turku, "id: turku", "id: hull2", 1)
	var res2 map[string]any
	if code := st.post(t, "/flows/turku.yaml/save", saveRequest{Text: moved, Version: version([]byte(turku))}, &res2); code != http.StatusForbidden {
		t.Errorf("changing the pilot id: %d %v", code, res2)
	}
	// The session ends.
	clk.add(61 * time.Minute)
	if res, err := st.client.Get(st.URL + "/"); err != nil || res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the session's time: %v %v", err, res.StatusCode)
	}
	// Hull's coordinator sees Hull only; logging out ends the session.
	if to := login(5151); to != "/" {
		t.Fatalf("hull's coordinator: %s", to)
	}
	_, body = st.get(t, "/")
	if !strings.Contains(body, "/flows/hull.yaml") || strings.Contains(body, "/flows/turku.yaml") {
		t.Errorf("hull's coordinator sees:\n%s", body)
	}
	form := url.Values{"csrf": {formToken(t, body)}}
	res, err = st.client.PostForm(st.URL+"/logout", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res, _ := st.client.Get(st.URL + "/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after logging out: %d", res.StatusCode)
	}
}

// formToken reads the page's CSRF token.
func formToken(t *testing.T, page string) string {
	t.Helper()
	_, rest, ok := strings.Cut(page, `<meta name="csrf" content="`)
	token, _, _ := strings.Cut(rest, `"`)
	if !ok || token == "" {
		t.Fatal("the page has no form token")
	}
	return token
}
