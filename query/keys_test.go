package query_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
)

// A primary key of bytes finds its rows (Find, FindMany), and a parent
// keyed by bytes reads and creates its related rows (Related).
func TestBytesKeysFindAndRelate(t *testing.T) {
	for _, n := range []int{3, 600} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
				ctx := context.Background()
				keys := fixture.OddKeys[[]byte](n)
				require.NoError(t, fixture.SeedKeys(t, db, keys))
				q := query.From[fixture.KeyOwner[[]byte]]()

				ids := make([]any, len(keys))
				for i, k := range keys {
					ids[i] = k
				}
				found, err := q.FindMany(ctx, db, ids...)
				require.NoError(t, err)
				assert.Len(t, found, n)
				last, err := q.Find(ctx, db, keys[n-1])
				require.NoError(t, err)
				assert.Equal(t, fmt.Sprintf("o%d", n-1), last.Name)

				items, err := query.Related(fixture.BytesKeyRels.Items, &last).Get(ctx, db)
				require.NoError(t, err)
				assert.Len(t, items, fixture.KeyItemsOf(n-1))
				made, err := query.Related(fixture.BytesKeyRels.Items, &last).Create(ctx, db, fixture.KeyItem[[]byte]{})
				require.NoError(t, err)
				assert.Equal(t, last.Ref, made.OwnerRef)
				count, err := query.Related(fixture.BytesKeyRels.Items, &last).Count(ctx, db)
				require.NoError(t, err)
				assert.EqualValues(t, fixture.KeyItemsOf(n-1)+1, count)
			})
		})
	}
}
