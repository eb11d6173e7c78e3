package render

import (
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/relmeta"
)

// PivotFilter renders the recorded pivot filters of m (WherePivot…,
// WithPivotValue) as one condition on the qualified pivot columns, or nil
// when there are none. Filters are joined in order with AND/OR, as
// Laravel's wherePivot/orWherePivot are, in parentheses after the type
// condition of a morphToMany relation (see MorphCond), which an OR filter
// therefore never widens.
func PivotFilter(m *relmeta.Meta) sq.Sqlizer {
	var b strings.Builder
	var args []any
	if m.Kind == relmeta.KindBelongsToMany && m.MorphType != "" {
		b.WriteString(m.PivotColumn(m.MorphType) + " = ?")
		args = append(args, m.MorphClass)
		if len(m.PivotWheres) == 0 {
			return sq.Expr(b.String(), args...)
		}
		b.WriteString(" and ")
	}
	if len(m.PivotWheres) == 0 {
		return nil
	}
	b.WriteString("(")
	for i, w := range m.PivotWheres {
		if i > 0 {
			if w.Or {
				b.WriteString(" or ")
			} else {
				b.WriteString(" and ")
			}
		}
		col := m.PivotColumn(w.Column)
		switch w.Op {
		case "null":
			b.WriteString(col + " is null")
		case "not null":
			b.WriteString(col + " is not null")
		case "between", "not between":
			b.WriteString(col + " " + w.Op + " ? and ?")
			args = append(args, w.Values...)
		case "in", "not in":
			if len(w.Values) == 0 {
				if w.Op == "in" {
					b.WriteString("1 = 0")
				} else {
					b.WriteString("1 = 1")
				}
				continue
			}
			b.WriteString(col + " " + w.Op + " (" + strings.TrimSuffix(strings.Repeat("?, ", len(w.Values)), ", ") + ")")
			args = append(args, w.Values...)
		case "=", "<>", "!=":
			// WherePivot(col, nil) means IS NULL, as Laravel's where does.
			if len(w.Values) == 1 && w.Values[0] == nil {
				if w.Op == "=" {
					b.WriteString(col + " is null")
				} else {
					b.WriteString(col + " is not null")
				}
				continue
			}
			b.WriteString(col + " " + w.Op + " ?")
			args = append(args, w.Values...)
		default:
			b.WriteString(col + " " + w.Op + " ?")
			args = append(args, w.Values...)
		}
	}
	b.WriteString(")")
	return sq.Expr(b.String(), args...)
}
