package sqltext

import (
	"strings"
	"testing"
)

// FuzzCheckIdentifier checks that whatever passes validation quotes to a
// string with no unescaped quote and no statement separator.
func FuzzCheckIdentifier(f *testing.F) {
	for _, s := range []string{"id", "posts.id", `a"b`, "id; drop table x", "1abc", "a.b.c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckIdentifier(s) != nil {
			return
		}
		if strings.ContainsAny(s, "\"'; \t\n()-") {
			t.Fatalf("accepted %q", s)
		}
		q := Requote(Ident(s), QuoteDouble)
		if strings.Count(q, `"`)%2 != 0 || strings.IndexByte(q, Mark) >= 0 {
			t.Fatalf("unbalanced quoting %q", q)
		}
	})
}

// FuzzCheckFragment checks the raw-fragment reader: whatever it accepts
// leaves the text after it untouched. Put in parentheses, an accepted
// fragment is closed by its ")" (an OR after it is at the top level), a
// comment or ";" after it is found, and it holds no NUL byte but the marks
// of relkit's identifiers.
func FuzzCheckFragment(f *testing.F) {
	for _, s := range []string{"a = ?", "a = ? --", "a = 'x--y'", `"a;b" = ?`, "a = 1) or (1 = 1", "E'\\'' -- '",
		"'abc", "$$ -- $$", "`x -- `", "[x'] -- '", "(a or b)", "a/*", "x;", "",
		"\x00a\x00.\x00b\x00 = ?", "\x00a;\x00", "\x00a", "'\x00a\x00'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckFragment(s) != nil {
			if !NeedsParens(s) {
				t.Fatalf("refused %q but would not parenthesise it", s)
			}
			return
		}
		if strings.IndexByte(Requote(s, QuoteDouble), 0) >= 0 {
			t.Fatalf("accepted a NUL byte outside a marked identifier: %q", s)
		}
		wrapped := "(" + s + ")"
		if err := CheckFragment(wrapped + " and k = ?"); err != nil {
			t.Fatalf("accepted %q, but not after wrapping: %v", s, err)
		}
		if !NeedsParens(wrapped + " or k = ?") {
			t.Fatalf("accepted %q, but an OR after it is not at the top level", s)
		}
		for _, tail := range []string{" -- x", " /* x", "; x"} {
			if CheckFragment(wrapped+tail) == nil {
				t.Fatalf("accepted %q, and %q after it went unseen", s, tail)
			}
		}
	})
}
