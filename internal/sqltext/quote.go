package sqltext

import "strings"

// Quote quotes one identifier with SQL-standard double quotes, doubling
// embedded quotes.
func Quote(ident string) string {
	return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"`
}

// Ident quotes a possibly dotted identifier with [Quote] ("posts.user_id"
// → "posts"."user_id"; "posts.*" → "posts".*).
func Ident(ident string) string {
	if t, c, ok := strings.Cut(ident, "."); ok {
		if c == "*" {
			return Quote(t) + ".*"
		}
		return Quote(t) + "." + Quote(c)
	}
	return Quote(ident)
}
