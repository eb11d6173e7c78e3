package pivot_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// TestToggleLaravel replays Laravel's testToggleMethod on the fixture:
// toggling attaches what is not attached and detaches what is, the
// attached keys with their attributes, in three statements (select,
// delete, insert), whatever the number of keys.
func TestToggleLaravel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		cy := user(3) // no roles

		db.Counter.Reset()
		tg, err := pivot.Toggle(ctx, db, UserRoles, cy, []int64{1})
		require.NoError(t, err)
		assert.Equal(t, pivot.Toggled[any]{Attached: keys(1), Detached: []any{}}, tg)
		assert.Equal(t, 2, pivotCount(db), "select, insert: %s", db.Counter)
		assert.Equal(t, []int64{1}, roleIDs(t, db, 3))

		db.Counter.Reset()
		tg, err = pivot.Toggle(ctx, db, UserRoles, cy, []int64{2, 1})
		require.NoError(t, err)
		assert.Equal(t, pivot.Toggled[any]{Attached: keys(2), Detached: keys(1)}, tg)
		stmts := pivotStmts(db)
		require.Len(t, stmts, 3, db.Counter)
		assert.True(t, strings.HasPrefix(stmts[0], "select "))
		assert.True(t, strings.HasPrefix(stmts[1], "delete "))
		assert.True(t, strings.HasPrefix(stmts[2], "insert "))
		if locksParent(db) {
			assert.True(t, isLock(db.Counter.Statements()[0]), "the parent's lock first, as Sync: %s", db.Counter)
		}
		assert.Equal(t, []int64{2}, roleIDs(t, db, 3))

		// Mixed form: key 2 toggled off, key 1 on with its attributes.
		tg, err = pivot.Toggle(ctx, db, UserRoles, cy, []pivot.Record{{Key: 2}, {Key: 1, Attrs: map[string]any{"active": false}}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Toggled[any]{Attached: keys(1), Detached: keys(2)}, tg)
		assert.Equal(t, []int64{1}, roleIDs(t, db, 3))
		assert.False(t, activeOf(t, db, 3, 1))

		// The map form, string keys normalised; input order for attached.
		tg, err = pivot.Toggle(ctx, db, UserRoles, cy, map[string]map[string]any{"3": nil, "1": nil, "2": {"active": false}})
		require.NoError(t, err)
		assert.Equal(t, pivot.Toggled[any]{Attached: keys(2, 3), Detached: keys(1)}, tg)
		assert.False(t, activeOf(t, db, 3, 2))
		assert.Equal(t, []int64{1, 2}, roleIDs(t, db, 1), "ann's rows untouched")

		b, err := json.Marshal(tg)
		require.NoError(t, err)
		assert.JSONEq(t, `{"attached":[2,3],"detached":[1]}`, string(b))

		// Nothing to toggle: an empty, non-nil result and no statement.
		for _, ids := range []any{nil, []int64{}, []Role{}, map[int64]map[string]any{}} {
			db.Counter.Reset()
			tg, err := pivot.Toggle(ctx, db, UserRoles, cy, ids)
			require.NoError(t, err)
			assert.Equal(t, pivot.Toggled[any]{Attached: []any{}, Detached: []any{}}, tg, "%#v", ids)
			assert.Zero(t, db.Counter.Count(), "%#v: %s", ids, db.Counter)
		}
	})
}

// TestTogglePivotFilterAndAtomicity: with a pivot filter, a row the filter
// leaves out counts as not attached, so its key is attached again, which
// the pivot's primary key rejects; the toggle's delete is then rolled
// back, alone or inside the caller's transaction (whose own work
// survives).
func TestTogglePivotFilterAndAtomicity(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		ann := user(1) // admin (active), editor (inactive)
		active := UserRoles.WherePivot("active", true).Named("active_roles")
		before := pivotRows(t, db)

		db.Counter.Reset()
		tg, err := pivot.Toggle(ctx, db, active, ann, []int64{1, 2})
		require.Error(t, err)
		assert.Equal(t, pivot.Toggled[any]{}, tg)
		assert.Equal(t, 3, pivotCount(db), "select, delete of 1, failing insert of 2: %s", db.Counter)
		assert.Equal(t, before, pivotRows(t, db), "the delete is rolled back")

		// On PostgreSQL the toggle's writes are one statement, without a
		// savepoint: its failure aborts the caller's transaction, which
		// starts again.
		pg := db.Dialect().Name() == "postgres"
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if err := pivot.Attach(ctx, tx, UserRoles, user(3), 3); err != nil {
				return err
			}
			_, err := pivot.Toggle(ctx, tx, active, ann, []int64{1, 2})
			require.Error(t, err)
			if pg {
				_, err := tx.Exec(ctx, `select 1`)
				db.RequireDriverError(t, err, testdb.PgTxAborted, 0)
				return err
			}
			return nil
		})
		if pg {
			require.Error(t, err)
			assert.Equal(t, before, pivotRows(t, db))
		} else {
			require.NoError(t, err)
		}
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			if pg {
				if err := pivot.Attach(ctx, tx, UserRoles, user(3), 3); err != nil {
					return err
				}
			}
			tg, err := pivot.Toggle(ctx, tx, active, ann, []int64{1, 3})
			require.NoError(t, err)
			assert.Equal(t, pivot.Toggled[any]{Attached: keys(3), Detached: keys(1)}, tg)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, []int64{2, 3}, roleIDs(t, db, 1))
		assert.Equal(t, []int64{3}, roleIDs(t, db, 3), "the caller's attach survives the failed toggle")
	})
}

type ttPost struct {
	ID int64 `db:"id"`
}

func (ttPost) TableName() string { return "tt_posts" }

type ttTag struct {
	ID        int64     `db:"id"`
	UpdatedAt time.Time `db:"updated_at"`
}

func (ttTag) TableName() string { return "tt_tags" }

var (
	ttPostTags = rel.BelongsToMany[ttPost, ttTag]("tt_post_tag", "post_id", "tag_id").WherePivot("flag", "<>", "exclude").Named("tt_tags")
	// ttPostRoles relates posts to fixture roles, which have no updated_at.
	ttPostRoles = rel.BelongsToMany[ttPost, Role]("tt_post_tag", "post_id", "tag_id").Named("tt_roles")
)

// TestTouch replays Laravel's testCanTouchRelatedModels: Touch sets
// updated_at on the tags attached through the rows the pivot filter
// selects (tag 2, flagged "exclude", is not touched, nor is another
// post's tag), in one statement.
func TestTouch(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		old := time.Date(2017, 10, 10, 10, 10, 10, 0, time.UTC)
		db.MustExec(t,
			`create table tt_posts (id {{pk}})`,
			`create table tt_tags (id {{pk}}, updated_at timestamp not null)`,
			`create table tt_post_tag (post_id bigint not null references tt_posts(id), tag_id bigint not null, flag text not null default '')`,
			`insert into tt_posts (id) values (1), (2)`,
		)
		for i := 0; i < 4; i++ {
			_, err := db.Exec(ctx, `insert into tt_tags (updated_at) values (?)`, old)
			require.NoError(t, err)
		}
		db.MustExec(t, `insert into tt_post_tag (post_id, tag_id, flag) values (1, 1, ''), (1, 2, 'exclude'), (1, 3, ''), (2, 4, '')`)
		post := &ttPost{ID: 1}

		db.Counter.Reset()
		n, err := pivot.Touch(ctx, db, ttPostTags, post)
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		require.Equal(t, 1, db.Counter.Count(), db.Counter)
		assert.True(t, strings.HasPrefix(db.Counter.Statements()[0], "update "), db.Counter)
		rows, err := db.Query(ctx, `select id, updated_at from tt_tags order by id`)
		require.NoError(t, err)
		tags, err := sqlt.ScanAll[ttTag](rows)
		require.NoError(t, err)
		require.Len(t, tags, 4)
		for _, tg := range tags {
			touched := tg.ID == 1 || tg.ID == 3
			assert.Equal(t, touched, !tg.UpdatedAt.Equal(old), "tag %d touched: %v", tg.ID, touched)
		}

		// No related row: nothing updated, still one statement.
		db.MustExec(t, `insert into tt_posts (id) values (3)`)
		n, err = pivot.Touch(ctx, db, ttPostTags, &ttPost{ID: 3})
		require.NoError(t, err)
		assert.Zero(t, n)

		// Errors before any statement.
		db.Counter.Reset()
		_, err = pivot.Touch(ctx, db, ttPostRoles, post)
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn, "Role has no updated_at")
		_, err = pivot.Touch(ctx, db, ttPostTags, &ttPost{})
		assert.ErrorIs(t, err, pivot.ErrNoKey)
		_, err = pivot.Touch(ctx, db, ttPostTags, nil)
		assert.ErrorIs(t, err, sqlt.ErrNilValue)
		assert.Zero(t, db.Counter.Count(), db.Counter)
	})
}

type roleID int32

// TestKeyedTypedKeys: a Keys handle takes and reports keys of its type,
// converted from and to the normalised keys.
func TestKeyedTypedKeys(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		userRoles := pivot.Keys[int64](UserRoles)
		cy := user(3)

		ch, err := userRoles.Sync(ctx, db, cy, []int64{1, 2})
		require.NoError(t, err)
		assert.Equal(t, pivot.ChangesOf[int64]{Attached: []int64{1, 2}, Detached: []int64{}, Updated: []int64{}}, ch)
		tg, err := userRoles.Toggle(ctx, db, cy, []int64{2, 3})
		require.NoError(t, err)
		assert.Equal(t, pivot.Toggled[int64]{Attached: []int64{3}, Detached: []int64{2}}, tg)
		require.NoError(t, userRoles.Attach(ctx, db, cy, []int64{2}, map[string]any{"active": false}))
		assert.False(t, activeOf(t, db, 3, 2))
		n, err := userRoles.Detach(ctx, db, cy, []int64{1, 2})
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)

		// A named integer type of another width: reported as that type.
		named := pivot.Keys[roleID](UserRoles)
		nch, err := named.SyncWithoutDetaching(ctx, db, cy, []roleID{1, 3})
		require.NoError(t, err)
		assert.Equal(t, pivot.ChangesOf[roleID]{Attached: []roleID{1}, Detached: []roleID{}, Updated: []roleID{}}, nch)
		many, err := named.SyncMany(ctx, db, []*User{user(1), cy}, func(u *User) []roleID {
			if u.ID == 1 {
				return []roleID{3}
			}
			return nil
		})
		require.NoError(t, err)
		require.Len(t, many, 2)
		assert.Equal(t, []roleID{3}, many[0].Attached)
		assert.ElementsMatch(t, []roleID{1, 2}, many[0].Detached)
		assert.ElementsMatch(t, []roleID{1, 3}, many[1].Detached)
		_, err = named.SyncMany(ctx, db, []*User{cy}, nil)
		assert.ErrorIs(t, err, sqlt.ErrNilValue)

		// String and uuid key types for string keys.
		db.MustExec(t,
			`create table articles (id {{pk}})`,
			`create table tags (code text primary key, label text not null)`,
			`create table article_tag (article_id bigint not null references articles(id), tag_code text not null references tags(code),
				note text, primary key (article_id, tag_code))`,
			`insert into articles (id) values (1)`,
			`insert into tags (code, label) values ('go', 'Go'), ('sql', 'SQL'), ('7b7306ae-5a02-46fa-a84c-9538f45c7dd4', 'uuid')`,
		)
		a := &Article{ID: 1}
		sch, err := pivot.Keys[string](ArticleTags).Sync(ctx, db, a, []string{"go", "sql"})
		require.NoError(t, err)
		assert.Equal(t, []string{"go", "sql"}, sch.Attached)
		var u pgtype.UUID
		require.NoError(t, u.Scan("7b7306ae-5a02-46fa-a84c-9538f45c7dd4"))
		uch, err := pivot.Keys[pgtype.UUID](ArticleTags).Toggle(ctx, db, a, []pgtype.UUID{u})
		require.NoError(t, err)
		assert.Equal(t, pivot.Toggled[pgtype.UUID]{Attached: []pgtype.UUID{u}, Detached: []pgtype.UUID{}}, uch)
	})
}

// TestKeyedRejectsMismatchedKeyType: a key type that does not suit the
// related key column fails with rel.ErrUnsupportedKey before any
// statement, in every method.
func TestKeyedRejectsMismatchedKeyType(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		before := pivotRows(t, db)
		ann := user(1)
		names := pivot.Keys[string](UserRoles) // role names for integer role ids
		floats := pivot.Keys[float64](UserRoles)
		uuids := pivot.Keys[pgtype.UUID](UserRoles) // a uuid type normalises to a string
		ints := pivot.Keys[int](ArticleTags)        // integers for string tag codes
		a := &Article{ID: 1}
		db.Counter.Reset()
		for name, call := range map[string]func() error{
			"attach":  func() error { return names.Attach(ctx, db, ann, []string{"admin"}) },
			"detach":  func() error { _, err := names.Detach(ctx, db, ann, []string{"1"}); return err },
			"sync":    func() error { _, err := names.Sync(ctx, db, ann, []string{"admin"}); return err },
			"without": func() error { _, err := names.SyncWithoutDetaching(ctx, db, ann, []string{"admin"}); return err },
			"toggle":  func() error { _, err := names.Toggle(ctx, db, ann, []string{"admin"}); return err },
			"many": func() error {
				_, err := names.SyncMany(ctx, db, []*User{ann}, func(*User) []string { return []string{"admin"} })
				return err
			},
			"float":      func() error { _, err := floats.Sync(ctx, db, ann, []float64{1}); return err },
			"uuid":       func() error { _, err := uuids.Toggle(ctx, db, ann, []pgtype.UUID{{}}); return err },
			"int string": func() error { _, err := ints.Sync(ctx, db, a, []int{7}); return err },
		} {
			err := call()
			require.ErrorIs(t, err, rel.ErrUnsupportedKey, name)
			assert.Contains(t, err.Error(), "keys of type ", name)
		}
		assert.Zero(t, db.Counter.Count(), db.Counter)
		assert.Equal(t, before, pivotRows(t, db))
	})
}
