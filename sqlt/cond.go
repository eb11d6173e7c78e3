package sqlt

// NeedsParens reports whether the SQL condition s has an OR at its top
// level, so that it must be put in parentheses before it is joined to other
// conditions with AND. It reads s as SQL: text inside quotes and inside
// parentheses does not count, and "or" is found as a word whatever
// surrounds it ("a\nor b", "a or(b)", "(a)OR(b)"). When in doubt
// (unbalanced quotes or parentheses) it answers true.
func NeedsParens(s string) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return true
			}
		case depth == 0 && (c == 'o' || c == 'O') && i+1 < len(s) && (s[i+1] == 'r' || s[i+1] == 'R'):
			if (i == 0 || !identByte(s[i-1])) && (i+2 == len(s) || !identByte(s[i+2])) {
				return true
			}
		}
	}
	return quote != 0 || depth != 0
}

func identByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
