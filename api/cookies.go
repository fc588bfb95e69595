package api

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/switchboardhq/switchboard/auth"
)

// The console's cookie session: the token in an HttpOnly cookie, and its
// CSRF token in one the page can read and must echo in CSRFHeader.
const (
	SessionCookie = "sb_session"
	CSRFCookie    = "sb_csrf"
	CSRFHeader    = "X-CSRF-Token"
)

var errBadCSRF = &requestError{status: http.StatusForbidden, msg: "missing or wrong " + CSRFHeader}

// setSessionCookies gives the browser the session and its CSRF token, both
// expiring with the session.
func (a *API) setSessionCookies(c echo.Context, token string, expires time.Time) {
	maxAge := int(time.Until(expires) / time.Second)
	c.SetCookie(a.cookie(SessionCookie, token, true, expires, maxAge))
	c.SetCookie(a.cookie(CSRFCookie, auth.CSRFToken(token), false, expires, maxAge))
}

// clearSessionCookies tells the browser to forget both cookies.
func (a *API) clearSessionCookies(c echo.Context) {
	c.SetCookie(a.cookie(SessionCookie, "", true, time.Unix(0, 0), -1))
	c.SetCookie(a.cookie(CSRFCookie, "", false, time.Unix(0, 0), -1))
}

func (a *API) cookie(name, value string, httpOnly bool, expires time.Time, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", Expires: expires, MaxAge: maxAge,
		HttpOnly: httpOnly, Secure: a.secureCookies, SameSite: http.SameSiteStrictMode}
}

// sessionToken finds the request's session: the bearer token when there
// is an Authorization header, else the session cookie (byCookie).
func sessionToken(r *http.Request) (token string, byCookie bool, err error) {
	if r.Header.Get(echo.HeaderAuthorization) != "" {
		token, ok := bearerToken(r)
		if !ok {
			return "", false, errNoToken
		}
		return token, false, nil
	}
	if ck, err := r.Cookie(SessionCookie); err == nil && ck.Value != "" {
		return ck.Value, true, nil
	}
	return "", false, errNoToken
}

// checkCSRF lets a cookie-authenticated request change something only when
// it carries the session's CSRF token, which another site cannot read.
func checkCSRF(r *http.Request, token string) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(auth.CSRFToken(token))) != 1 {
		return errBadCSRF
	}
	return nil
}
