package pivot_test

import (
	"context"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York wherever the test runs

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

// podcastsCreatedAfter returns the podcasts of user uid whose pivot
// created_at is after t, compared in the database.
func podcastsCreatedAfter(t *testing.T, ex sqlt.Executor, uid int64, after time.Time) []int64 {
	t.Helper()
	rows, err := ex.Query(context.Background(), `select podcast_id from podcast_user where user_id = ? and created_at > ? order by podcast_id`, uid, after)
	require.NoError(t, err)
	ids, err := sqlt.ScanAll[int64](rows)
	require.NoError(t, err)
	return ids
}

func TestPivotTimesRoundTripInUTC(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ny, err := time.LoadLocation("America/New_York")
		require.NoError(t, err)
		ist := time.FixedZone("IST", 5*3600+1800)
		kolkata := time.Date(2024, 1, 15, 18, 0, 0, 0, ist) // 12:30Z, wall clock 18:00
		newYork := time.Date(2024, 1, 15, 9, 0, 0, 0, ny)   // 14:00Z, wall clock 09:00
		utc := time.Date(2024, 1, 15, 13, 0, 0, 0, time.UTC)
		cy := user(3)

		// Attach attributes.
		require.NoError(t, pivot.Attach(ctx, db, UserPodcasts, cy, map[int64]map[string]any{
			1: {"created_at": kolkata}, 2: {"created_at": &newYork},
		}))
		subs := subscriptions(t, db, 3)
		require.Len(t, subs, 2)
		assert.True(t, subs[1].CreatedAt.Equal(kolkata), "%v", subs[1].CreatedAt)
		assert.True(t, subs[2].CreatedAt.Equal(newYork), "%v", subs[2].CreatedAt)
		assert.Equal(t, []int64{2}, podcastsCreatedAfter(t, db, 3, utc.In(ist)))

		// Timestamps relkit sets itself are UTC.
		for _, s := range subs {
			assert.Equal(t, time.UTC, s.UpdatedAt.Location())
		}

		// Pivot attributes read through the relation.
		pods, err := query.GetMany(ctx, db, UserPodcasts, cy)
		require.NoError(t, err)
		require.Len(t, pods, 2)
		for _, p := range pods {
			want := map[int64]time.Time{1: kolkata, 2: newYork}[p.ID]
			got, ok := p.Subscription["created_at"].(time.Time)
			require.True(t, ok, "%T", p.Subscription["created_at"])
			assert.True(t, got.Equal(want), "podcast %d: got %v, want %v", p.ID, got, want)
		}

		// UpdateExistingPivot and SyncWithPivotValues.
		_, err = pivot.UpdateExistingPivot(ctx, db, UserPodcasts, cy, 1, map[string]any{"created_at": newYork.Add(time.Hour)})
		require.NoError(t, err)
		assert.True(t, subscriptions(t, db, 3)[1].CreatedAt.Equal(newYork.Add(time.Hour)))
		assert.Equal(t, []int64{1, 2}, podcastsCreatedAfter(t, db, 3, utc.In(ny)))
		_, err = pivot.SyncWithPivotValues(ctx, db, UserPodcasts, cy, []int64{1, 2}, map[string]any{"created_at": kolkata})
		require.NoError(t, err)
		assert.Empty(t, podcastsCreatedAfter(t, db, 3, utc))
		assert.True(t, subscriptions(t, db, 3)[2].CreatedAt.Equal(kolkata))
	})
}
