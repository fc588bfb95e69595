package faketelegram

import "encoding/json"

// The wire types below are the Bot API objects the fake sends, with the
// API's JSON field names; only the fields switchboard reads are present.

type wireUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// botInfo is getMe's answer: a User with the fields only bots have.
type botInfo struct {
	wireUser
	CanJoinGroups           bool `json:"can_join_groups"`
	CanReadAllGroupMessages bool `json:"can_read_all_group_messages"`
	SupportsInlineQueries   bool `json:"supports_inline_queries"`
}

type wireChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

type wireMessage struct {
	MessageID   int             `json:"message_id"`
	From        *wireUser       `json:"from,omitempty"`
	Chat        wireChat        `json:"chat"`
	Date        int64           `json:"date"`
	EditDate    int64           `json:"edit_date,omitempty"`
	Text        string          `json:"text,omitempty"`
	Entities    []wireEntity    `json:"entities,omitempty"`
	Caption     string          `json:"caption,omitempty"`
	Photo       []wirePhotoSize `json:"photo,omitempty"`
	Document    *wireDocument   `json:"document,omitempty"`
	Voice       *wireVoice      `json:"voice,omitempty"`
	Sticker     *wireSticker    `json:"sticker,omitempty"`
	Video       *wireVideo      `json:"video,omitempty"`
	Contact     *wireContact    `json:"contact,omitempty"`
	Location    *wireLocation   `json:"location,omitempty"`
	ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
}

type wireEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

type wirePhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireDocument struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireVoice struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Duration     int    `json:"duration"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireVideo struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	Duration     int    `json:"duration"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireSticker struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Type         string `json:"type"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	IsAnimated   bool   `json:"is_animated"`
	IsVideo      bool   `json:"is_video"`
	Emoji        string `json:"emoji,omitempty"`
	FileSize     int    `json:"file_size,omitempty"`
}

type wireContact struct {
	PhoneNumber string `json:"phone_number"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name,omitempty"`
	UserID      int64  `json:"user_id,omitempty"`
}

type wireLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type wireCallbackQuery struct {
	ID           string       `json:"id"`
	From         wireUser     `json:"from"`
	Message      *wireMessage `json:"message,omitempty"`
	ChatInstance string       `json:"chat_instance"`
	Data         string       `json:"data,omitempty"`
}

type wireChatMember struct {
	User      wireUser `json:"user"`
	Status    string   `json:"status"`
	UntilDate int64    `json:"until_date,omitempty"`
}

type wireChatMemberUpdated struct {
	Chat          wireChat       `json:"chat"`
	From          wireUser       `json:"from"`
	Date          int64          `json:"date"`
	OldChatMember wireChatMember `json:"old_chat_member"`
	NewChatMember wireChatMember `json:"new_chat_member"`
}

type wireUpdate struct {
	UpdateID      int                    `json:"update_id"`
	Message       *wireMessage           `json:"message,omitempty"`
	EditedMessage *wireMessage           `json:"edited_message,omitempty"`
	CallbackQuery *wireCallbackQuery     `json:"callback_query,omitempty"`
	MyChatMember  *wireChatMemberUpdated `json:"my_chat_member,omitempty"`
}

type wireFile struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int    `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

type wireWebhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
}
