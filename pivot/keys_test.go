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

// ktTag is the fixture's tag as a parent whose related models, owners, are
// keyed by bytes.
type ktTag struct {
	ID int64 `db:"id"`
}

func (ktTag) TableName() string { return "key_tags" }

var ktTagOwners = rel.BelongsToMany[ktTag, KeyOwner[[]byte]]("key_owner_tags", "tag_id", "owner_ref", "id", "ref").WithPivot("n").Named("owners")

// Pivot writes whose related keys are bytes read the current keys and the
// updated ones back as the keys given: Sync detaches, attaches and updates
// exactly the rows asked for (3 owners, and 600, beyond SQLite's inline
// key list). Regression: on PostgreSQL every sync failed with "cannot scan
// bytea into *string".
func TestBytesRelatedKeyPivotWrites(t *testing.T) {
	for _, n := range []int{3, 600} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
				ctx := context.Background()
				keys := OddKeys[[]byte](n)
				require.NoError(t, SeedKeys(t, db, keys)) // every owner has tag 1
				db.MustExec(t, `alter table key_owner_tags add column n integer`)
				tag := &ktTag{ID: 1}
				owners := func() map[string]*int64 {
					t.Helper()
					rows, err := db.Query(ctx, `select owner_ref, n from key_owner_tags where tag_id = 1`)
					require.NoError(t, err)
					out := map[string]*int64{}
					for rows.Next() {
						var ref []byte
						var v *int64
						require.NoError(t, rows.Scan(&ref, &v))
						out[string(ref)] = v
					}
					require.NoError(t, rows.Err())
					return out
				}
				seven := int64(7)

				ch, err := pivot.Sync(ctx, db, ktTagOwners, tag, keys[1:])
				require.NoError(t, err)
				assert.Equal(t, []any{string(keys[0])}, ch.Detached)
				assert.Empty(t, ch.Attached)
				assert.Len(t, owners(), n-1)

				ch, err = pivot.SyncWithPivotValues(ctx, db, ktTagOwners, tag, [][]byte{keys[0], keys[1]}, map[string]any{"n": 7})
				require.NoError(t, err)
				assert.Equal(t, []any{string(keys[0])}, ch.Attached)
				assert.Equal(t, []any{string(keys[1])}, ch.Updated)
				assert.Len(t, ch.Detached, n-2)
				assert.Equal(t, map[string]*int64{string(keys[0]): &seven, string(keys[1]): &seven}, owners())
			})
		})
	}
}
