// Command bareecho is the HTTP ceiling for switchboard's webhook: an Echo v4
// server whose only route parses a Telegram update (tgbotapi.Update, as
// switchboard does) and answers 200, with no secret check, database or
// reply. Whatever the load generator or wrk gets from it, switchboard
// cannot beat on this machine.
//
//	go run ./bench/bareecho -addr 127.0.0.1:18080
//	wrk -t2 -c64 -d10s -s bench/bareecho/update.lua http://127.0.0.1:18080/webhooks/telegram
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/labstack/echo/v4"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address")
	flag.Parse()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/webhooks/telegram", func(c echo.Context) error {
		var u tgbotapi.Update
		if err := json.NewDecoder(c.Request().Body).Decode(&u); err != nil {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
		}
		if u.UpdateID <= 0 {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "update_id is missing"})
		}
		return c.NoContent(http.StatusOK)
	})
	srv := &http.Server{Addr: *addr, Handler: e, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "bareecho listening on %s\n", *addr)
	log.Fatal(srv.ListenAndServe())
}
