package agg_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Posts read with aggregate aliases at PostgreSQL's limit (63 bytes) and
// one byte past it: an explicit alias (agg.As) and a generated one (a
// relation name and "_count").
type lnPost63 struct {
	ID    int64 `db:"id"`
	As    int64 `db:"ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc,readonly"`
	Count int64 `db:"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr_count,readonly"`
}

func (lnPost63) TableName() string { return "posts" }

type lnPostAs64 struct {
	ID int64 `db:"id"`
	As int64 `db:"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc,readonly"`
}

func (lnPostAs64) TableName() string { return "posts" }

type lnPostCount64 struct {
	ID    int64 `db:"id"`
	Count int64 `db:"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr_count,readonly"`
}

func (lnPostCount64) TableName() string { return "posts" }

const (
	ln63 = "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
	ln64 = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)

var (
	ln63Comments      = rel.HasMany[lnPost63, fixture.Comment]("post_id", "id").Named("rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr")
	lnAs64Comments    = rel.HasMany[lnPostAs64, fixture.Comment]("post_id", "id").Named("comments")
	lnCount64Comments = rel.HasMany[lnPostCount64, fixture.Comment]("post_id", "id").Named("rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr")
)

// lnCounts returns each fixture post's comment count, by post id.
func lnCounts(t *testing.T, db *testdb.DB) map[int64]int64 {
	t.Helper()
	posts, err := query.From[fixture.Post]().Get(context.Background(), db)
	require.NoError(t, err)
	out := map[int64]int64{}
	for _, p := range posts {
		n, err := query.From[fixture.Comment]().WhereOp("post_id", "=", p.ID).Count(context.Background(), db)
		require.NoError(t, err)
		out[p.ID] = n
	}
	return out
}

func TestAliasLengthIsCheckedPerDialect(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)
		want := lnCounts(t, db)
		require.Len(t, ln63, 63)
		require.Len(t, ln64, 64)

		// 63 bytes, explicit and generated: read on both databases.
		db.Counter.Reset()
		got63, err := query.From[lnPost63]().Select("id").
			Apply(agg.WithCount(ln63Comments).As(ln63), agg.WithCount(ln63Comments)).Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, got63, len(want))
		for _, p := range got63 {
			assert.Equal(t, want[p.ID], p.As, "post %d, explicit alias", p.ID)
			assert.Equal(t, want[p.ID], p.Count, "post %d, generated alias", p.ID)
		}

		// 64 bytes: PostgreSQL would truncate the alias, so it is refused
		// before any statement; SQLite reads it.
		db.Counter.Reset()
		gotAs, errAs := query.From[lnPostAs64]().Select("id").Apply(agg.WithCount(lnAs64Comments).As(ln64)).Get(ctx, db)
		gotCount, errCount := query.From[lnPostCount64]().Select("id").Apply(agg.WithCount(lnCount64Comments)).Get(ctx, db)
		if db.Name == "postgres" {
			assert.ErrorIs(t, errAs, sqlt.ErrInvalidIdentifier)
			assert.ErrorIs(t, errCount, sqlt.ErrInvalidIdentifier)
			assert.Zero(t, db.Counter.Count(), db.Counter)
			return
		}
		require.NoError(t, errAs)
		require.NoError(t, errCount)
		require.Len(t, gotAs, len(want))
		require.Len(t, gotCount, len(want))
		for i := range gotAs {
			assert.Equal(t, want[gotAs[i].ID], gotAs[i].As, "post %d, explicit alias", gotAs[i].ID)
			assert.Equal(t, want[gotCount[i].ID], gotCount[i].Count, "post %d, generated alias", gotCount[i].ID)
		}
	})
}
