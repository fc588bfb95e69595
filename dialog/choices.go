package dialog

import (
	"strconv"
	"strings"

	"github.com/switchboardhq/switchboard/storage"
)

// Choice is a button offered on a channel without buttons (SMS, voice): the
// customer answers with its digit.
type Choice struct {
	Digit string `json:"digit"`
	Data  string `json:"data"`
	Label string `json:"label"`
}

// Choices numbers buttons for keypads and texts: "Talk to a person" is
// always 0, the others 1, 2, … in the order shown. Renderers and the engine
// both use it, so a digit means what the customer was told it means.
func Choices(buttons [][]Button) []Choice {
	var out []Choice
	var person *Choice
	n := 0
	for _, row := range buttons {
		for _, b := range row {
			if b.Data == ButtonPerson {
				person = &Choice{Digit: "0", Data: b.Data, Label: b.Label}
				continue
			}
			n++
			out = append(out, Choice{Digit: strconv.Itoa(n), Data: b.Data, Label: b.Label})
		}
	}
	if person != nil {
		out = append(out, *person)
	}
	return out
}

// offered is what the customer was last offered in the conversation's
// present step, so a typed or keyed digit can be read as that choice.
func (t *turn) offered() [][]Button {
	if b, ok := t.offeredCallback(); ok {
		return b
	}
	switch {
	case t.conv.State != storage.StateBot:
		return nil
	case t.conv.Step == stepMenu:
		return t.e.menuButtons(t.lang)
	case strings.HasPrefix(t.conv.Step, stepAnswered):
		return t.e.helpedButtons(t.lang)
	}
	return nil
}

// digitChoice reads text as a digit answering the present offer.
func (t *turn) digitChoice(text string) (string, bool) {
	d := strings.TrimSpace(text)
	if len(d) != 1 || d[0] < '0' || d[0] > '9' {
		return "", false
	}
	for _, c := range Choices(t.offered()) {
		if c.Digit == d {
			return c.Data, true
		}
	}
	return "", false
}
