package console

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	e := echo.New()
	Register(e)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func TestConsoleFilesCarryTypeAndSecurityHeaders(t *testing.T) {
	srv := newServer(t)
	for path, wantType := range map[string]string{
		"/":                 "text/html; charset=utf-8",
		"/assets/app.js":    "text/javascript; charset=utf-8",
		"/assets/ui.js":     "text/javascript; charset=utf-8",
		"/assets/style.css": "text/css; charset=utf-8",
	} {
		res := get(t, srv.URL+path, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", path, res.StatusCode)
			continue
		}
		for header, want := range map[string]string{
			"Content-Type":            wantType,
			"Content-Security-Policy": ContentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
		} {
			if got := res.Header.Get(header); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, header, got, want)
			}
		}
	}
}

func TestConsoleAnswersNotModifiedForItsETag(t *testing.T) {
	srv := newServer(t)
	etag := get(t, srv.URL+"/assets/app.js", nil).Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	if res := get(t, srv.URL+"/assets/app.js", map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		t.Errorf("status %d with a matching If-None-Match, want 304", res.StatusCode)
	}
}

func TestConsoleServesOnlyItsOwnAssets(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/assets/", "/assets/missing.js", "/assets/../index.html", "/assets/%2e%2e/index.html", "/assets/assets/app.js"} {
		if res := get(t, srv.URL+path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, res.StatusCode)
		}
	}
}

// The CSP forbids inline scripts and styles, and customer text must never
// be parsed as HTML: these patterns would break one or the other.
func TestConsoleSourcesKeepToTheCSPAndRenderTextOnly(t *testing.T) {
	forbidden := map[string]*regexp.Regexp{
		".js":   regexp.MustCompile(`\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setAttribute\(\s*'style'|\.style\.cssText`),
		".html": regexp.MustCompile(`<script>|<script(\s+type="module")?>|\sstyle=|<style|\son[a-z]+=|javascript:`),
	}
	err := fs.WalkDir(static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for ext, re := range forbidden {
			if !strings.HasSuffix(path, ext) {
				continue
			}
			body, err := fs.ReadFile(static, path)
			if err != nil {
				return err
			}
			// Comments may name what is forbidden.
			code := regexp.MustCompile(`(?m)^\s*//.*$`).ReplaceAll(body, nil)
			if m := re.Find(code); m != nil {
				t.Errorf("%s contains %q", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
