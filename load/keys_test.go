package load_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
)

// checkOddKeyLoads seeds the key fixture with keys and eager loads all
// four relation kinds over every owner, then every item's owner.
func checkOddKeyLoads[K KeyType](t *testing.T, db *testdb.DB, r KeyRels[K], keys []K) {
	ctx := context.Background()
	owners, err := query.From[KeyOwner[K]]().OrderBy("name").Get(ctx, db)
	require.NoError(t, err)
	require.Len(t, owners, len(keys))
	require.NoError(t, load.With(ctx, db, owners, r.Items, r.First, r.Tags))
	for _, o := range owners {
		var i int
		_, err := fmt.Sscanf(o.Name, "o%d", &i)
		require.NoError(t, err)
		assert.Equal(t, keys[i], o.Ref)
		require.Len(t, o.Items, KeyItemsOf(i), o.Name)
		for _, it := range o.Items {
			assert.Equal(t, o.Ref, it.OwnerRef)
		}
		if assert.NotNil(t, o.First, o.Name) {
			assert.Equal(t, o.Ref, o.First.OwnerRef)
		}
		assert.Len(t, o.Tags, KeyTagsOf(i), o.Name)
	}

	items, err := query.From[KeyItem[K]]().OrderBy("id").Get(ctx, db)
	require.NoError(t, err)
	require.NoError(t, load.With(ctx, db, items, r.Owner))
	for _, it := range items {
		if assert.NotNil(t, it.Owner, "item %d", it.ID) {
			assert.Equal(t, it.OwnerRef, it.Owner.Ref)
		}
	}
}

// Keys that are bytes, or strings that are not valid UTF-8, load their
// children whatever the number of parents (3: SQLite binds each key; 600:
// the key list travels as one JSON or array parameter).
func TestOddKeysLoad(t *testing.T) {
	for _, n := range []int{3, 600} {
		t.Run(fmt.Sprintf("bytes_%d", n), func(t *testing.T) {
			testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
				keys := OddKeys[[]byte](n)
				require.NoError(t, SeedKeys(t, db, keys))
				checkOddKeyLoads(t, db, BytesKeyRels, keys)
			})
		})
		t.Run(fmt.Sprintf("invalid_utf8_%d", n), func(t *testing.T) {
			testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
				keys := OddKeys[string](n)
				err := SeedKeys(t, db, keys)
				if db.Name == "postgres" {
					// PostgreSQL refuses text that is not valid UTF-8 at
					// insert: such keys never reach a load there.
					require.ErrorContains(t, err, "invalid byte sequence for encoding \"UTF8\"")
					return
				}
				if db.Name == "mysql" {
					// A utf8mb4 column cannot hold them either (error 1366,
					// "Incorrect string value"): keys that are not UTF-8
					// belong in varbinary columns and []byte fields (the
					// bytes_ subtests). Parents holding such keys in memory
					// still load, one statement, matching nothing.
					db.RequireDriverError(t, err, testdb.PgInvalidText, 0)
					require.ErrorContains(t, err, "Incorrect string value")
					owners := make([]KeyOwner[string], len(keys))
					for i, k := range keys {
						owners[i].Ref = k
					}
					db.Counter.Reset()
					require.NoError(t, load.With(context.Background(), db, owners, StringKeyRels.Items))
					assert.Equal(t, 1, db.Counter.Count())
					for _, o := range owners {
						require.NotNil(t, o.Items)
						require.Empty(t, o.Items)
					}
					return
				}
				require.NoError(t, err)
				checkOddKeyLoads(t, db, StringKeyRels, keys)
			})
		})
	}
}
