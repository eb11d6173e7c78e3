package pivot_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// userFlags is a pivot whose attribute columns are text and varchar.
var userFlags = rel.BelongsToMany[User, Role]("role_flags").WithPivot("flag", "code")

func seedFlags(t *testing.T, db *testdb.DB) *User {
	t.Helper()
	Seed(t, db)
	db.MustExec(t, `create table role_flags (user_id bigint not null references users(id), role_id bigint not null references roles(id),
		flag text, code varchar(20), primary key (user_id, role_id))`)
	return user(1)
}

// flagRows returns user 1's role_flags rows as "role:flag:code".
func flagRows(t *testing.T, ex sqlt.Executor) []string {
	t.Helper()
	rows, err := ex.Query(context.Background(), `select role_id, coalesce(flag, '-'), coalesce(code, '-') from role_flags where user_id = 1 order by role_id`)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var flag, code string
		require.NoError(t, rows.Scan(&id, &flag, &code))
		out = append(out, fmt.Sprintf("%d:%s:%s", id, flag, code))
	}
	require.NoError(t, rows.Err())
	return out
}

func flaggedRoles(t *testing.T, ex sqlt.Executor, r rel.BelongsToManyRelation[User, Role], u *User) []int64 {
	t.Helper()
	roles, err := query.GetMany(context.Background(), ex, r, u)
	require.NoError(t, err)
	var ids []int64
	for _, ro := range roles {
		ids = append(ids, ro.ID)
	}
	return ids
}

// Laravel's cases: a boolean or an integer given for a text or varchar
// pivot column, in pivot attributes and pivot filters, is written and
// compared as its text form ("1", "0", "7") on both databases.
func TestPivotBooleansAndNumbersForTextColumns(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		ann := seedFlags(t, db)

		// Attach with attributes, in both forms.
		require.NoError(t, pivot.Attach(ctx, db, userFlags, ann, []int64{1}, map[string]any{"flag": true, "code": 7}))
		require.NoError(t, pivot.Attach(ctx, db, userFlags, ann, map[int64]map[string]any{2: {"flag": false, "code": int32(8)}}))
		assert.Equal(t, []string{"1:1:7", "2:0:8"}, flagRows(t, db))

		// Pivot filters.
		assert.Equal(t, []int64{1}, flaggedRoles(t, db, userFlags.WherePivot("flag", true), ann), "WherePivot")
		assert.Equal(t, []int64{2}, flaggedRoles(t, db, userFlags.WherePivot("code", "<>", 7), ann), "WherePivot with operator")
		assert.Equal(t, []int64{1, 2}, flaggedRoles(t, db, userFlags.WherePivot("flag", true).OrWherePivot("code", 8), ann), "OrWherePivot")
		assert.Equal(t, []int64{1, 2}, flaggedRoles(t, db, userFlags.WherePivotIn("code", []int{7, 8}), ann), "WherePivotIn")
		assert.Equal(t, []int64{2}, flaggedRoles(t, db, userFlags.WherePivotNotIn("flag", true), ann), "WherePivotNotIn")
		assert.Equal(t, []int64{1, 2}, flaggedRoles(t, db, userFlags.WherePivotBetween("code", 7, 8), ann), "WherePivotBetween")

		// Sync with the map form: 1 updated, 2 detached, 3 attached.
		ch, err := pivot.Sync(ctx, db, userFlags, ann, map[int64]map[string]any{1: {"code": 70}, 3: {"flag": true, "code": 9}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{int64(3)}, Detached: []any{int64(2)}, Updated: []any{int64(1)}}, ch)
		assert.Equal(t, []string{"1:1:70", "3:1:9"}, flagRows(t, db))
		// The same attributes again change nothing, and say so.
		ch, err = pivot.Sync(ctx, db, userFlags, ann, map[int64]map[string]any{1: {"code": 70}, 3: {"flag": true, "code": 9}})
		require.NoError(t, err)
		assert.Empty(t, ch.Updated, "unchanged rows are not reported updated")

		// SyncWithPivotValues and UpdateExistingPivot.
		ch, err = pivot.SyncWithPivotValues(ctx, db, userFlags, ann, []int64{1, 3}, map[string]any{"flag": false})
		require.NoError(t, err)
		assert.Equal(t, []any{int64(1), int64(3)}, ch.Updated)
		n, err := pivot.UpdateExistingPivot(ctx, db, userFlags.WherePivot("code", 9), ann, []int64{1, 3}, map[string]any{"flag": true, "code": 10})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Equal(t, []string{"1:0:70", "3:1:10"}, flagRows(t, db))

		// Detach through a pivot filter.
		n, err = pivot.Detach(ctx, db, userFlags.WherePivot("flag", false), ann, []int64{1, 3})
		require.NoError(t, err)
		assert.Equal(t, int64(1), n)
		assert.Equal(t, []string{"3:1:10"}, flagRows(t, db))
	})
}

// WithPivotValue with a boolean for a text column filters and writes it.
func TestWithPivotValueBooleanForTextColumn(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		ann := seedFlags(t, db)
		flagged := userFlags.WithPivotValue("flag", true)
		require.NoError(t, pivot.Attach(ctx, db, flagged, ann, []int64{1}))
		require.NoError(t, pivot.Attach(ctx, db, userFlags, ann, []int64{2}, map[string]any{"flag": "no"}))
		assert.Equal(t, []string{"1:1:-", "2:no:-"}, flagRows(t, db))
		assert.Equal(t, []int64{1}, flaggedRoles(t, db, flagged, ann))
		ch, err := pivot.Sync(ctx, db, flagged, ann, []int64{3})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{int64(3)}, Detached: []any{int64(1)}, Updated: []any{}}, ch)
		assert.Equal(t, []string{"2:no:-", "3:1:-"}, flagRows(t, db), "sync touches only the flagged rows")
	})
}
