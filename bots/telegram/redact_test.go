package telegram

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRedactTokenCutsEveryFormOfTheToken(t *testing.T) {
	const token = "123:a/b+c"
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"in the URL net/http names", &url.Error{Op: "Post", URL: "http://h/bot123:a/b+c/sendMessage", Err: context.DeadlineExceeded},
			`Post "http://h/bot<token>/sendMessage": context deadline exceeded`},
		{"escaped for a path", errors.New("GET /bot" + url.PathEscape(token) + "/x"), "GET /bot<token>/x"},
		{"escaped for a query", errors.New("token=" + url.QueryEscape(token)), "token=<token>"},
		{"absent", errors.New("EOF"), "EOF"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redactToken(c.err, token)
			if got.Error() != c.want || strings.Contains(got.Error(), "a/b+c") {
				t.Fatalf("redactToken = %q, want %q", got, c.want)
			}
		})
	}
	// What the transport said is still there to test for.
	err := redactToken(&url.Error{Op: "Get", URL: "http://h/bot" + token + "/getMe", Err: context.DeadlineExceeded}, token)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%v no longer unwraps to the deadline", err)
	}
}
