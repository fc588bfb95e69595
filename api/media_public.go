package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/media"
	"github.com/switchboardhq/switchboard/storage"
)

// getPublicMedia answers GET /media/public/{id}?exp=…&sig=…, without a
// session: the file an operator sent with message id, for Twilio to
// fetch for an MMS or a customer to open from an SMS. Only a link signed
// by this server (media.Links) and not expired opens it, and only
// operators' own files are ever served this way.
func (a *API) getPublicMedia(c echo.Context) error {
	if a.links == nil || a.media == nil {
		return &requestError{status: http.StatusNotFound, msg: "public media links are not enabled"}
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if err := a.links.Verify(id, c.QueryParam("exp"), c.QueryParam("sig"), time.Now()); err != nil {
		return err
	}
	ctx := c.Request().Context()
	m, err := a.store.Message(ctx, id)
	if err != nil {
		return err
	}
	if m.FileID != storage.UploadedFile || m.Direction != storage.Outbound {
		return fmt.Errorf("message %d has no file sent by an operator: %w", id, storage.ErrNotFound)
	}
	f, err := a.media.Open(ctx, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return serveFile(c, f, "default-src 'none'; sandbox", "private, max-age=3600")
}

// publicMediaRoute is the route of getPublicMedia, outside the API's
// prefix: links in SMS stay short and never look like the operators' API.
const publicMediaRoute = media.PublicPath + "/:id"
