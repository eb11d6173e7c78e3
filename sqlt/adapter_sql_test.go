package sqlt_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/sqlt"
)

// Compile-time checks: every handle is an Executor, and pgx's types fit
// the pgx adapter.
var (
	_ sqlt.Executor   = (*sqlt.DB)(nil)
	_ sqlt.Executor   = (*sqlt.Transaction)(nil)
	_ sqlt.PgxQuerier = (*pgxpool.Pool)(nil)
	_ sqlt.PgxQuerier = (*pgx.Conn)(nil)
	_ sqlt.PgxQuerier = (pgx.Tx)(nil)
)

type thing struct {
	ID   int64
	Name string
}

func names(t *testing.T, ex sqlt.Executor) []string {
	t.Helper()
	rows, err := ex.Query(context.Background(), `select name from things order by name`)
	require.NoError(t, err)
	out, err := sqlt.ScanAll[string](rows)
	require.NoError(t, err)
	return out
}

func TestDatabaseSQLAdapters(t *testing.T) {
	ctx := context.Background()
	sdb, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "a.db")+"?_foreign_keys=1")
	require.NoError(t, err)
	defer sdb.Close()
	db := sqlt.FromDB(sdb, sqlt.SQLite)
	_, err = db.Exec(ctx, `create table things (id integer primary key, name text not null unique)`)
	require.NoError(t, err)

	// A caller-owned *sql.Tx: relkit's transactions become savepoints in it.
	stx, err := sdb.BeginTx(ctx, nil)
	require.NoError(t, err)
	tdb := sqlt.FromTx(stx, sqlt.SQLite)
	require.NoError(t, sqlt.Tx(ctx, tdb, func(tx sqlt.Executor) error {
		_, err := tx.Exec(ctx, `insert into things (name) values (?)`, "kept")
		return err
	}))
	assert.Error(t, sqlt.Tx(ctx, tdb, func(tx sqlt.Executor) error {
		_, err := tx.Exec(ctx, `insert into things (name) values (?)`, "kept")
		return err // unique violation: only this savepoint rolls back
	}))
	require.NoError(t, stx.Commit())
	assert.Equal(t, []string{"kept"}, names(t, db))

	conn, err := sdb.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	cdb := sqlt.FromConn(conn, sqlt.SQLite)
	_, err = cdb.Exec(ctx, `insert into things (name) values (?)`, "via conn")
	require.NoError(t, err)
	assert.Equal(t, []string{"kept", "via conn"}, names(t, cdb))
	assert.NoError(t, db.Close(), "an adapter does not own the pool")
	require.NoError(t, sdb.Ping())
}
