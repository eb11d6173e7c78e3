package pivot_test

import (
	"context"
	"testing"

	"github.com/mattn/go-sqlite3"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/rel"
)

func TestPivotWritesKeepTheDriverError(t *testing.T) {
	ctx := context.Background()
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		Seed(t, db)
		ann := &User{ID: 1}
		foreignKey := func(t *testing.T, err error) {
			db.RequireDriverError(t, err, testdb.PgForeignKeyViolation, sqlite3.ErrConstraint)
		}
		missingTable := func(t *testing.T, err error) {
			db.RequireDriverError(t, err, testdb.PgUndefinedTable, sqlite3.ErrError)
		}
		noPivot := rel.BelongsToMany[User, Role]("no_such_pivot")
		t.Run("Attach", func(t *testing.T) {
			foreignKey(t, pivot.Attach(ctx, db, UserRoles, ann, []int64{99}))
			missingTable(t, pivot.Attach(ctx, db, noPivot, ann, []int64{3}))
		})
		t.Run("Sync", func(t *testing.T) {
			_, err := pivot.Sync(ctx, db, UserRoles, ann, []int64{1, 99})
			foreignKey(t, err)
			_, err = pivot.Sync(ctx, db, noPivot, ann, []int64{1})
			missingTable(t, err)
		})
		t.Run("Detach", func(t *testing.T) {
			_, err := pivot.Detach(ctx, db, noPivot, ann, []int64{1})
			missingTable(t, err)
			_, err = pivot.DetachAll(ctx, db, noPivot, ann)
			missingTable(t, err)
		})
		t.Run("UpdateExistingPivot", func(t *testing.T) {
			_, err := pivot.UpdateExistingPivot(ctx, db, noPivot, ann, 1, map[string]any{"active": false})
			missingTable(t, err)
		})
	})
}
