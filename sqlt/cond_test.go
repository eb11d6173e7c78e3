package sqlt_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

func TestCheckFragmentRefusesWhatCouldChangeTheStatementAfterIt(t *testing.T) {
	for s, reason := range map[string]string{
		"a = ? --":                               "comment (--)",
		"a = ?--x":                               "comment (--)",
		"a = ? /* x */":                          "comment (/*)",
		"a = ? /*":                               "comment (/*)",
		"a = ?;":                                 "statement separator",
		"a = ?; delete from t":                   "statement separator",
		"a = 1) or (1 = 1":                       ") without its (",
		"(a = 1":                                 "( left open",
		"a = 'abc":                               "unterminated quote",
		`"a = 1`:                                 "unterminated quote",
		"a = E'\\'' -- '":                        "backslash before a quote in an E'",
		"a = 'x\\' -- '":                         "backslash before a quote",
		"a = E'it\\'s -- fine'":                  "backslash before a quote in an E'",
		"a = `x -- `":                            "backtick",
		"a = $$ ' $$ -- '":                       "dollar-quoted",
		"a = $t$ ' $t$ -- '":                     "dollar-quoted",
		"a = $1":                                 "placeholder",
		"a = $name":                              "placeholder",
		"exists (select 1 as [x']) or 1=1 -- ')": "past the ]",
		"a = 1\x00 and b = 2":                    "NUL byte",
	} {
		err := sqlt.CheckFragment(s)
		if assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "%q", s) {
			assert.Contains(t, err.Error(), reason, "%q", s)
			assert.Contains(t, err.Error(), strconv.Quote(s), "the error names the fragment")
		}
		assert.True(t, sqltext.NeedsParens(s), "in doubt: %q", s)
	}
}

func TestCheckFragmentAcceptsCommentCharactersInsideQuotes(t *testing.T) {
	for _, s := range []string{
		"a = ?",
		"a - -1 = ?",
		"a / 2 * 3 = ?",
		"name = 'a--b'",
		"name = 'x /* y'",
		"name = 'a;b'",
		"name = 'it''s -- fine; really'",
		`"weird--name;" = ?`,
		`"a""b/*" = ?`,
		"name = e'\\\\'",
		"a$b = ?",
		"name = 'a)' and (b = ? or c = ?)",
		"tags[1] = 'x'",
	} {
		assert.NoError(t, sqlt.CheckFragment(s), "%q", s)
	}
	// SQLite reads [name--] as a quoted name, PostgreSQL reads a comment.
	assert.ErrorIs(t, sqlt.CheckFragment("[name--] = ?"), sqlt.ErrUnsafeFragment)
}
