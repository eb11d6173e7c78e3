package acceptance_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	fx "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
)

// A belongsToMany relation narrowed by a pivot filter keeps the filter in
// existence tests, relation counts and detach-all: only ann's active role
// (admin) and bob's (viewer) are seen, ann's inactive editor role is not.
func TestPivotFilterLimitsExistenceCountsAndDetach(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fx.Seed(t, db)
		active := fx.UserRoles.WherePivot("active", true)
		users, err := query.From[fx.User]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)

		// has() and withCount() merge the pivot filters.
		two, err := query.From[fx.User]().Where(query.Has(fx.UserRoles, ">=", 2)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, two, 1)
		assert.Equal(t, "ann", two[0].Name)
		twoActive, err := query.From[fx.User]().Where(query.Has(active, ">=", 2)).Get(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, twoActive)
		require.NoError(t, agg.LoadCount(ctx, db, users, active))
		assert.Equal(t, []int64{1, 1, 0}, []int64{users[0].RolesCount, users[1].RolesCount, users[2].RolesCount})

		// detach() with no ids only removes the rows the filter selects.
		n, err := pivot.DetachAll(ctx, db, active, &users[0])
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		left, err := query.GetMany(ctx, db, fx.UserRoles, &users[0])
		require.NoError(t, err)
		require.Len(t, left, 1)
		assert.Equal(t, "editor", left[0].Name)
	})
}
