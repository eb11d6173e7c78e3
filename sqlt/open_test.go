package sqlt_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/sqlt"
)

func TestOpenErrors(t *testing.T) {
	_, err := sqlt.Open(context.Background(), "oracle://x")
	assert.ErrorIs(t, err, sqlt.ErrUnsupportedDSN)
}

func TestOpenFileDSN(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := sqlt.Open(ctx, "file:"+path)
	require.NoError(t, err)
	_, err = db.Exec(ctx, `create table things (id integer primary key, name text)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	db, err = sqlt.Open(ctx, "sqlite:"+path)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(ctx, `pragma foreign_keys`)
	require.NoError(t, err)
	fk, err := sqlt.ScanOne[int](rows)
	require.NoError(t, err)
	assert.Equal(t, 1, fk, "foreign keys are on")
}
