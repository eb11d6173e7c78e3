package sqlt_test

import (
	"context"
	"database/sql"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

type level int

// flagsOf returns the flag and code columns of the settings rows matching
// where, as text, in id order.
func flagsOf(t *testing.T, ex sqlt.Executor, where string, args ...any) [][2]string {
	t.Helper()
	rows, err := ex.Query(context.Background(), `select flag, code from settings where `+where+` order by id`, args...)
	require.NoError(t, err)
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var p [2]string
		require.NoError(t, rows.Scan(&p[0], &p[1]))
		out = append(out, p)
	}
	require.NoError(t, rows.Err())
	return out
}

// A boolean or a number bound for a text or varchar column is stored and
// compared as its text form on both databases: true is "1", false "0"
// (what SQLite stores, and what Laravel binds), 7 is "7".
func TestBooleansAndNumbersBindToTextColumnsAsTheirTextForm(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table settings (id {{pk}}, flag text not null, code varchar(20) not null, on_off boolean not null default false)`)
		seven := int64(7)
		for _, args := range [][]any{
			{true, 7}, {false, level(8)}, {true, &seven}, {sql.NullBool{Bool: false, Valid: true}, sql.NullInt64{Int64: 9, Valid: true}}, {true, 2.5},
		} {
			_, err := db.Exec(ctx, `insert into settings (flag, code) values (?, ?)`, args...)
			require.NoError(t, err, "insert %v", args)
		}
		assert.Equal(t, [][2]string{{"1", "7"}, {"0", "8"}, {"1", "7"}, {"0", "9"}, {"1", "2.5"}}, flagsOf(t, db, `1 = 1`))

		assert.Equal(t, [][2]string{{"1", "7"}, {"1", "7"}}, flagsOf(t, db, `flag = ? and code = ?`, true, 7), "where")
		assert.Equal(t, [][2]string{{"0", "8"}, {"0", "9"}}, flagsOf(t, db, `code in (?, ?)`, 8, uint8(9)), "where in")
		cond, args, err := sq.Eq{"flag": false, "code": []any{8, 10}}.ToSql()
		require.NoError(t, err)
		assert.Equal(t, [][2]string{{"0", "8"}}, flagsOf(t, db, cond, args...), "squirrel")

		// The caller's arguments are left as they were.
		args = []any{true, 7}
		_, err = db.Exec(ctx, `update settings set code = ? where flag = ? and code = '7'`, 70, args[0])
		require.NoError(t, err)
		assert.Equal(t, []any{true, 7}, args)
		assert.Equal(t, [][2]string{{"1", "70"}, {"1", "70"}}, flagsOf(t, db, `code = ?`, 70), "update")

		// Parameters of the argument's own type are bound as before, and
		// the text form parses as the parameter's type: 1 into a boolean
		// column is true, in one statement with a text parameter.
		_, err = db.Exec(ctx, `update settings set on_off = ? where flag = ?`, 1, true)
		require.NoError(t, err)
		rows, err := db.Query(ctx, `select count(*) from settings where on_off = ? and id > ?`, true, 0)
		require.NoError(t, err)
		n, err := sqlt.ScanOne[int64](rows)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)
	})
}

// Rebinding the arguments as text runs nothing twice and keeps a
// transaction usable: the statement pgx could not encode never ran.
func TestBooleanForTextColumnInsideTransactionRunsOnce(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, `create table settings (id {{pk}}, flag text not null, code varchar(20) not null)`)
		err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if _, err := tx.Exec(ctx, `insert into settings (flag, code) values (?, ?)`, true, 1); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `insert into settings (flag, code) values (?, ?)`, "plain", "text")
			return err
		})
		require.NoError(t, err)
		assert.Equal(t, [][2]string{{"1", "1"}, {"plain", "text"}}, flagsOf(t, db, `1 = 1`))
	})
}

// A value PostgreSQL cannot parse as the parameter's type still fails,
// with the database's error.
// PostgreSQL only: SQLite stores any value in any column, so there is no
// failure to keep there.
func TestNumberThatIsNotABooleanStillFails(t *testing.T) {
	{
		db := testdb.Postgres(t)
		ctx := context.Background()
		db.MustExec(t, `create table toggles (id {{pk}}, on_off boolean not null)`)
		_, err := db.Exec(ctx, `insert into toggles (on_off) values (?)`, 5)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr)
		assert.Equal(t, "22P02", pgErr.Code, "invalid_text_representation: %v", err)
	}
}
