package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/dialog"
	"github.com/switchboardhq/switchboard/media"
)

// maxUploadBody bounds a POST /attachments body: the file, its caption
// and the multipart framing.
const maxUploadBody = media.MaxUploadBytes + 128<<10

// maxCaptionBytes bounds the caption part as read; dialog then counts its
// characters.
const maxCaptionBytes = 4 * dialog.MaxReplyLength

var errUploadTooLarge = &requestError{status: http.StatusRequestEntityTooLarge, msg: media.ErrUploadTooLarge.Error()}

// sendAttachment answers POST /conversations/:id/attachments, a multipart
// form with a file part "file" and an optional "caption": the file goes to
// the customer through their channel as a photo or a document, and is
// kept to be shown in the console (media_url).
func (a *API) sendAttachment(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	up, err := readUpload(c.Request())
	if err != nil {
		return err
	}
	kind, contentType, err := media.CheckUpload(up.FileName, up.Data)
	switch {
	case errors.Is(err, media.ErrUploadTooLarge):
		return errUploadTooLarge
	case err != nil:
		return badRequest("%v", err)
	}
	up.Kind, up.ContentType = kind, contentType
	msg, err := a.engine.SendFile(c.Request().Context(), id, operatorOf(c), up)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewMessage(msg))
}

// readUpload reads the multipart body part by part, so no more than
// MaxUploadBytes of file is ever held: a larger file is refused (413)
// before it is read whole.
func readUpload(req *http.Request) (dialog.Upload, error) {
	var up dialog.Upload
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt != "multipart/form-data" {
		return up, badRequest("send the file as multipart/form-data with a part named \"file\"")
	}
	mr, err := req.MultipartReader()
	if err != nil {
		return up, badRequest("read multipart body: %v", err)
	}
	haveFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, uploadReadError(err)
		}
		switch part.FormName() {
		case "file":
			if haveFile {
				return up, badRequest("send one part named \"file\"")
			}
			haveFile = true
			up.FileName = partFileName(part)
			if up.Data, err = io.ReadAll(io.LimitReader(part, media.MaxUploadBytes+1)); err != nil {
				return up, uploadReadError(err)
			}
			if len(up.Data) > media.MaxUploadBytes {
				return up, errUploadTooLarge
			}
		case "caption":
			b, err := io.ReadAll(io.LimitReader(part, maxCaptionBytes+1))
			if err != nil {
				return up, uploadReadError(err)
			}
			if len(b) > maxCaptionBytes {
				return up, badRequest("%v", dialog.ErrCaptionTooLong)
			}
			up.Caption = string(b)
		}
		part.Close()
	}
	switch {
	case !haveFile:
		return up, badRequest("the form has no part named \"file\": send the file in it")
	case len(up.Data) == 0:
		return up, badRequest("the file is empty")
	}
	return up, nil
}

// uploadReadError is 413 when the body passed its limit, else 400.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errUploadTooLarge
	}
	return badRequest("read multipart body: %s", strings.TrimPrefix(fmt.Sprint(err), "multipart: "))
}

// partFileName is the file name the browser gave part, as it gave it:
// multipart.Part.FileName would keep only what follows the last slash.
func partFileName(part *multipart.Part) string {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}
