package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ErrShortcutTaken is returned when another canned response has the
// shortcut.
var ErrShortcutTaken = errors.New("a canned response with this shortcut exists")

// CannedResponse is a ready-made reply an operator inserts by typing
// /shortcut in the reply box.
type CannedResponse struct {
	ID        uint64    `gorm:"primaryKey"`
	Shortcut  string    `gorm:"size:32;not null;uniqueIndex"`
	Title     string    `gorm:"size:128;not null"`
	Text      string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// seedCanned is what a new installation starts with: one reply for each
// kind of message customers send, in English and Russian, following the
// practice — a question: thank, answer, next step; a complaint: thank,
// explain, apologise, say how it is fixed and what will be better;
// praise: thank, a kind word, a small gift. Operators edit or replace
// them.
var seedCanned = []CannedResponse{
	{Shortcut: "question", Title: "Answer a question",
		Text: "Thank you for your question! [The answer.] As a next step, [what happens now, or what you can do]. If anything is still unclear, just reply here."},
	{Shortcut: "complaint", Title: "Reply to a complaint",
		Text: "Thank you for telling us about this. [What happened and why.] We are sorry for the trouble it has caused you. To put it right, [how it is being fixed]. From now on, [what will be better]. We will keep you posted here."},
	{Shortcut: "praise", Title: "Thank for kind words",
		Text: "Thank you so much for your kind words! It is a pleasure to help customers like you, and we have passed them on to the team. As a small thank-you, [a gift: a discount code, free delivery on your next order]. Have a wonderful day!"},
	{Shortcut: "question_ru", Title: "Ответ на вопрос",
		Text: "Спасибо за вопрос! [Ответ.] Дальше [что произойдёт теперь или что можно сделать]. Если что-то осталось непонятным, просто напишите здесь."},
	{Shortcut: "complaint_ru", Title: "Ответ на жалобу",
		Text: "Спасибо, что рассказали нам об этом. [Что произошло и почему.] Приносим извинения за доставленные неудобства. Чтобы всё исправить, [что мы делаем]. Теперь [что станет лучше]. Мы будем держать вас в курсе здесь."},
	{Shortcut: "praise_ru", Title: "Благодарность за отзыв",
		Text: "Большое спасибо за добрые слова! Помогать таким клиентам, как вы, — удовольствие, и мы передали ваш отзыв команде. В знак благодарности [небольшой подарок: промокод, бесплатная доставка]. Хорошего дня!"},
}

// firstSeeds are what migration 3 seeded, as it was released: migration
// 12 brings those still word for word up to seedCanned.
var firstSeeds = []CannedResponse{
	{Shortcut: "question", Title: "Answer a question",
		Text: "Thank you for your question! [The answer.] As a next step, [what happens now, or what you can do]. If anything is still unclear, just reply here."},
	{Shortcut: "complaint", Title: "Reply to a complaint",
		Text: "Thank you for telling us about this. [What happened and why.] We are sorry for the trouble it has caused you. To put it right, [how it is being fixed], and we will keep you posted here."},
	{Shortcut: "praise", Title: "Thank for kind words",
		Text: "Thank you so much for your kind words! They mean a lot to our team, and we have passed them on. Have a wonderful day!"},
}

// migrateConsole creates the tables the operator console adds, widens
// messages.direction for "internal" (notes), and seeds the canned
// responses; it runs once, so deleted seeds stay deleted.
func migrateConsole(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&CannedResponse{}, &ReadMark{}); err != nil {
		return err
	}
	// Version 1 made it varchar(4); SQLite does not enforce lengths.
	if tx.Dialector.Name() == string(Postgres) {
		if err := tx.Exec("ALTER TABLE messages ALTER COLUMN direction TYPE varchar(16)").Error; err != nil {
			return fmt.Errorf("widen messages.direction: %w", err)
		}
	}
	now := time.Now().UTC()
	seeds := make([]CannedResponse, len(firstSeeds))
	for i, c := range firstSeeds {
		c.CreatedAt, c.UpdatedAt = now, now
		seeds[i] = c
	}
	return tx.Create(&seeds).Error
}

// ListCanned returns every canned response by shortcut.
func (s *Storage) ListCanned(ctx context.Context) ([]CannedResponse, error) {
	var out []CannedResponse
	if err := s.q(ctx).Order("shortcut ASC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list canned responses: %w", err)
	}
	return out, nil
}

// GetCanned loads one canned response.
func (s *Storage) GetCanned(ctx context.Context, id uint64) (CannedResponse, error) {
	var c CannedResponse
	if err := s.q(ctx).Take(&c, id).Error; err != nil {
		return c, fmt.Errorf("get canned response %d: %w", id, notFound(err))
	}
	return c, nil
}

// CreateCanned inserts c and fills its id; a taken shortcut is
// ErrShortcutTaken.
func (s *Storage) CreateCanned(ctx context.Context, c *CannedResponse) error {
	if err := s.q(ctx).Create(c).Error; err != nil {
		return fmt.Errorf("create canned response /%s: %w", c.Shortcut, shortcutTaken(err))
	}
	return nil
}

// SaveCanned writes every field of c; a taken shortcut is ErrShortcutTaken.
func (s *Storage) SaveCanned(ctx context.Context, c *CannedResponse) error {
	if err := s.q(ctx).Save(c).Error; err != nil {
		return fmt.Errorf("save canned response %d: %w", c.ID, shortcutTaken(err))
	}
	return nil
}

// DeleteCanned removes one canned response, or reports ErrNotFound.
func (s *Storage) DeleteCanned(ctx context.Context, id uint64) error {
	res := s.q(ctx).Delete(&CannedResponse{}, id)
	if res.Error != nil {
		return fmt.Errorf("delete canned response %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete canned response %d: %w", id, ErrNotFound)
	}
	return nil
}

// shortcutTaken turns a unique-index violation into ErrShortcutTaken. GORM
// does not translate driver errors here, so both drivers' wording is read:
// SQLite's "UNIQUE constraint failed", PostgreSQL's "violates unique
// constraint".
func shortcutTaken(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) || strings.Contains(strings.ToLower(err.Error()), "unique") {
		return ErrShortcutTaken
	}
	return err
}
