package pivot_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// A relation declared with an unsafe Where is unusable, pivot writes
// included (they do not embed it, but the declaration is refused).
func TestPivotWritesOnRelationWithUnsafeFragmentRunNothing(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann, err := query.From[User]().Find(ctx, db, 1)
		require.NoError(t, err)
		for _, frag := range UnsafeFragments {
			t.Run(frag, func(t *testing.T) {
				r := UserRoles.Where(sq.Expr(frag))
				db.Counter.Reset()
				_, err := pivot.DetachAll(ctx, db, r, &ann)
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "detach all")
				_, err = pivot.Sync(ctx, db, r, &ann, []int64{3})
				assert.ErrorIs(t, err, sqlt.ErrUnsafeFragment, "sync")
				assert.Zero(t, db.Counter.Count(), "no statement ran: %s", db.Counter)
			})
		}
		roles, err := query.GetMany(ctx, db, UserRoles, &ann)
		require.NoError(t, err)
		assert.Len(t, roles, 2, "ann's roles are untouched")
	})
}
