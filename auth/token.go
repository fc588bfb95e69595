package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// NewToken returns a fresh bearer token: 32 random bytes, base64url without
// padding.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is the form a token is stored and looked up in: its SHA-256 in
// hex. A leaked sessions table therefore holds no usable token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CSRFToken is the anti-forgery token that goes with a session token: the
// base64url SHA-256 of "csrf:" + token. It needs no storage and dies with
// the session; a page can read it from a cookie, another site cannot.
func CSRFToken(token string) string {
	sum := sha256.Sum256([]byte("csrf:" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
