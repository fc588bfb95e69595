package twilio

import "strings"

// Encoding is how an SMS body travels: GSM-7 when every character is in
// the GSM 03.38 alphabet, UCS-2 otherwise.
type Encoding string

// SMS encodings.
const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Segment sizes: one SMS holds 160 GSM-7 characters or 70 UCS-2 units; a
// longer message is sent in parts of 153 or 67, the rest of each part
// carrying the header that joins them.
const (
	gsmSingle  = 160
	gsmPart    = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// gsmBasic is the GSM 03.38 basic character set: one septet each.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension characters are sent as an escape and a septet: two each.
const gsmExtension = "\f^{}\\[~]|€"

// Segments counts the SMS segments body is sent in, and its encoding.
// Characters taking two units (a GSM-7 extension character, a UCS-2
// surrogate pair) are never split between segments, as phones join them.
func Segments(body string) (int, Encoding) {
	enc := encodingOf(body)
	single, part := gsmSingle, gsmPart
	if enc == UCS2 {
		single, part = ucs2Single, ucs2Part
	}
	total := 0
	for _, r := range body {
		total += units(r, enc)
	}
	if total <= single {
		return 1, enc
	}
	n, used := 1, 0
	for _, r := range body {
		u := units(r, enc)
		if used+u > part {
			n, used = n+1, 0
		}
		used += u
	}
	return n, enc
}

func encodingOf(s string) Encoding {
	for _, r := range s {
		if !strings.ContainsRune(gsmBasic, r) && !strings.ContainsRune(gsmExtension, r) {
			return UCS2
		}
	}
	return GSM7
}

// units is how much of a segment r takes in enc.
func units(r rune, enc Encoding) int {
	if enc == GSM7 {
		if strings.ContainsRune(gsmExtension, r) {
			return 2
		}
		return 1
	}
	if r > 0xFFFF {
		return 2 // a surrogate pair
	}
	return 1
}
