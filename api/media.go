package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/media"
)

// MediaPath is the same-origin path of message id's file, as messages
// carry it in media_url.
func MediaPath(id uint64) string { return fmt.Sprintf("%s/media/%d", Prefix, id) }

// getMedia answers GET /media/{id}: the bytes of a message's file, fetched
// from its channel on first view, with its type, never sniffed. Images,
// sounds and videos are inline; documents, SVG, HTML and anything else
// are downloads, and a sandbox policy keeps even those from running.
func (a *API) getMedia(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if a.media == nil {
		return &requestError{status: http.StatusServiceUnavailable, msg: "media are not served by this process"}
	}
	f, err := a.media.Open(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return serveFile(c, f, "default-src 'none'; media-src 'self'; img-src 'self'; style-src 'unsafe-inline'; sandbox", "private, max-age=86400")
}

// serveFile answers c with f, never sniffed, under the content security
// policy csp and the cache policy cache.
func serveFile(c echo.Context, f media.File, csp, cache string) error {
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", f.Disposition)
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", cache)
	h.Set(echo.HeaderContentType, f.ContentType)
	// ServeContent answers Range requests, which players use to seek.
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(f.Data))
	return nil
}

// MediaOpener opens messages' files for GET /media/{id}.
type MediaOpener interface {
	Open(ctx context.Context, messageID uint64) (media.File, error)
}
