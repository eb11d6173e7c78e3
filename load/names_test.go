package load_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type lnUser struct {
	ID    int64    `db:"id"`
	Roles []lnRole `db:"-"`
}

func (lnUser) TableName() string { return "ln_users" }

type lnRole struct {
	ID    int64          `db:"id"`
	Pivot map[string]any `db:"-"`
}

func (lnRole) TableName() string { return "ln_roles" }

// lnLong is a pivot column whose alias, pivot_<column>, is 64 bytes.
var lnLong = strings.Repeat("n", 58)

var lnRoles = rel.BelongsToMany[lnUser, lnRole]("ln_role_user", "user_id", "role_id").WithPivot(lnLong).Field("Roles")

// TestLoadRefusesNamesTheDatabaseWouldTruncate: an eager load whose pivot
// alias is longer than PostgreSQL keeps (63 bytes) is refused with
// ErrInvalidIdentifier before any statement, as a read through query is;
// SQLite loads it. Regression: on PostgreSQL the load succeeded with the
// pivot value under the truncated name (57 bytes), and none under its own.
func TestLoadRefusesNamesTheDatabaseWouldTruncate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table ln_users (id bigint primary key)`, `create table ln_roles (id bigint primary key)`,
			`create table ln_role_user (user_id bigint not null, role_id bigint not null, `+lnLong+` integer)`,
			`insert into ln_users values (1)`, `insert into ln_roles values (1)`, `insert into ln_role_user values (1, 1, 5)`)
		users := []lnUser{{ID: 1}}
		db.Counter.Reset()
		err := load.With(ctx, db, users, lnRoles)
		if db.Name == "postgres" {
			require.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
			assert.Zero(t, db.Counter.Count(), db.Counter)
			assert.Empty(t, users[0].Roles)
			return
		}
		require.NoError(t, err)
		require.Len(t, users[0].Roles, 1)
		assert.EqualValues(t, 5, users[0].Roles[0].Pivot[lnLong])
	})
}
