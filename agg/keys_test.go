package agg_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
)

// checkOddKeyCounts counts items and tags per owner: one grouped statement
// per relation (LoadCount), and the combined statement over the owners'
// primary keys (Load with two relations).
func checkOddKeyCounts[K fixture.KeyType](t *testing.T, db *testdb.DB, r fixture.KeyRels[K], n int) {
	ctx := context.Background()
	for _, combined := range []bool{false, true} {
		owners, err := query.From[fixture.KeyOwner[K]]().Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, owners, n)
		if combined {
			require.NoError(t, agg.Load(ctx, db, owners, agg.WithCount(r.Items), agg.WithCount(r.Tags)))
		} else {
			require.NoError(t, agg.LoadCount(ctx, db, owners, r.Items))
			require.NoError(t, agg.LoadCount(ctx, db, owners, r.Tags))
		}
		for _, o := range owners {
			var i int
			_, err := fmt.Sscanf(o.Name, "o%d", &i)
			require.NoError(t, err)
			assert.EqualValues(t, fixture.KeyItemsOf(i), o.ItemsCount, "%s combined=%v", o.Name, combined)
			assert.EqualValues(t, fixture.KeyTagsOf(i), o.TagsCount, "%s combined=%v", o.Name, combined)
		}
	}
}

func TestOddKeysAggregate(t *testing.T) {
	for _, n := range []int{3, 600} {
		t.Run(fmt.Sprintf("bytes_%d", n), func(t *testing.T) {
			testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
				require.NoError(t, fixture.SeedKeys(t, db, fixture.OddKeys[[]byte](n)))
				checkOddKeyCounts(t, db, fixture.BytesKeyRels, n)
			})
		})
		t.Run(fmt.Sprintf("invalid_utf8_%d", n), func(t *testing.T) {
			testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
				err := fixture.SeedKeys(t, db, fixture.OddKeys[string](n))
				if db.Name == "postgres" {
					// PostgreSQL refuses text that is not valid UTF-8 at insert.
					require.ErrorContains(t, err, "invalid byte sequence for encoding \"UTF8\"")
					return
				}
				if db.Name == "mysql" {
					// Nor can a utf8mb4 column hold it (error 1366): such
					// keys belong in varbinary columns and []byte fields.
					db.RequireDriverError(t, err, testdb.PgInvalidText, 0)
					require.ErrorContains(t, err, "Incorrect string value")
					return
				}
				require.NoError(t, err)
				checkOddKeyCounts(t, db, fixture.StringKeyRels, n)
			})
		})
	}
}
