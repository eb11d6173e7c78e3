package sqlt_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

func TestTimesAreBoundInUTC(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table stamps (id {{pk}}, ts timestamp not null)`)
		ist := time.FixedZone("IST", 5*3600+1800)
		west := time.FixedZone("-05", -5*3600)
		early := time.Date(2024, 1, 15, 18, 0, 0, 0, ist) // 12:30Z
		late := time.Date(2024, 1, 15, 9, 0, 0, 0, west)  // 14:00Z
		args := []any{early}
		_, err := db.Exec(ctx, `insert into stamps (ts) values (?)`, args...)
		require.NoError(t, err)
		assert.Equal(t, ist, args[0].(time.Time).Location(), "the caller's arguments are left as they were")
		_, err = db.Exec(ctx, `insert into stamps (ts) values (?)`, late)
		require.NoError(t, err)

		rows, err := db.Query(ctx, `select id from stamps where ts < ? order by id`, time.Date(2024, 1, 15, 8, 0, 0, 0, west)) // 13:00Z
		require.NoError(t, err)
		ids, err := sqlt.ScanAll[int64](rows)
		require.NoError(t, err)
		assert.Equal(t, []int64{1}, ids)

		// PostgreSQL array parameters: each element is bound in UTC too.
		// (SQLite has no array parameters: relkit never binds a slice there.)
		if db.Name == "postgres" {
			rows, err := db.Query(ctx, `select id from stamps where ts = any(?) order by id`, []time.Time{early, late})
			require.NoError(t, err)
			ids, err := sqlt.ScanAll[int64](rows)
			require.NoError(t, err)
			assert.Equal(t, []int64{1, 2}, ids)
		}
	})
}
