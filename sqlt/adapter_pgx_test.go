package sqlt_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/sqlt"
)

func TestPgxAdapter(t *testing.T) {
	ctx := context.Background()
	db := testdb.Postgres(t)
	db.MustExec(t, `create table things (id {{pk}}, name text not null unique)`)
	// Begin on a pgx transaction handle nests as a savepoint.
	err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
		if _, err := tx.Exec(ctx, `insert into things (name) values (?)`, "a"); err != nil {
			return err
		}
		assert.Error(t, sqlt.Tx(ctx, tx, func(tx sqlt.Executor) error {
			_, err := tx.Exec(ctx, `insert into things (name) values (?)`, "a")
			return err
		}))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, names(t, db))
	rows, err := db.Query(ctx, `select id, name from things`)
	require.NoError(t, err)
	got, err := sqlt.ScanAll[thing](rows)
	require.NoError(t, err)
	assert.Equal(t, []thing{{ID: 1, Name: "a"}}, got)
}
