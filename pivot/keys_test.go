package pivot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
)

// tagIDs returns the tags attached to the owner, ascending, read with the
// owner's key bound as the application binds it.
func tagIDs(t *testing.T, db *testdb.DB, ref []byte) []int64 {
	t.Helper()
	rows, err := db.Query(context.Background(), `select tag_id from key_owner_tags where owner_ref = ? order by tag_id`, ref)
	require.NoError(t, err)
	var out []int64
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		out = append(out, id)
	}
	require.NoError(t, rows.Err())
	return out
}

// Pivot writes of a parent keyed by bytes bind the key as bytes: they find
// and write the parent's own rows.
func TestBytesParentKeyPivotWrites(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		keys := OddKeys[[]byte](3)
		require.NoError(t, SeedKeys(t, db, keys))
		owner, err := query.From[KeyOwner[[]byte]]().Find(ctx, db, keys[0]) // tag 1 attached
		require.NoError(t, err)
		tags := BytesKeyRels.Tags

		ch, err := pivot.Sync(ctx, db, tags, &owner, []int64{2})
		require.NoError(t, err)
		assert.Equal(t, []any{int64(1)}, ch.Detached)
		assert.Equal(t, []any{int64(2)}, ch.Attached)
		assert.Equal(t, []int64{2}, tagIDs(t, db, keys[0]))

		require.NoError(t, pivot.Attach(ctx, db, tags, &owner, 1))
		assert.Equal(t, []int64{1, 2}, tagIDs(t, db, keys[0]))
		n, err := pivot.Detach(ctx, db, tags, &owner, []int64{2})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []int64{1}, tagIDs(t, db, keys[0]))
		assert.Equal(t, []int64{1, 2}, tagIDs(t, db, keys[1]), "another owner's rows are untouched")
	})
}
