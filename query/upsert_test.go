package query_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func TestUpsert(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		r := Role{Name: "admin"}
		require.NoError(t, query.From[Role]().Upsert(ctx, db, &r, []string{"name"}))
		assert.Equal(t, int64(1), r.ID, "the existing row's key comes back")
		n, err := query.From[Role]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)

		r = Role{Name: "owner"}
		require.NoError(t, query.From[Role]().Upsert(ctx, db, &r, []string{"name"}))
		assert.Greater(t, r.ID, int64(3))
		n, err = query.From[Role]().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(4), n)

		err = query.From[Role]().Upsert(ctx, db, &r, []string{"name) do nothing; --"})
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
	})
}
