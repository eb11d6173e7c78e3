// Package errtext shortens the text that relkit's error messages quote.
// Names and paths can come from an API's client (?include=, ?with_count=),
// and a megabyte query string must not become a megabyte log line; the
// error values keep the whole text in their fields.
package errtext

import (
	"fmt"
	"unicode/utf8"
)

// Max is how many bytes of a quoted text an error message keeps.
const Max = 200

// Clip returns s, or its first Max bytes (cut at a character boundary)
// followed by its length when it is longer.
func Clip(s string) string {
	if len(s) <= Max {
		return s
	}
	cut := Max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", s[:cut], len(s))
}
