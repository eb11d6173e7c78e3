package agg_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

type lateShelf struct {
	ID        int64      `db:"id"`
	Books     []lateBook `db:"-"`
	BookCount int64      `db:"bc,readonly"`
}

type lateBook struct {
	ID          int64 `db:"id"`
	LateShelfID int64 `db:"late_shelf_id"`
}

// Package variables initialise in declaration order when they do not
// refer to each other: the aggregate by name is made before its relation.
var (
	lateCount  = agg.CountOf[lateShelf]("books as bc")
	lateGhosts = agg.CountOf[lateShelf]("ghosts")
	lateBooks  = rel.HasMany[lateShelf, lateBook]()
)

// A by-name aggregate resolves its relation when first used, so it may be
// declared before the relation; a name that never resolves is reported by
// rel.Check at start-up.
func TestByNameDeclaredBeforeTheRelation(t *testing.T) {
	require.NoError(t, relmeta.Of(lateBooks).Err())
	require.NoError(t, lateCount.Err())
	assert.Equal(t, "bc", lateCount.Alias())
	sql, _, err := query.From[lateShelf]().Apply(lateCount).ToSql()
	require.NoError(t, err)
	assert.Contains(t, sql, `(select count(*) from "late_books" where "late_shelves"."id" = "late_books"."late_shelf_id") as "bc"`)

	assert.ErrorIs(t, lateGhosts.Err(), rel.ErrUnknownRelation)
	err = rel.Check()
	require.ErrorIs(t, err, rel.ErrUnknownRelation)
	assert.Contains(t, err.Error(), `agg count "ghosts"`)
	assert.NotContains(t, err.Error(), `"books as bc"`)
}
