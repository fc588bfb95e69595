// Package console serves the operator console: one page at / and its
// scripts, styles and sounds under /assets/, all embedded in the binary so
// that switchboard needs no separate front-end server and no build step.
//
// Every response carries a strict Content-Security-Policy: the console has
// no inline scripts or styles, loads nothing from elsewhere and talks only
// to its own origin, so a customer's message can never run as code.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"time"

	"github.com/labstack/echo/v4"
)

//go:embed static
var static embed.FS

// AssetsPrefix is where the console's files other than the page are served.
const AssetsPrefix = "/assets/"

// ContentSecurityPolicy is sent with every console response.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; media-src 'self' data:; " +
	"connect-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'"

// contentTypes names the type of every kind of file in static, so the
// answer does not depend on the host's MIME tables.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".wav":  "audio/wav",
	".txt":  "text/plain; charset=utf-8",
}

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Register serves the console on e: the page at / and its files under
// AssetsPrefix. It panics if the embedded files are unusable, which only a
// broken build can cause.
func Register(e *echo.Echo) {
	assets, err := loadAssets(static, "static")
	if err != nil {
		panic(fmt.Sprintf("console: %v", err))
	}
	page, ok := assets["index.html"]
	if !ok {
		panic("console: static/index.html is missing")
	}
	e.GET("/", func(c echo.Context) error { return serve(c, page) })
	e.GET(AssetsPrefix+"*", func(c echo.Context) error {
		// An exact key lookup: no path cleaning, so nothing outside
		// static/assets can be named.
		name := c.Param("*")
		a, ok := assets["assets/"+name]
		if !ok {
			return echo.NewHTTPError(http.StatusNotFound, "no console file "+AssetsPrefix+name)
		}
		return serve(c, a)
	})
}

// loadAssets reads every file under dir of fsys, keyed by its path relative
// to dir, with its content type and a content-hash ETag.
func loadAssets(fsys fs.FS, dir string) (map[string]asset, error) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	out := map[string]asset{}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			return fmt.Errorf("%s: no content type for %q files", name, path.Ext(name))
		}
		body, err := fs.ReadFile(sub, name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		out[name] = asset{body: body, contentType: ct, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// serve answers with a, honouring If-None-Match. Files are not renamed per
// build, so browsers revalidate every time (no-cache) and get 304 while the
// binary is the same.
func serve(c echo.Context, a asset) error {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set(echo.HeaderContentType, a.contentType)
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set("ETag", a.etag)
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(a.body))
	return nil
}
