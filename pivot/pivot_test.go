package pivot_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the RETURNING fallback test
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type roleUser struct {
	UserID int64 `db:"user_id"`
	RoleID int64 `db:"role_id"`
	Active bool  `db:"active"`
}

// pivotRows returns role_user (all parents), ordered.
func pivotRows(t *testing.T, ex sqlt.Executor) []roleUser {
	t.Helper()
	rows, err := ex.Query(context.Background(), `select user_id, role_id, active from role_user order by user_id, role_id`)
	require.NoError(t, err)
	out, err := sqlt.ScanAll[roleUser](rows)
	require.NoError(t, err)
	return out
}

// roleIDs returns the role ids attached to user uid, ascending.
func roleIDs(t *testing.T, ex sqlt.Executor, uid int64) []int64 {
	t.Helper()
	var out []int64
	for _, r := range pivotRows(t, ex) {
		if r.UserID == uid {
			out = append(out, r.RoleID)
		}
	}
	return out
}

func activeOf(t *testing.T, ex sqlt.Executor, uid, rid int64) bool {
	t.Helper()
	for _, r := range pivotRows(t, ex) {
		if r.UserID == uid && r.RoleID == rid {
			return r.Active
		}
	}
	t.Fatalf("no role_user row (%d, %d)", uid, rid)
	return false
}

func keys(ks ...int64) []any {
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k
	}
	return out
}

// lockSQL is the statement with which every pivot write begins on
// PostgreSQL: the parent's advisory lock (TestConcurrentWritesSerialize).
const lockSQL = "select pg_advisory_xact_lock(hashtextextended("

// isLock reports whether s is the parent's lock that every pivot write
// takes first on PostgreSQL (lockSQL) and on MySQL (the parent's row,
// "select 1 from parents where … for update"): one statement on both.
func isLock(s string) bool {
	return strings.HasPrefix(s, lockSQL) || strings.HasPrefix(s, "select 1 from ") && strings.HasSuffix(s, " for update")
}

// locksParent reports whether db's pivot writes take the parent's lock.
func locksParent(db *testdb.DB) bool { return db.Name == "postgres" || db.Name == "mysql" }

// pivotStmts returns the statements counted since the last reset without
// that lock, a PostgreSQL statement of several writes split into them (see
// unmerge): the pivot work, whose shape the tests check.
// TestSyncRoundTrips checks the statements as sent.
func pivotStmts(db *testdb.DB) []string {
	var out []string
	for _, s := range db.Counter.Statements() {
		if !isLock(s) {
			out = append(out, unmerge(s)...)
		}
	}
	return out
}

// unmerge splits a statement of several writes, "with "w1" as (s1), "w2"
// as (s2) s3", into s1, s2, s3; other statements are returned as they are.
func unmerge(s string) []string {
	if !strings.HasPrefix(s, `with "w1" as (`) {
		return []string{s}
	}
	var out []string
	rest := s[len("with "):]
	for strings.HasPrefix(rest, `"w`) {
		open := strings.Index(rest, "(")
		depth, end := 0, open
		for i := open; i < len(rest); i++ {
			switch rest[i] {
			case '(':
				depth++
			case ')':
				depth--
			}
			if depth == 0 {
				end = i
				break
			}
		}
		out = append(out, rest[open+1:end])
		rest = strings.TrimPrefix(rest[end+1:], ", ")
	}
	return append(out, strings.TrimPrefix(rest, " "))
}

// pivotCount is len(pivotStmts(db)).
func pivotCount(db *testdb.DB) int { return len(pivotStmts(db)) }

func user(id int64) *User { return &User{ID: id} }

func detachAll(t *testing.T, db *testdb.DB, u *User) {
	t.Helper()
	_, err := pivot.DetachAll(context.Background(), db, UserRoles, u)
	require.NoError(t, err)
	db.Counter.Reset()
}

func TestAttach(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		cy := user(3)

		// One key: one INSERT with the two keys.
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, 1))
		require.Equal(t, 1, pivotCount(db), db.Counter)
		assert.Contains(t, pivotStmts(db)[0], `insert into "role_user" ("role_id", "user_id") values (`)
		assert.Equal(t, []int64{1}, roleIDs(t, db, 3))
		assert.True(t, activeOf(t, db, 3, 1), "column default applies when no attribute is given")

		// A key with attributes.
		detachAll(t, db, cy)
		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, int32(2), map[string]any{"active": false}))
		require.Equal(t, 1, pivotCount(db))
		assert.Contains(t, pivotStmts(db)[0], `("role_id", "user_id", "active")`)
		assert.False(t, activeOf(t, db, 3, 2))

		// A slice of keys, with duplicates and mixed widths, in one statement.
		detachAll(t, db, cy)
		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, []any{uint8(1), int64(2), "3", 1, int16(2)}))
		require.Equal(t, 1, pivotCount(db), db.Counter)
		assert.Equal(t, 3, strings.Count(pivotStmts(db)[0], "(?, ?)")+strings.Count(pivotStmts(db)[0], "($"), db.Counter)
		assert.Equal(t, []int64{1, 2, 3}, roleIDs(t, db, 3))

		// The map form: per-key attributes, overridden by attrs.
		detachAll(t, db, cy)
		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, map[int64]map[string]any{1: {"active": false}, 2: {"active": true}}))
		require.Equal(t, 1, pivotCount(db), "same attribute columns: one statement")
		assert.False(t, activeOf(t, db, 3, 1))
		assert.True(t, activeOf(t, db, 3, 2))
		detachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, map[int]map[string]any{1: {"active": true}, 2: nil}, map[string]any{"active": false}))
		assert.False(t, activeOf(t, db, 3, 1), "attrs win over the record's attributes")
		assert.False(t, activeOf(t, db, 3, 2))

		// Rows with different attribute columns: one statement per column
		// set, in one transaction.
		detachAll(t, db, cy)
		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, []pivot.Record{{Key: 3, Attrs: map[string]any{"active": false}}, {Key: 1}, {Key: 2, Attrs: map[string]any{"active": false}}}))
		assert.Equal(t, 2, pivotCount(db), db.Counter)
		assert.False(t, activeOf(t, db, 3, 3))
		assert.True(t, activeOf(t, db, 3, 1))
		assert.False(t, activeOf(t, db, 3, 2))

		// Related models in place of keys.
		detachAll(t, db, cy)
		admin, editor, viewer := Role{ID: 1}, &Role{ID: 2}, Role{ID: 3}
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, admin))
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, editor))
		assert.Equal(t, []int64{1, 2}, roleIDs(t, db, 3))
		detachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, []Role{admin, viewer}))
		assert.Equal(t, []int64{1, 3}, roleIDs(t, db, 3))
		detachAll(t, db, cy)
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, []*Role{editor, &viewer}))
		assert.Equal(t, []int64{2, 3}, roleIDs(t, db, 3))

		// Nothing to attach: no statement.
		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, []int64{}))
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, cy, nil))
		assert.Equal(t, 0, pivotCount(db))

		// No duplicate check against the table (Laravel): the primary key rejects it.
		err := pivot.Attach(ctx, db, UserRoles, cy, 2)
		require.Error(t, err)
		assert.Equal(t, []int64{2, 3}, roleIDs(t, db, 3))
		// Other parents untouched throughout.
		assert.Equal(t, []int64{1, 2}, roleIDs(t, db, 1))
		assert.Equal(t, []int64{3}, roleIDs(t, db, 2))
	})
}

func TestAttachPivotValue(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		inactive := rel.BelongsToMany[User, Role]().WithPivotValue("active", false).Named("inactive_roles")
		require.NoError(t, pivot.Attach(ctx, db, inactive, user(3), []int64{1, 2}))
		assert.False(t, activeOf(t, db, 3, 1))
		assert.False(t, activeOf(t, db, 3, 2))
		// The value is also a filter: ann's active admin role is not touched.
		n, err := pivot.DetachAll(ctx, db, inactive, user(1))
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []int64{1}, roleIDs(t, db, 1))
	})
}

type podcastUser struct {
	PodcastID int64      `db:"podcast_id"`
	CreatedAt *time.Time `db:"created_at"`
	UpdatedAt *time.Time `db:"updated_at"`
}

func subscriptions(t *testing.T, ex sqlt.Executor, uid int64) map[int64]podcastUser {
	t.Helper()
	rows, err := ex.Query(context.Background(), `select podcast_id, created_at, updated_at from podcast_user where user_id = ?`, uid)
	require.NoError(t, err)
	list, err := sqlt.ScanAll[podcastUser](rows)
	require.NoError(t, err)
	out := map[int64]podcastUser{}
	for _, s := range list {
		out[s.PodcastID] = s
	}
	return out
}

func TestTimestamps(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := user(1)
		before := time.Now().UTC().Add(-time.Second)
		require.NoError(t, pivot.Attach(ctx, db, UserPodcasts, ann, 2))
		assert.Contains(t, pivotStmts(db)[0], `("podcast_id", "user_id", "created_at", "updated_at")`)
		subs := subscriptions(t, db, 1)
		require.Len(t, subs, 2)
		s := subs[2]
		require.NotNil(t, s.CreatedAt)
		require.NotNil(t, s.UpdatedAt)
		assert.WithinDuration(t, time.Now(), *s.CreatedAt, 5*time.Second)
		assert.True(t, s.CreatedAt.After(before))
		assert.True(t, s.CreatedAt.Equal(*s.UpdatedAt))
		assert.Equal(t, "2024-01-02 03:04:05", subs[1].CreatedAt.Format(time.DateTime), "the seeded row is untouched")

		// Read back through the relation, under its "subscription" accessor.
		pods, err := query.GetMany(ctx, db, UserPodcasts, ann)
		require.NoError(t, err)
		require.Len(t, pods, 2)
		for _, p := range pods {
			assert.Contains(t, p.Subscription, "created_at")
			assert.Contains(t, p.Subscription, "updated_at")
		}

		// updateExistingPivot sets updated_at only.
		time.Sleep(20 * time.Millisecond)
		db.Counter.Reset()
		n, err := pivot.UpdateExistingPivot(ctx, db, UserPodcasts, ann, 2, nil)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		require.Equal(t, 1, pivotCount(db))
		assert.Contains(t, pivotStmts(db)[0], `update "podcast_user" set "updated_at" = `)
		s2 := subscriptions(t, db, 1)[2]
		assert.True(t, s2.CreatedAt.Equal(*s.CreatedAt), "created_at kept")
		assert.True(t, s2.UpdatedAt.After(*s.UpdatedAt), "updated_at moved: %v → %v", s.UpdatedAt, s2.UpdatedAt)

		// Sync attaches with both timestamps and keeps the existing row's.
		ch, err := pivot.Sync(ctx, db, UserPodcasts, user(2), []int64{1, 2})
		require.NoError(t, err)
		assert.Equal(t, keys(1, 2), ch.Attached)
		for _, s := range subscriptions(t, db, 2) {
			require.NotNil(t, s.CreatedAt)
			require.NotNil(t, s.UpdatedAt)
		}
		ch, err = pivot.Sync(ctx, db, UserPodcasts, ann, []int64{1})
		require.NoError(t, err)
		assert.Equal(t, keys(2), ch.Detached)
		assert.Equal(t, "2024-01-02 03:04:05", subscriptions(t, db, 1)[1].UpdatedAt.Format(time.DateTime))

		// An explicit attribute overrides the timestamp.
		at := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
		require.NoError(t, pivot.Attach(ctx, db, UserPodcasts, user(3), 1, map[string]any{"created_at": at}))
		s3 := subscriptions(t, db, 3)[1]
		assert.True(t, s3.CreatedAt.Equal(at), "%v", s3.CreatedAt)
		assert.WithinDuration(t, time.Now(), *s3.UpdatedAt, 5*time.Second)
	})
}

func TestDetach(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := user(1)
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, ann, 3))
		db.Counter.Reset()

		// An empty list: 0 and no statement.
		for _, ids := range []any{nil, []int64{}, []any{}, map[int64]map[string]any{}, []Role{}} {
			n, err := pivot.Detach(ctx, db, UserRoles, ann, ids)
			require.NoError(t, err)
			assert.Zero(t, n)
		}
		assert.Equal(t, 0, pivotCount(db))

		n, err := pivot.Detach(ctx, db, UserRoles, ann, 1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		require.Equal(t, 1, pivotCount(db))
		assert.Equal(t, []int64{2, 3}, roleIDs(t, db, 1))

		db.Counter.Reset()
		n, err = pivot.Detach(ctx, db, UserRoles, ann, []string{"2", "3", "99"})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		assert.Equal(t, 1, pivotCount(db))
		assert.Empty(t, roleIDs(t, db, 1))
		assert.Equal(t, []int64{3}, roleIDs(t, db, 2), "bob keeps viewer")

		// DetachAll: all of the parent's rows, no one else's, no roles deleted.
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, ann, []int64{1, 2, 3}))
		db.Counter.Reset()
		n, err = pivot.DetachAll(ctx, db, UserRoles, ann)
		require.NoError(t, err)
		assert.EqualValues(t, 3, n)
		require.Equal(t, 1, pivotCount(db))
		assert.Equal(t, `delete from "role_user" where "role_user"."user_id" = `, pivotStmts(db)[0][:len(`delete from "role_user" where "role_user"."user_id" = `)])
		assert.Empty(t, roleIDs(t, db, 1))
		assert.Equal(t, []int64{3}, roleIDs(t, db, 2))
		roles, err := query.From[Role]().Count(ctx, db)
		require.NoError(t, err)
		assert.EqualValues(t, 3, roles)

		n, err = pivot.DetachAll(ctx, db, UserRoles, ann)
		require.NoError(t, err)
		assert.Zero(t, n)
	})
}

func TestPivotFilters(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := user(1) // admin (active), editor (inactive)
		active := UserRoles.WherePivot("active", true).Named("active_roles")

		// Detach with a filter: the inactive editor row is not touched.
		n, err := pivot.Detach(ctx, db, active, ann, []int64{1, 2})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []int64{2}, roleIDs(t, db, 1))
		assert.Contains(t, pivotStmts(db)[0], `and ("role_user"."active" = `)

		// Sync with a filter: current = active rows only.
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, ann, 1))
		db.Counter.Reset()
		ch, err := pivot.Sync(ctx, db, active, ann, []int64{3})
		require.NoError(t, err)
		assert.Equal(t, keys(3), ch.Attached)
		assert.Equal(t, keys(1), ch.Detached)
		assert.Empty(t, ch.Updated)
		assert.Equal(t, []int64{2, 3}, roleIDs(t, db, 1), "editor (inactive) survives the sync")
		assert.Contains(t, pivotStmts(db)[0], `select "role_user"."role_id" from "role_user" where "role_user"."user_id" = `)
		assert.Contains(t, pivotStmts(db)[0], `"role_user"."active" = `)

		// An OR filter stays inside the parent's scope.
		either := UserRoles.WherePivot("active", true).OrWherePivot("role_id", 2).Named("either_roles")
		n, err = pivot.DetachAll(ctx, db, either, ann)
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		assert.Equal(t, []int64{3}, roleIDs(t, db, 2), "bob's active viewer row is not matched by the OR")

		// UpdateExistingPivot honours the filter.
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, ann, []int64{1, 2}, map[string]any{"active": false}))
		n, err = pivot.UpdateExistingPivot(ctx, db, active, ann, []int64{1, 2}, map[string]any{"active": true})
		require.NoError(t, err)
		assert.Zero(t, n, "no active row to update")
		n, err = pivot.UpdateExistingPivot(ctx, db, UserRoles.WherePivotIn("role_id", 2, 3), ann, []int64{1, 2}, map[string]any{"active": true})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.False(t, activeOf(t, db, 1, 1))
		assert.True(t, activeOf(t, db, 1, 2))

		// Other filter kinds on detach.
		n, err = pivot.DetachAll(ctx, db, UserRoles.WherePivotNotIn("role_id", 1), ann)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []int64{1}, roleIDs(t, db, 1))
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, ann, []int64{2, 3}))
		n, err = pivot.DetachAll(ctx, db, UserRoles.WherePivotBetween("role_id", 2, 3), ann)
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, ann, []int64{2, 3}))
		n, err = pivot.DetachAll(ctx, db, UserRoles.WherePivotNotBetween("role_id", 2, 3), ann)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.Equal(t, []int64{2, 3}, roleIDs(t, db, 1))
		n, err = pivot.DetachAll(ctx, db, UserRoles.WherePivotNull("active"), ann)
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = pivot.DetachAll(ctx, db, UserRoles.WherePivotNotNull("active"), ann)
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
	})
}

// TestSyncLaravel replays Laravel's testSyncMethod on the fixture.
func TestSyncLaravel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		db.MustExec(t, `insert into roles (name) values ('guest')`)
		cy := user(3)

		ch, err := pivot.Sync(ctx, db, UserRoles, cy, []int64{1, 2})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: keys(1, 2), Detached: []any{}, Updated: []any{}}, ch)
		assert.Equal(t, 2, pivotCount(db), "select current, insert: %s", db.Counter)

		db.Counter.Reset()
		ch, err = pivot.Sync(ctx, db, UserRoles, cy, []int64{1, 3, 4})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: keys(3, 4), Detached: keys(2), Updated: []any{}}, ch)
		stmts := pivotStmts(db)
		assert.Equal(t, []int64{1, 3, 4}, roleIDs(t, db, 3))
		require.Len(t, stmts, 3, db.Counter)
		assert.True(t, strings.HasPrefix(stmts[0], "select "))
		assert.True(t, strings.HasPrefix(stmts[1], "delete "))
		assert.True(t, strings.HasPrefix(stmts[2], "insert "))

		// Syncing the same set changes nothing.
		db.Counter.Reset()
		ch, err = pivot.Sync(ctx, db, UserRoles, cy, []int64{4, 3, 1})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{}}, ch)
		assert.Equal(t, 1, pivotCount(db))

		// sync([]) empties the pivot (for this parent).
		ch, err = pivot.Sync(ctx, db, UserRoles, cy, []int64{})
		require.NoError(t, err)
		assert.ElementsMatch(t, keys(1, 3, 4), ch.Detached)
		assert.Empty(t, roleIDs(t, db, 3))
		assert.Equal(t, []int64{1, 2}, roleIDs(t, db, 1))
		ch, err = pivot.Sync(ctx, db, UserRoles, cy, nil)
		require.NoError(t, err)
		assert.Empty(t, ch.Detached)

		// The map form sets per-key pivot columns.
		ch, err = pivot.Sync(ctx, db, UserRoles, cy, map[int64]map[string]any{1: {"active": false}, 2: {"active": true}})
		require.NoError(t, err)
		assert.Equal(t, keys(1, 2), ch.Attached)
		assert.False(t, activeOf(t, db, 3, 1))
		assert.True(t, activeOf(t, db, 3, 2))

		// Kept keys with attributes are updated, and reported only if
		// their row changed; string ids come back as integers.
		db.Counter.Reset()
		ch, err = pivot.Sync(ctx, db, UserRoles, cy, map[string]map[string]any{"1": {"active": true}, "2": {"active": true}, "3": {}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: keys(3), Detached: []any{}, Updated: keys(1)}, ch)
		assert.Equal(t, 3, pivotCount(db), "select, insert, one update (key 1's row differs, key 2's does not): %s", db.Counter)
		assert.True(t, activeOf(t, db, 3, 1))
		assert.True(t, activeOf(t, db, 3, 2))

		// JSON shape, as Laravel returns it.
		b, err := json.Marshal(ch)
		require.NoError(t, err)
		assert.JSONEq(t, `{"attached":[3],"detached":[],"updated":[1]}`, string(b))
	})
}

func TestSyncVariants(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := user(1) // admin (active), editor (inactive)

		// Nothing to sync and detaching off: no statement at all.
		for _, ids := range []any{nil, []int64{}, []Role{}, map[int64]map[string]any{}} {
			ch, err := pivot.SyncWithoutDetaching(ctx, db, UserRoles, ann, ids)
			require.NoError(t, err)
			assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: []any{}, Updated: []any{}}, ch)
		}
		assert.Equal(t, 0, pivotCount(db))

		ch, err := pivot.SyncWithoutDetaching(ctx, db, UserRoles, ann, []Role{{ID: 3}, {ID: 1}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: keys(3), Detached: []any{}, Updated: []any{}}, ch)
		assert.Equal(t, []int64{1, 2, 3}, roleIDs(t, db, 1))

		// SyncWithPivotValues: one value set for all; kept keys updated in
		// one statement, reported only when changed.
		db.Counter.Reset()
		ch, err = pivot.SyncWithPivotValues(ctx, db, UserRoles, ann, []int64{1, 2}, map[string]any{"active": false})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: []any{}, Detached: keys(3), Updated: keys(1)}, ch)
		assert.Equal(t, 3, pivotCount(db), "select, delete, one update: %s", db.Counter)
		assert.False(t, activeOf(t, db, 1, 1))
		assert.False(t, activeOf(t, db, 1, 2))

		ch, err = pivot.SyncWithPivotValues(ctx, db, UserRoles, ann, []int64{1, 2, 3}, map[string]any{"active": true})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: keys(3), Detached: []any{}, Updated: keys(1, 2)}, ch)
		for _, r := range []int64{1, 2, 3} {
			assert.True(t, activeOf(t, db, 1, r))
		}

		// UpdateExistingPivot returns rows affected.
		n, err := pivot.UpdateExistingPivot(ctx, db, UserRoles, ann, 2, map[string]any{"active": false})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		assert.False(t, activeOf(t, db, 1, 2))
		assert.True(t, activeOf(t, db, 2, 3), "bob untouched")
		n, err = pivot.UpdateExistingPivot(ctx, db, UserRoles, ann, []Role{{ID: 1}, {ID: 3}}, map[string]any{"active": false})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		n, err = pivot.UpdateExistingPivot(ctx, db, UserRoles, ann, 99, map[string]any{"active": false})
		require.NoError(t, err)
		assert.Zero(t, n)
		db.Counter.Reset()
		n, err = pivot.UpdateExistingPivot(ctx, db, UserRoles, ann, 1, nil)
		require.NoError(t, err)
		assert.Zero(t, n)
		n, err = pivot.UpdateExistingPivot(ctx, db, UserRoles, ann, []int64{}, map[string]any{"active": true})
		require.NoError(t, err)
		assert.Zero(t, n)
		assert.Equal(t, 0, pivotCount(db), "nothing to set or no key: no statement")
	})
}

// Article and Tag have string keys.
type Article struct {
	ID   int64 `db:"id"`
	Tags []Tag `db:"-"`
}

type Tag struct {
	Code  string         `db:"code,pk"`
	Label string         `db:"label"`
	Pivot map[string]any `db:"-"`
}

var ArticleTags = rel.BelongsToMany[Article, Tag]("article_tag", "article_id", "tag_code")

func TestStringKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table articles (id {{pk}})`,
			`create table tags (code text primary key, label text not null)`,
			`create table article_tag (article_id bigint not null references articles(id), tag_code text not null references tags(code),
				note text, primary key (article_id, tag_code))`,
			`insert into articles (id) values (1), (2)`,
			`insert into tags (code, label) values ('go', 'Go'), ('sql', 'SQL'), ('7', 'seven'), ('00042', 'padded')`,
		)
		a := &Article{ID: 1}
		ch, err := pivot.Sync(ctx, db, ArticleTags, a, []string{"go", "sql", "go"})
		require.NoError(t, err)
		assert.Equal(t, []any{"go", "sql"}, ch.Attached)

		// Integers for a string key become strings (Laravel's castKey); a
		// numeric-looking string stays as is.
		ch, err = pivot.Sync(ctx, db, ArticleTags, a, map[any]map[string]any{7: {"note": "n"}, "sql": {"note": "s"}, "00042": nil})
		require.NoError(t, err)
		assert.Equal(t, []any{"00042", "7"}, ch.Attached)
		assert.Equal(t, []any{"go"}, ch.Detached)
		assert.Equal(t, []any{"sql"}, ch.Updated)

		tags, err := query.GetMany(ctx, db, ArticleTags, a)
		require.NoError(t, err)
		got := map[string]any{}
		for _, tg := range tags {
			got[tg.Code] = tg.Pivot["tag_code"]
		}
		assert.Equal(t, map[string]any{"00042": "00042", "7": "7", "sql": "sql"}, got)

		n, err := pivot.Detach(ctx, db, ArticleTags, a, Tag{Code: "7"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		n, err = pivot.UpdateExistingPivot(ctx, db, ArticleTags, a, "00042", map[string]any{"note": "x"})
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		_, err = pivot.Detach(ctx, db, ArticleTags, a, 1.5)
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		_, err = pivot.Detach(ctx, db, ArticleTags, a, Tag{})
		assert.ErrorIs(t, err, pivot.ErrNoKey)
	})
}

// Priority pivots have a CHECK constraint, to fail an UPDATE mid-sync.
type Project struct {
	ID    int64 `db:"id"`
	Users []Worker
}

type Worker struct {
	ID    int64          `db:"id"`
	Pivot map[string]any `db:"-"`
}

var ProjectWorkers = rel.BelongsToMany[Project, Worker]("assignments").WithPivot("priority")

func TestFailureLeavesPivotUnchanged(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := user(1)
		before := pivotRows(t, db)
		db.Counter.Reset()

		// A foreign-key violation on one attached row, after the delete.
		ch, err := pivot.Sync(ctx, db, UserRoles, ann, []int64{1, 3, 99})
		require.Error(t, err)
		assert.Equal(t, pivot.Changes{}, ch)
		stmts := pivotStmts(db)
		require.Len(t, stmts, 3, "select, delete, failing insert: %s", db.Counter)
		assert.True(t, strings.HasPrefix(stmts[1], "delete "))
		assert.Equal(t, before, pivotRows(t, db), "the delete is rolled back")

		// A CHECK violation in the update after delete and insert.
		db.MustExec(t,
			`create table projects (id {{pk}})`,
			`create table workers (id {{pk}})`,
			`create table assignments (project_id bigint not null references projects(id), worker_id bigint not null references workers(id),
				priority integer not null default 1 check (priority > 0), primary key (project_id, worker_id))`,
			`insert into projects (id) values (1)`,
			`insert into workers (id) values (1), (2), (3), (4)`,
			`insert into assignments (project_id, worker_id, priority) values (1, 1, 1), (1, 2, 2)`,
		)
		prio := func() map[int64]int64 {
			rows, err := db.Query(ctx, `select worker_id, priority from assignments order by worker_id`)
			require.NoError(t, err)
			defer rows.Close()
			out := map[int64]int64{}
			for rows.Next() {
				var w, p int64
				require.NoError(t, rows.Scan(&w, &p))
				out[w] = p
			}
			require.NoError(t, rows.Err())
			return out
		}
		p := &Project{ID: 1}
		_, err = pivot.Sync(ctx, db, ProjectWorkers, p, []pivot.Record{{Key: 1, Attrs: map[string]any{"priority": -1}}, {Key: 3}, {Key: 4, Attrs: map[string]any{"priority": 5}}})
		require.Error(t, err)
		require.Len(t, pivotStmts(db), 5, "select, delete, two inserts, failing update: %s", db.Counter)
		assert.Equal(t, map[int64]int64{1: 1, 2: 2}, prio())

		// Inside the caller's transaction: the sync rolls back to its
		// savepoint (SQLite: DELETE and INSERT), the caller's own work
		// survives and commits. On PostgreSQL the writes are one
		// statement, without a savepoint: its failure aborts the caller's
		// transaction, which starts again.
		pg := db.Dialect().Name() == "postgres"
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if _, err := tx.Exec(ctx, `insert into workers (id) values (5)`); err != nil {
				return err
			}
			ch, err := pivot.Sync(ctx, tx, ProjectWorkers, p, map[int64]map[string]any{5: {"priority": 0}})
			require.Error(t, err)
			assert.Equal(t, pivot.Changes{}, ch)
			if pg {
				_, err := tx.Exec(ctx, `select 1`)
				db.RequireDriverError(t, err, testdb.PgTxAborted, 0)
				return err
			}
			return nil
		})
		if pg {
			require.Error(t, err)
			assert.Equal(t, map[int64]int64{1: 1, 2: 2}, prio())
		} else {
			require.NoError(t, err)
		}
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if pg {
				if _, err := tx.Exec(ctx, `insert into workers (id) values (5)`); err != nil {
					return err
				}
			}
			ch, err := pivot.SyncWithoutDetaching(ctx, tx, ProjectWorkers, p, map[int64]map[string]any{5: {"priority": 3}, 2: {"priority": 2}})
			require.NoError(t, err)
			assert.Equal(t, keys(5), ch.Attached)
			assert.Empty(t, ch.Updated, "same priority: not updated")
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, map[int64]int64{1: 1, 2: 2, 5: 3}, prio())

		// A caller's transaction that rolls back undoes a successful sync.
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if _, err := pivot.Sync(ctx, tx, ProjectWorkers, p, []int64{4}); err != nil {
				return err
			}
			return errors.New("caller gives up")
		})
		require.Error(t, err)
		assert.Equal(t, map[int64]int64{1: 1, 2: 2, 5: 3}, prio())

		// Attach split over several statements is all or nothing too.
		db.Counter.Reset()
		err = pivot.Attach(ctx, db, ProjectWorkers, p, []pivot.Record{{Key: 3}, {Key: 4, Attrs: map[string]any{"priority": -5}}})
		require.Error(t, err)
		assert.Equal(t, 2, pivotCount(db))
		assert.Equal(t, map[int64]int64{1: 1, 2: 2, 5: 3}, prio())
	})
}

func TestBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := user(1)
		before := pivotRows(t, db)
		db.Counter.Reset()

		type other struct{ ID int64 }
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		cases := []struct {
			name string
			call func() error
			want error
		}{
			{"nil parent", func() error { return pivot.Attach(ctx, db, UserRoles, nil, 1) }, sqlt.ErrNilValue},
			{"unsaved parent", func() error { _, err := pivot.Sync(ctx, db, UserRoles, &User{}, []int64{1}); return err }, pivot.ErrNoKey},
			{"unsaved parent detach all", func() error { _, err := pivot.DetachAll(ctx, db, UserRoles, &User{Name: "x"}); return err }, pivot.ErrNoKey},
			{"nil executor", func() error { return pivot.Attach(ctx, nil, UserRoles, ann, 1) }, sqlt.ErrNilValue},
			{"zero relation", func() error {
				return pivot.Attach(ctx, db, rel.BelongsToManyRelation[User, Role]{}, ann, 1)
			}, sqlt.ErrNilValue},
			{"float key", func() error { return pivot.Attach(ctx, db, UserRoles, ann, 1.0) }, rel.ErrUnsupportedKey},
			{"float in slice", func() error { _, err := pivot.Sync(ctx, db, UserRoles, ann, []any{1, 2.5}); return err }, rel.ErrUnsupportedKey},
			{"struct key", func() error { _, err := pivot.Detach(ctx, db, UserRoles, ann, other{ID: 1}); return err }, rel.ErrUnsupportedKey},
			{"bool key", func() error { return pivot.Attach(ctx, db, UserRoles, ann, true) }, rel.ErrUnsupportedKey},
			{"non-numeric string for integer key", func() error { return pivot.Attach(ctx, db, UserRoles, ann, "abc") }, rel.ErrUnsupportedKey},
			{"NULL key", func() error { return pivot.Attach(ctx, db, UserRoles, ann, []*int64{nil}) }, rel.ErrUnsupportedKey},
			{"unsaved model", func() error { return pivot.Attach(ctx, db, UserRoles, ann, []Role{{ID: 3}, {Name: "new"}}) }, pivot.ErrNoKey},
			{"nil model", func() error { return pivot.Attach(ctx, db, UserRoles, ann, (*Role)(nil)) }, sqlt.ErrNilValue},
			{"malicious attribute", func() error {
				return pivot.Attach(ctx, db, UserRoles, ann, 3, map[string]any{"active; drop table roles": 1})
			}, sqlt.ErrInvalidIdentifier},
			{"dotted attribute", func() error {
				_, err := pivot.UpdateExistingPivot(ctx, db, UserRoles, ann, 1, map[string]any{"role_user.active": false})
				return err
			}, sqlt.ErrInvalidIdentifier},
			{"malicious attribute in sync", func() error {
				_, err := pivot.Sync(ctx, db, UserRoles, ann, map[int64]map[string]any{1: {`x" = 1; --`: 1}})
				return err
			}, sqlt.ErrInvalidIdentifier},
			{"key attribute", func() error { return pivot.Attach(ctx, db, UserRoles, ann, 3, map[string]any{"user_id": 2}) }, pivot.ErrBadAttributes},
			{"bad map value", func() error { return pivot.Attach(ctx, db, UserRoles, ann, map[int64]int64{3: 1}) }, pivot.ErrBadAttributes},
			{"cancelled context", func() error {
				_, err := pivot.Sync(ctx, db, UserRoles, ann, []int64{3})
				_ = err
				_, err = pivot.Sync(cancelled, db, UserRoles, ann, []int64{3})
				return err
			}, context.Canceled},
			{"cancelled detach", func() error { _, err := pivot.Detach(cancelled, db, UserRoles, ann, 1); return err }, context.Canceled},
			{"bad relation", func() error {
				return pivot.Attach(ctx, db, UserRoles.WithPivot("x; drop"), ann, 3)
			}, sqlt.ErrInvalidIdentifier},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				db.Counter.Reset()
				err := c.call()
				require.Error(t, err)
				assert.ErrorIs(t, err, c.want)
				if c.name != "cancelled context" {
					assert.Equal(t, 0, pivotCount(db), "no statement: %s", db.Counter)
				}
			})
		}
		// The one successful sync in "cancelled context" attached viewer and detached the rest;
		// undo it and compare.
		_, err := pivot.Sync(ctx, db, UserRoles, ann, map[int64]map[string]any{1: {"active": true}, 2: {"active": false}})
		require.NoError(t, err)
		assert.Equal(t, before, pivotRows(t, db))
	})
}

func TestConcurrentAttach(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		const parents = 24
		for i := 0; i < parents; i++ {
			db.MustExec(t, fmt.Sprintf(`insert into users (name) values ('u%d')`, i))
		}
		var wg sync.WaitGroup
		errs := make(chan error, parents)
		for i := 0; i < parents; i++ {
			wg.Add(1)
			go func(uid int64) {
				defer wg.Done()
				u := user(uid)
				if err := pivot.Attach(ctx, db, UserRoles, u, []int64{1, 2, 3}); err != nil {
					errs <- err
					return
				}
				if _, err := pivot.Sync(ctx, db, UserRoles.WherePivot("active", true), u, map[int64]map[string]any{1: {"active": true}, 3: {"active": true}}); err != nil {
					errs <- err
					return
				}
				if _, err := pivot.UpdateExistingPivot(ctx, db, UserRoles, u, 3, map[string]any{"active": false}); err != nil {
					errs <- err
				}
			}(int64(4 + i))
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		rows := pivotRows(t, db)
		perUser := map[int64][]int64{}
		for _, r := range rows {
			perUser[r.UserID] = append(perUser[r.UserID], r.RoleID)
		}
		for i := 0; i < parents; i++ {
			assert.Equal(t, []int64{1, 3}, perUser[int64(4+i)])
			assert.False(t, activeOf(t, db, int64(4+i), 3))
		}
		assert.Equal(t, []int64{1, 2}, perUser[1])
	})
}

// TestLargeSync checks the statement counts on 1,000 keys against 1,000
// rows with half overlap, and an attach beyond the parameter limit.
func TestLargeSync(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table users (id {{pk}}, name text not null)`,
			`create table roles (id {{pk}}, name text not null)`,
			`create table role_user (user_id bigint not null, role_id bigint not null, active boolean not null default true, primary key (user_id, role_id))`,
			`insert into users (name) values ('a'), ('b')`,
		)
		old := make([]int64, 1000)
		want := make([]int64, 1000)
		for i := range old {
			old[i] = int64(i + 1)
			want[i] = int64(i + 501)
		}
		u := user(1)
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, user(2), old))
		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, u, old))
		assert.Equal(t, 1, pivotCount(db))
		db.Counter.Reset()

		ch, err := pivot.Sync(ctx, db, UserRoles, u, want)
		require.NoError(t, err)
		assert.Len(t, ch.Attached, 500)
		assert.Len(t, ch.Detached, 500)
		assert.Equal(t, int64(1001), ch.Attached[0])
		assert.ElementsMatch(t, keys(old[:500]...), ch.Detached)
		assert.Equal(t, 3, pivotCount(db), "select, delete, insert")
		assert.Equal(t, want, roleIDs(t, db, 1))
		assert.Len(t, roleIDs(t, db, 2), 1000)

		db.Counter.Reset()
		ch, err = pivot.SyncWithPivotValues(ctx, db, UserRoles, u, want, map[string]any{"active": false})
		require.NoError(t, err)
		assert.Len(t, ch.Updated, 1000)
		assert.Equal(t, 2, pivotCount(db), "select, one update")
		if db.Name == "mysql" {
			// A long key list's UPDATE in the multi-table form, which
			// MariaDB plans as a semi-join (see plan.semiJoin).
			assert.True(t, strings.HasPrefix(pivotStmts(db)[1], `update "role_user", (select 1) as relkit_one set `), db.Counter)
		}

		n, err := pivot.Detach(ctx, db, UserRoles, u, want[:700])
		require.NoError(t, err)
		assert.EqualValues(t, 700, n)

		// 20,000 rows × 2 columns exceed one statement's parameters: two
		// INSERTs in one transaction.
		big := make([]int64, 20000)
		for i := range big {
			big[i] = int64(i + 1)
		}
		db.Counter.Reset()
		require.NoError(t, pivot.Attach(ctx, db, UserRoles, user(2), big[1000:]))
		assert.Equal(t, 2, pivotCount(db))
		assert.Len(t, roleIDs(t, db, 2), 20000)
		db.Counter.Reset()
		ch, err = pivot.Sync(ctx, db, UserRoles, user(2), big[:10])
		require.NoError(t, err)
		assert.Len(t, ch.Detached, 19990)
		assert.Equal(t, 2, pivotCount(db))
		if db.Name == "mysql" {
			// Regression: the single-table DELETE read the JSON array of
			// 19,990 keys once per row, for minutes.
			assert.True(t, strings.HasPrefix(pivotStmts(db)[1], `delete "role_user" from "role_user" where `), db.Counter)
		}
		assert.Equal(t, big[:10], roleIDs(t, db, 2))
	})
}

func TestWherePivotNil(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		db.MustExec(t, `insert into podcast_user (user_id, podcast_id) values (3, 1)`)
		require.NoError(t, pivot.Attach(ctx, db, UserPodcasts, user(3), 2))
		// WherePivot(col, nil) is "is null" (Laravel), not "= NULL".
		n, err := pivot.DetachAll(ctx, db, UserPodcasts.WherePivot("created_at", nil), user(3))
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		subs := subscriptions(t, db, 3)
		require.Len(t, subs, 1)
		assert.Contains(t, subs, int64(2))
		n, err = pivot.DetachAll(ctx, db, UserPodcasts.WherePivot("created_at", "<>", nil), user(3))
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
	})
}

// Code is a key type relkit does not classify (a struct implementing
// driver.Valuer and sql.Scanner): keys go through keys.Norm as they are.
type Code struct{ s string }

func (c Code) Value() (driver.Value, error) { return c.s, nil }

func (c *Code) Scan(v any) error {
	switch x := v.(type) {
	case string:
		c.s = x
	case []byte:
		c.s = string(x)
	default:
		return fmt.Errorf("scan %T into Code", v)
	}
	return nil
}

type Label struct {
	Code  Code           `db:"code,pk"`
	Pivot map[string]any `db:"-"`
}

var ArticleLabels = rel.BelongsToMany[Article, Label]("article_label", "article_id", "label_code")

func TestCustomKeyType(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t,
			`create table articles (id {{pk}})`,
			`create table article_label (article_id bigint not null, label_code text not null, primary key (article_id, label_code))`,
			`insert into articles (id) values (1)`,
		)
		a := &Article{ID: 1}
		var many []Label
		for i := 0; i < 1200; i++ {
			many = append(many, Label{Code: Code{fmt.Sprintf("c%04d", i)}})
		}
		ch, err := pivot.Sync(ctx, db, ArticleLabels, a, many)
		require.NoError(t, err)
		require.Len(t, ch.Attached, 1200)
		assert.Equal(t, "c0000", ch.Attached[0])

		db.Counter.Reset()
		ch, err = pivot.Sync(ctx, db, ArticleLabels, a, []any{Code{"c0001"}, "c0002", &Label{Code: Code{"new"}}})
		require.NoError(t, err)
		assert.Equal(t, []any{"new"}, ch.Attached)
		assert.Len(t, ch.Detached, 1198)
		assert.Equal(t, 3, pivotCount(db), "select, one delete of three chunked key lists, insert: %s", db.Counter)

		n, err := pivot.UpdateExistingPivot(ctx, db, ArticleLabels, a, Code{"new"}, nil)
		require.NoError(t, err)
		assert.Zero(t, n, "no timestamps, nothing to set")
		n, err = pivot.Detach(ctx, db, ArticleLabels, a, []Code{{"c0001"}, {"new"}})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
	})
}

// noReturning is a dialect without INSERT/UPDATE … RETURNING (MySQL-like).
type noReturning struct{ sqlt.Dialect }

func (noReturning) Returning() bool { return false }

// TestSyncWithoutReturning runs Sync's update step through the fallback
// for dialects without RETURNING: one UPDATE per kept key, reported when
// its row changed.
func TestSyncWithoutReturning(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		var sdb *sql.DB
		var err error
		switch db.Name {
		case "sqlite":
			sdb, err = sql.Open("sqlite3", "file::memory:?_foreign_keys=1")
			require.NoError(t, err)
			sdb.SetMaxOpenConns(1)
		case "mysql": // the test's database, through go-sql-driver/mysql
			u, err := url.Parse(db.DSN)
			require.NoError(t, err)
			cfg := mysql.NewConfig()
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
			cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
			cfg.ParseTime, cfg.Loc = true, time.UTC
			sdb, err = sql.Open("mysql", cfg.FormatDSN())
			require.NoError(t, err)
		default:
			rows, err := db.Query(ctx, `select current_schema()`)
			require.NoError(t, err)
			schema, err := sqlt.ScanOne[string](rows)
			require.NoError(t, err)
			u, err := url.Parse(testdb.PostgresDSN(t))
			require.NoError(t, err)
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			sdb, err = sql.Open("pgx", u.String())
			require.NoError(t, err)
		}
		t.Cleanup(func() { sdb.Close() })
		ex := sqlt.FromDB(sdb, noReturning{db.Dialect()})
		for _, s := range []string{
			`create table users (id bigint primary key)`, // MySQL locks the parent's row
			`insert into users (id) values (1)`,
			`create table role_user (user_id bigint not null, role_id bigint not null, active boolean not null default true, primary key (user_id, role_id))`,
			`insert into role_user (user_id, role_id, active) values (1, 1, true), (1, 2, true), (1, 3, false)`,
		} {
			_, err := ex.Exec(ctx, s)
			require.NoError(t, err)
		}
		ch, err := pivot.SyncWithPivotValues(ctx, ex, UserRoles, user(1), []int64{1, 2, 3, 4}, map[string]any{"active": false})
		require.NoError(t, err)
		assert.Equal(t, pivot.Changes{Attached: keys(4), Detached: []any{}, Updated: keys(1, 2)}, ch)
		rows, err := ex.Query(ctx, `select count(*) from role_user where active = ?`, false)
		require.NoError(t, err)
		n, err := sqlt.ScanOne[int64](rows)
		require.NoError(t, err)
		assert.EqualValues(t, 4, n)
	})
}
