package dialog

import "github.com/switchboardhq/switchboard/storage"

// ExampleTicket fills the {ticket} placeholder in previews of customer texts.
var ExampleTicket = storage.FormatTicket(42)

// MenuPreview is the greeting and menu a new customer sees in the language
// picked for tag (an IETF tag; "" is the default language), built exactly as
// the engine builds them, with ExampleTicket for the ticket. It also returns
// the language the texts are in.
func (e *Engine) MenuPreview(tag string) (Reply, string) {
	lang := e.texts.Language(tag)
	text := e.texts.Get(lang, TextGreeting, "ticket", ExampleTicket)
	return Reply{Text: text, Buttons: e.menuButtons(lang)}, lang
}
