// Package render writes the SQL of reads: the SELECT statement shell that
// package query renders its builder with, and the related side of a
// relation — key column, correlation, pivot join and columns, the
// relation's own conditions — that relation-scoped queries, existence
// tests, eager loads and aggregates share. Every keyword relkit writes is
// lower case (squirrel's conditions, such as sq.Like, keep their own).
package render

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	sq "github.com/Masterminds/squirrel"

	"github.com/relkit/relkit/internal/sqltext"
)

// Select is a SELECT statement in parts. Its zero value is not a
// statement: From and at least one column (Columns or Exprs) are needed.
type Select struct {
	Distinct bool
	Columns  []string     // rendered select items
	Exprs    []sq.Sqlizer // further select expressions, after Columns
	From     string       // the quoted table, with its alias
	Joins    []sq.Sqlizer // join clauses, keyword included
	// Scope conditions are ANDed in front of Where, which is
	// parenthesised after them so that an OR in it cannot escape them.
	Scope   []sq.Sqlizer
	Where   sq.Sqlizer
	GroupBy []string
	Having  sq.Sqlizer
	OrderBy []sq.Sqlizer
	Limit   *uint64
	Offset  *uint64
}

// Cond is Scope AND (Where), or nil when there is neither.
func (s *Select) Cond() sq.Sqlizer {
	if s.Where == nil {
		if len(s.Scope) == 0 {
			return nil
		}
		return And(s.Scope)
	}
	if len(s.Scope) == 0 {
		return s.Where
	}
	return And(append(slices.Clip(s.Scope), paren{s.Where}))
}

// ToSql renders the statement with "?" placeholders.
func (s *Select) ToSql() (string, []any, error) {
	var b strings.Builder
	var args []any
	b.Grow(128)
	b.WriteString("select ")
	if s.Distinct {
		b.WriteString("distinct ")
	}
	n := 0
	for _, c := range s.Columns {
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c)
		n++
	}
	for _, e := range s.Exprs {
		if n > 0 {
			b.WriteString(", ")
		}
		if err := write(&b, &args, e); err != nil {
			return "", nil, fmt.Errorf("select: %w", err)
		}
		n++
	}
	b.WriteString(" from ")
	b.WriteString(s.From)
	for _, j := range s.Joins {
		b.WriteByte(' ')
		if err := write(&b, &args, j); err != nil {
			return "", nil, fmt.Errorf("join: %w", err)
		}
	}
	if w := s.Cond(); w != nil {
		b.WriteString(" where ")
		if err := write(&b, &args, w); err != nil {
			return "", nil, err
		}
	}
	if len(s.GroupBy) > 0 {
		b.WriteString(" group by ")
		b.WriteString(strings.Join(s.GroupBy, ", "))
	}
	if s.Having != nil {
		b.WriteString(" having ")
		if err := write(&b, &args, s.Having); err != nil {
			return "", nil, fmt.Errorf("having: %w", err)
		}
	}
	if err := writeOrderBy(&b, &args, s.OrderBy); err != nil {
		return "", nil, err
	}
	if s.Limit != nil {
		b.WriteString(" limit ")
		b.WriteString(strconv.FormatUint(*s.Limit, 10))
	}
	if s.Offset != nil {
		b.WriteString(" offset ")
		b.WriteString(strconv.FormatUint(*s.Offset, 10))
	}
	return b.String(), args, nil
}

// writeOrderBy writes " order by " and orders, comma-separated; nothing
// when there are none.
func writeOrderBy(b *strings.Builder, args *[]any, orders []sq.Sqlizer) error {
	for i, o := range orders {
		if i == 0 {
			b.WriteString(" order by ")
		} else {
			b.WriteString(", ")
		}
		if err := write(b, args, o); err != nil {
			return fmt.Errorf("order by: %w", err)
		}
	}
	return nil
}

func write(b *strings.Builder, args *[]any, s sq.Sqlizer) error {
	sql, a, err := s.ToSql()
	if err != nil {
		return err
	}
	b.WriteString(sql)
	*args = append(*args, a...)
	return nil
}

// And joins conditions with "and", parenthesising each one (when there
// are several) that may hold a top-level OR, which would otherwise bind
// looser than the ANDs around it.
type And []sq.Sqlizer

// ToSql renders the conditions.
func (l And) ToSql() (string, []any, error) {
	return join(len(l), func(i int) (sq.Sqlizer, bool) { return l[i], false })
}

// Term is a condition and how it joins the one before it: with "or" when
// Or, else with "and".
type Term struct {
	Or   bool
	Cond sq.Sqlizer
}

// Terms joins conditions in order, each with its connective, parenthesising
// each one as And does; "a and b or c" groups as SQL reads it, as
// Laravel's where/orWhere do.
type Terms []Term

// ToSql renders the conditions.
func (l Terms) ToSql() (string, []any, error) {
	return join(len(l), func(i int) (sq.Sqlizer, bool) { return l[i].Cond, l[i].Or })
}

// join renders n conditions; at(i) is the i-th and whether "or" (else
// "and") joins it to the one before.
func join(n int, at func(i int) (c sq.Sqlizer, or bool)) (string, []any, error) {
	var b strings.Builder
	var args []any
	for i := range n {
		c, or := at(i)
		s, a, err := c.ToSql()
		if err != nil {
			return "", nil, err
		}
		if i > 0 {
			if or {
				b.WriteString(" or ")
			} else {
				b.WriteString(" and ")
			}
		}
		if n > 1 && sqltext.NeedsParens(s) {
			s = "(" + s + ")"
		}
		b.WriteString(s)
		args = append(args, a...)
	}
	return b.String(), args, nil
}

// Group is conditions joined as And does, in parentheses: "(a and b)".
type Group []sq.Sqlizer

// ToSql renders the group.
func (g Group) ToSql() (string, []any, error) { return paren{And(g)}.ToSql() }

// paren renders a condition in parentheses.
type paren struct{ s sq.Sqlizer }

func (p paren) ToSql() (string, []any, error) {
	s, a, err := p.s.ToSql()
	if err != nil {
		return "", nil, err
	}
	return "(" + s + ")", a, nil
}
