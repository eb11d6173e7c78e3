package sqltext

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNeedsParensFindsATopLevelOr(t *testing.T) {
	for s, want := range map[string]bool{
		"a = ?":                          false,
		"a = ? AND b = ?":                false,
		"a = ? or b = ?":                 true,
		"a = ?\nor 1 = 1":                true,
		"a = ? OR\t1 = 1":                true,
		"a > 1 or(1=1)":                  true,
		"(a)OR(b)":                       true,
		"(a or b)":                       false,
		"(a or b) and (c or d)":          false,
		"(a) or (b)":                     true,
		"name = 'x or y'":                false,
		`"order" = ?`:                    false,
		"color = ? and flavor = ?":       false,
		"exists (select 1 where a or b)": false,
		"a = 'unterminated":              true,
		"a = (1":                         true,
	} {
		assert.Equal(t, want, NeedsParens(s), "%q", s)
	}
}
