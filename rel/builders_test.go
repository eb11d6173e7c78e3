package rel_test

import (
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/render"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func TestBuildersReturnCopies(t *testing.T) {
	roles := rel.BelongsToMany[decUser, decRole]("dec_role_dec_user").WithPivot("a")
	b := roles.WithPivot("b")
	c := roles.WithPivot("c")
	assert.Equal(t, []string{"a"}, relmeta.Of(roles).PivotColumns)
	assert.Equal(t, []string{"a", "b"}, relmeta.Of(b).PivotColumns)
	assert.Equal(t, []string{"a", "c"}, relmeta.Of(c).PivotColumns, "appending to one copy never writes into another")

	posts := rel.HasMany[decUser, decPost]()
	w1 := posts.Where(sq.Eq{"a": 1})
	w2 := w1.Where(sq.Eq{"b": 2})
	w3 := w1.Where(sq.Eq{"c": 3})
	assert.Empty(t, relmeta.Of(posts).Wheres)
	assert.Len(t, relmeta.Of(w1).Wheres, 1)
	s2, _, _ := relmeta.Of(w2).Wheres[1].ToSql()
	s3, _, _ := relmeta.Of(w3).Wheres[1].ToSql()
	assert.Equal(t, "b = ?", s2)
	assert.Equal(t, "c = ?", s3)

	p := roles.WherePivot("active", 1).OrWherePivot("priority", ">", 2).WherePivotIn("kind", []string{"a", "b"}).WherePivotNull("deleted_at")
	s, args, err := render.PivotFilter(relmeta.Of(p)).ToSql()
	require.NoError(t, err)
	assert.Equal(t, `("dec_role_dec_user"."active" = ? or "dec_role_dec_user"."priority" > ? and "dec_role_dec_user"."kind" in (?, ?) and "dec_role_dec_user"."deleted_at" is null)`, sqlt.SQLite.Rebind(s))
	assert.Equal(t, []any{1, 2, "a", "b"}, args)
	assert.Nil(t, render.PivotFilter(relmeta.Of(roles)))
}
