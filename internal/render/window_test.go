package render_test

import (
	"math"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/internal/sqltext"
	"github.com/relkit/relkit/sqlt"
)

func TestPerParentMovesTheOrderIntoTheWindow(t *testing.T) {
	limit, offset := uint64(2), uint64(1)
	s := render.Select{
		Columns: []string{sqltext.Qualified("posts", "id")},
		Exprs:   []sq.Sqlizer{sq.Expr("? as k", 7)},
		From:    sqltext.Ident("posts"),
		Scope:   []sq.Sqlizer{sq.Expr(sqltext.Qualified("posts", "user_id")+" in (?, ?)", 1, 2)},
		OrderBy: []sq.Sqlizer{sq.Expr("abs(votes - ?) desc", 5)},
		Limit:   &limit,
		Offset:  &offset,
	}
	q, args := sqlOf(t, render.PerParent(s, sqltext.Qualified("posts", "user_id"), sqltext.Qualified("posts", "id")))
	assert.Equal(t, "select * from (select [posts].[id], ? as k, row_number() over (partition by [posts].[user_id]"+
		" order by abs(votes - ?) desc, [posts].[id]) as [relkit_row] from [posts] where [posts].[user_id] in (?, ?))"+
		" as [relkit_table] where [relkit_row] <= 3 and [relkit_row] > 1 order by [relkit_row]", q)
	assert.Equal(t, []any{7, 5, 1, 2}, args, "the order's arguments move with it")
	assert.Len(t, s.Exprs, 1, "the caller's select is not changed")

	// No order: the tie-break alone; no tie-break: no order.
	s.OrderBy, s.Offset = nil, nil
	q, _ = sqlOf(t, render.PerParent(s, "p", "t"))
	assert.Contains(t, q, "row_number() over (partition by p order by t) as [relkit_row]")
	assert.Contains(t, q, "where [relkit_row] <= 2 order by")
	q, _ = sqlOf(t, render.PerParent(s, "p", ""))
	assert.Contains(t, q, "row_number() over (partition by p) as")

	// Offset alone: per parent; a limit past the largest row number: no bound.
	s.Limit, s.Offset = nil, &offset
	q, _ = sqlOf(t, render.PerParent(s, "p", "t"))
	assert.Contains(t, q, "as [relkit_table] where [relkit_row] > 1 order by [relkit_row]")
	huge := uint64(math.MaxUint64)
	s.Limit = &huge
	q, _ = sqlOf(t, render.PerParent(s, "p", "t"))
	assert.Contains(t, q, "as [relkit_table] where [relkit_row] > 1 order by [relkit_row]")

	// Neither: the statement as it is.
	s.Limit, s.Offset = nil, nil
	q, _ = sqlOf(t, render.PerParent(s, "p", "t"))
	assert.NotContains(t, q, "row_number")
}

func TestCheckPerParentRefusesOldSQLite(t *testing.T) {
	require.NoError(t, render.CheckPerParent(sqlt.SQLite), "the bundled SQLite has window functions")
	defer render.SetSQLiteVersion("3.24.0", 3024000)()
	err := render.CheckPerParent(sqlt.SQLite)
	require.ErrorIs(t, err, render.ErrUnsupported)
	assert.Contains(t, err.Error(), "SQLite 3.24.0")
	assert.NoError(t, render.CheckPerParent(sqlt.Postgres))
}
