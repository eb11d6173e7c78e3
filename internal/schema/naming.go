package schema

import (
	"strings"
	"sync"
	"unicode"

	"github.com/gertd/go-pluralize"
)

// Snake converts a Go identifier to snake_case: "UserID" → "user_id",
// "BlogPost" → "blog_post", "HTTPServer" → "http_server".
func Snake(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	runes := []rune(s)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			if i > 0 {
				prev := runes[i-1]
				nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	pluralOnce sync.Once
	pluralizer *pluralize.Client
	pluralMu   sync.Mutex // the pluralize client caches without locking
)

// Plural returns the plural of an English (snake_case) word, as Sutando's
// pluralize library does: "user" → "users", "person" → "people",
// "blog_post" → "blog_posts", "media" → "media".
func Plural(word string) string {
	pluralOnce.Do(func() { pluralizer = pluralize.NewClient() })
	pluralMu.Lock()
	defer pluralMu.Unlock()
	// Pluralize the last word only, so "user_person" → "user_people".
	i := strings.LastIndexByte(word, '_')
	return word[:i+1] + pluralizer.Plural(word[i+1:])
}
