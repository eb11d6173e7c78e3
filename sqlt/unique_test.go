package sqlt_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

// TestIsUniqueViolation provokes each constraint failure on every database
// and checks that only the duplicates of a unique or primary key count.
func TestIsUniqueViolation(t *testing.T) {
	ctx := context.Background()
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		seedItems(t, db)
		exec := func(ex sqlt.Executor, q string) error {
			_, err := ex.Exec(ctx, q)
			require.Error(t, err, q)
			return err
		}
		unique := exec(db, "insert into items (name) values ('a')")         // SQLITE_CONSTRAINT_UNIQUE, 23505
		primary := exec(db, "insert into items (id, name) values (1, 'z')") // SQLITE_CONSTRAINT_PRIMARYKEY, 23505
		notNull := exec(db, "insert into items (name) values (null)")
		cond, arg := db.FailingCondition("id")
		_, other := db.Exec(ctx, "update items set name = 'x' where "+cond, arg)
		require.Error(t, other)

		assert.True(t, sqlt.IsUniqueViolation(unique), "%v", unique)
		assert.True(t, sqlt.IsUniqueViolation(primary), "%v", primary)
		assert.True(t, sqlt.IsUniqueViolation(fmt.Errorf("save: %w", unique)), "wrapped")
		assert.False(t, sqlt.IsUniqueViolation(notNull), "%v", notNull)
		assert.False(t, sqlt.IsUniqueViolation(other), "%v", other)
		assert.False(t, sqlt.IsUniqueViolation(nil))
		assert.False(t, sqlt.IsUniqueViolation(errors.New("UNIQUE constraint failed: items.name")), "never by message text")

		// Inside a transaction, and in a savepoint after which it goes on.
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			err := sqlt.Tx(ctx, tx, func(sp sqlt.Executor) error {
				_, err := sp.Exec(ctx, "insert into items (name) values ('b')")
				return err
			})
			assert.True(t, sqlt.IsUniqueViolation(err), "%v", err)
			_, err = tx.Exec(ctx, "insert into items (name) values ('c')")
			return err
		})
		require.NoError(t, err)
	})
}
