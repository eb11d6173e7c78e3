package sqlt

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzRebind checks the placeholder rewriter: it never changes text
// outside placeholders, numbers placeholders from 1, and leaves quoted
// text alone.
func FuzzRebind(f *testing.F) {
	for _, s := range []string{"select ?", `select '?', "?" from t where a = ? and b = ??`, "", "??", "'unterminated ?", "?,?,?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		out := rebindDollar(q)
		if !strings.Contains(q, "?") && out != q {
			t.Fatalf("changed a query without placeholders: %q → %q", q, out)
		}
		if strings.Count(out, "?") > strings.Count(q, "?") {
			t.Fatalf("added question marks: %q → %q", q, out)
		}
		if strings.Contains(q, "$") {
			return
		}
		// Placeholders are numbered 1, 2, 3, … in order.
		want := 1
		for i := 0; i < len(out); i++ {
			if out[i] != '$' {
				continue
			}
			j := i + 1
			for j < len(out) && out[j] >= '0' && out[j] <= '9' {
				j++
			}
			// A digit right after "?" in the input reads on ("?0" → "$10"):
			// only the prefix is ours.
			if !strings.HasPrefix(out[i+1:j], strconv.Itoa(want)) {
				t.Fatalf("placeholder %q at %d, want $%d: %q → %q", out[i:j], i, want, q, out)
			}
			want++
		}
	})
}
