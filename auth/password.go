// Package auth proves who an operator is: it hashes and checks passwords,
// issues opaque bearer tokens whose SHA-256 alone is stored, and seeds the
// first supervisor account. It knows nothing of HTTP.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is the bcrypt work factor for stored passwords.
const DefaultCost = 12

// Cost is the bcrypt work factor HashPassword uses. Tests lower it (to
// bcrypt.MinCost) before hashing anything; production leaves it alone.
var Cost = DefaultCost

// MinPasswordLength is the shortest password HashPassword accepts.
const MinPasswordLength = 8

// ErrWeakPassword is returned for a password shorter than
// MinPasswordLength or longer than bcrypt's 72 bytes.
var ErrWeakPassword = fmt.Errorf("password must be %d to 72 bytes long", MinPasswordLength)

// HashPassword returns the bcrypt hash of password at Cost.
func HashPassword(password string) (string, error) {
	if len(password) < MinPasswordLength || len(password) > 72 {
		return "", ErrWeakPassword
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), Cost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// decoyHash is compared against when the email is unknown, so a failed login
// takes as long whether or not the account exists.
var decoyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("switchboard decoy password"), Cost)
	if err != nil {
		panic(errors.Join(errors.New("auth: hash decoy password"), err))
	}
	return h
})

// GeneratePassword returns a random password of 24 URL-safe characters.
func GeneratePassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
