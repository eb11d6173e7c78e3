package render_test

import (
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/sqltext"
)

func TestSelectWritesEveryClauseInLowerCase(t *testing.T) {
	limit, offset := uint64(10), uint64(20)
	s := render.Select{
		Distinct: true,
		Columns:  []string{sqltext.Qualified("posts", "user_id"), "count(*)"},
		Exprs:    []sq.Sqlizer{sq.Expr("? as k", 7)},
		From:     sqltext.Ident("posts"),
		Joins:    []sq.Sqlizer{sq.Expr("join "+sqltext.Ident("users")+" on u = ?", 1)},
		Where:    sq.Expr("votes > ?", 2),
		GroupBy:  []string{sqltext.Qualified("posts", "user_id")},
		Having:   sq.Expr("count(*) > ?", 3),
		OrderBy:  []sq.Sqlizer{sq.Expr("1 desc"), sq.Expr("2")},
		Limit:    &limit,
		Offset:   &offset,
	}
	q, args := sqlOf(t, &s)
	assert.Equal(t, "select distinct [posts].[user_id], count(*), ? as k from [posts] join [users] on u = ?"+
		" where votes > ? group by [posts].[user_id] having count(*) > ? order by 1 desc, 2 limit 10 offset 20", q)
	assert.Equal(t, []any{7, 1, 2, 3}, args, "arguments in the order of the text")

	min := render.Select{Columns: []string{"*"}, From: sqltext.Ident("posts")}
	q, args = sqlOf(t, &min)
	assert.Equal(t, "select * from [posts]", q)
	assert.Empty(t, args)
}

func TestSelectGroupsItsConditions(t *testing.T) {
	or := sq.Or{sq.Eq{"a": 1}, sq.Eq{"b": 2}}

	s := render.Select{Columns: []string{"*"}, From: "t", Scope: []sq.Sqlizer{sq.Eq{"k": 0}}, Where: or}
	q, args := sqlOf(t, &s)
	assert.Equal(t, "select * from t where k = ? and ((a = ? OR b = ?))", q, "an OR in Where cannot escape the scope")
	assert.Equal(t, []any{0, 1, 2}, args)

	s = render.Select{Columns: []string{"*"}, From: "t", Scope: []sq.Sqlizer{sq.Eq{"k": 0}, sq.Expr("x = 1 or y = 1")}}
	q, _ = sqlOf(t, &s)
	assert.Equal(t, "select * from t where k = ? and (x = 1 or y = 1)", q, "a top-level OR among scope conditions is parenthesised")

	s = render.Select{Columns: []string{"*"}, From: "t", Where: sq.Expr("x = 1 or y = 1")}
	q, _ = sqlOf(t, &s)
	assert.Equal(t, "select * from t where x = 1 or y = 1", q, "alone, a condition is written as it is")

	assert.Nil(t, (&render.Select{}).Cond(), "no scope, no where: no condition")
	s = render.Select{Scope: []sq.Sqlizer{sq.Expr("a"), sq.Expr("b")}}
	q, _ = sqlOf(t, s.Cond())
	assert.Equal(t, "a and b", q)
}

func TestAndParenthesisesOnlyATopLevelOr(t *testing.T) {
	q, args := sqlOf(t, render.And{sq.Expr("a = ?", 1), sq.Expr("b = 1 or c = 1"), sq.Expr("(d = 1 or e = 1)"), sq.Expr("f in (1, 2)")})
	assert.Equal(t, "a = ? and (b = 1 or c = 1) and (d = 1 or e = 1) and f in (1, 2)", q)
	assert.Equal(t, []any{1}, args)

	q, _ = sqlOf(t, render.And{sq.Expr("b = 1 or c = 1")})
	assert.Equal(t, "b = 1 or c = 1", q, "a single condition keeps its text")

	q, _ = sqlOf(t, render.Group{sq.Expr("a"), sq.Expr("b or c")})
	assert.Equal(t, "(a and (b or c))", q)
}

func TestSelectReportsAFailingPart(t *testing.T) {
	broken := sq.Lt{"a": nil} // squirrel refuses nil with "<"
	_, _, err := broken.ToSql()
	require.Error(t, err)
	for name, s := range map[string]render.Select{
		"where":    {Columns: []string{"*"}, From: "t", Where: broken},
		"join":     {Columns: []string{"*"}, From: "t", Joins: []sq.Sqlizer{broken}},
		"having":   {Columns: []string{"*"}, From: "t", Having: broken},
		"order by": {Columns: []string{"*"}, From: "t", OrderBy: []sq.Sqlizer{broken}},
		"select":   {Exprs: []sq.Sqlizer{broken}, From: "t"},
	} {
		_, _, err := s.ToSql()
		assert.Error(t, err, name)
	}
}
