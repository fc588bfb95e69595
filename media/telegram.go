package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/storage"
)

// Telegram fetches Telegram files: getFile for the file's path, then the
// bytes from /file/bot<token>/<path> on the Bot API endpoint's host.
type Telegram struct {
	// Token is the bot token; it appears in no error.
	Token string
	// Endpoint is TELEGRAM_API_ENDPOINT, a format taking the token and the
	// method.
	Endpoint string
	// Client defaults to one with a 60 s timeout.
	Client *http.Client
}

// Fetch downloads m's file.
func (t Telegram) Fetch(ctx context.Context, m storage.Message) ([]byte, string, error) {
	path, size, err := t.filePath(ctx, m.FileID)
	if err != nil {
		return nil, "", err
	}
	if TooLarge(size) {
		return nil, "", ErrTooLarge
	}
	base, err := url.Parse(fmt.Sprintf(t.Endpoint, "TOKEN", "getFile"))
	if err != nil {
		return nil, "", errors.New("TELEGRAM_API_ENDPOINT is not a URL")
	}
	fileURL := base.Scheme + "://" + base.Host + "/file/bot" + t.Token + "/" + strings.TrimPrefix(path, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fileURL, nil)
	if err != nil {
		return nil, "", errors.New("build the file request")
	}
	return download(t.client(), req, "Telegram")
}

// filePath asks getFile where file id's bytes are.
func (t Telegram) filePath(ctx context.Context, fileID string) (string, int64, error) {
	form := url.Values{"file_id": {fileID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf(t.Endpoint, t.Token, "getFile"), strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, errors.New("build the getFile request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := t.client().Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("getFile: %w", withoutURL(err))
	}
	defer resp.Body.Close()
	var answer struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
		Result      struct {
			FileSize int64  `json:"file_size"`
			FilePath string `json:"file_path"`
		} `json:"result"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&answer); err != nil {
		return "", 0, fmt.Errorf("getFile answered %d with no Bot API JSON", resp.StatusCode)
	}
	if !answer.OK {
		return "", 0, fmt.Errorf("getFile: Telegram answered %d: %s", resp.StatusCode, strings.ReplaceAll(answer.Description, t.Token, "…"))
	}
	if answer.Result.FilePath == "" {
		// Telegram gives no path for files over 20 MB.
		if TooLarge(answer.Result.FileSize) {
			return "", 0, ErrTooLarge
		}
		return "", 0, errors.New("getFile gave no file_path")
	}
	return answer.Result.FilePath, answer.Result.FileSize, nil
}

func (t Telegram) client() *http.Client {
	if t.Client != nil {
		return t.Client
	}
	return defaultClient
}

var defaultClient = &http.Client{Timeout: 60 * time.Second}

// download reads req's answer, at most MaxBytes; from names the channel
// in errors, which never carry the URL.
func download(c *http.Client, req *http.Request, from string) ([]byte, string, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download from %s: %w", from, withoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("download from %s: answered %d", from, resp.StatusCode)
	}
	if resp.ContentLength > MaxBytes {
		return nil, "", ErrTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("download from %s: %w", from, withoutURL(err))
	}
	if len(data) > MaxBytes {
		return nil, "", ErrTooLarge
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// withoutURL drops the URL net/http puts in its errors: Telegram's carry
// the bot token.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
