package query_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/agg"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// ilJob reads a count under a 65-byte alias: one byte over MySQL's 64
// (and PostgreSQL's 63).
type ilJob struct {
	lkJob
	N int64 `db:"trials_count_of_every_job_in_the_queue_including_retried_ones_xyz,readonly"`
}

const ilAlias = "trials_count_of_every_job_in_the_queue_including_retried_ones_xyz"

var ilJobTrials = rel.HasMany[ilJob, lkTrial]("job_id")

// An aggregate alias longer than the database keeps is refused before any
// statement with an error naming it and the limit, on MySQL (64
// characters) and PostgreSQL (63 bytes); SQLite has no limit.
func TestAnAliasOverTheIdentifierLimitIsRefused(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		require.Len(t, ilAlias, 65)
		ctx := context.Background()
		lkSchema(t, db, 1)
		db.MustExec(t, `insert into trials (job_id) values (1)`)
		db.Counter.Reset()
		got, err := query.From[ilJob]().Apply(agg.WithCount(ilJobTrials).As(ilAlias)).Get(ctx, db)
		if db.Name == "sqlite" {
			require.NoError(t, err)
			require.Len(t, got, 1)
			assert.Equal(t, int64(1), got[0].N)
			return
		}
		require.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		var ie *sqlt.InvalidIdentifierError
		require.ErrorAs(t, err, &ie)
		assert.Equal(t, ilAlias, ie.Ident)
		want := "65 bytes, longer than the 63 postgres keeps"
		if db.Name == "mysql" {
			want = "65 bytes, longer than the 64 mysql keeps"
		}
		assert.Equal(t, want, ie.Reason)
		assert.Zero(t, db.Counter.Count(), db.Counter)
	})
}
