package pivot_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/pivot"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// The schema of Laravel's EloquentBelongsToManyTest: tags (name not
// unique), unique_tags (name unique), and their pivots with a flag and
// timestamps. posts_unique_tags has a primary key here (Laravel's has
// none), so that CreateOrFirst's last step, the reread after the attach's
// unique violation, is reached.
var laravelSchema = []string{
	`create table posts (id {{pk}}, title text not null)`,
	`create table tags (id {{pk}}, name text not null, type text, created_at timestamp, updated_at timestamp)`,
	`create table unique_tags (id {{pk}}, name text not null unique, type text, created_at timestamp, updated_at timestamp)`,
	`create table posts_tags (post_id bigint not null, tag_id bigint not null, flag text default '',
		created_at timestamp, updated_at timestamp)`,
	`create table posts_unique_tags (post_id bigint not null, tag_id bigint not null, flag text default '',
		created_at timestamp, updated_at timestamp, primary key (post_id, tag_id))`,
}

type lvPost struct {
	ID    int64  `db:"id"`
	Title string `db:"title"`
}

func (lvPost) TableName() string { return "posts" }

type lvTag struct {
	ID        int64          `db:"id"`
	Name      string         `db:"name"`
	Type      *string        `db:"type"`
	CreatedAt time.Time      `db:"created_at"`
	UpdatedAt time.Time      `db:"updated_at"`
	Pivot     map[string]any `db:"-"`
}

func (lvTag) TableName() string { return "tags" }

type lvUniqueTag struct {
	ID        int64          `db:"id"`
	Name      string         `db:"name"`
	Type      *string        `db:"type"`
	CreatedAt time.Time      `db:"created_at"`
	UpdatedAt time.Time      `db:"updated_at"`
	Pivot     map[string]any `db:"-"`
}

func (lvUniqueTag) TableName() string { return "unique_tags" }

// Post::tags() and Post::tagsUnique() of Laravel's test.
var (
	lvPostTags = rel.BelongsToMany[lvPost, lvTag]("posts_tags", "post_id", "tag_id").
			WithPivot("flag").WithTimestamps().WherePivot("flag", "<>", "exclude")
	lvPostUniqueTags = rel.BelongsToMany[lvPost, lvUniqueTag]("posts_unique_tags", "post_id", "tag_id").
				WithPivot("flag").WithTimestamps().WherePivot("flag", "<>", "exclude")
)

// laravelSeed creates the schema and post 1.
func laravelSeed(t *testing.T, db *testdb.DB) *lvPost {
	t.Helper()
	db.MustExec(t, laravelSchema...)
	db.MustExec(t, `insert into posts (title) values ('p')`)
	return &lvPost{ID: 1}
}

func createTag(t *testing.T, db *testdb.DB, name string) lvTag {
	t.Helper()
	tag, err := query.From[lvTag]().Create(context.Background(), db, lvTag{Name: name})
	require.NoError(t, err)
	return tag
}

func createUniqueTag(t *testing.T, db *testdb.DB, name string) lvUniqueTag {
	t.Helper()
	tag, err := query.From[lvUniqueTag]().Create(context.Background(), db, lvUniqueTag{Name: name})
	require.NoError(t, err)
	return tag
}

// attachedTags returns the tag ids attached to post 1 through r (its pivot
// filters apply), in pivot order.
func attachedTags[C any](t *testing.T, db *testdb.DB, r rel.BelongsToManyRelation[lvPost, C], id func(C) int64) []int64 {
	t.Helper()
	rows, err := query.GetMany(context.Background(), db, r, &lvPost{ID: 1})
	require.NoError(t, err)
	out := []int64{}
	for _, c := range rows {
		out = append(out, id(c))
	}
	return out
}

func tagID(t lvTag) int64             { return t.ID }
func uniqueTagID(t lvUniqueTag) int64 { return t.ID }

// assertPivot checks the pivot of a tag attached to post 1 with flag (any
// flag when empty): the two keys, the flag and the timestamps.
func assertPivot(t *testing.T, p map[string]any, tagID int64, flag string) {
	t.Helper()
	require.NotNil(t, p, "pivot field set")
	assert.EqualValues(t, 1, p["post_id"])
	assert.EqualValues(t, tagID, p["tag_id"])
	if flag != "" {
		assert.Equal(t, flag, p["flag"])
	}
	assert.Contains(t, p, "created_at")
	assert.Contains(t, p, "updated_at")
}

func TestFindOrNewLaravel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		post := laravelSeed(t, db)
		tag := createTag(t, db, "a")
		require.NoError(t, pivot.Attach(ctx, db, lvPostTags, post, []int64{tag.ID}))
		other := createTag(t, db, "unrelated")

		db.Counter.Reset()
		got, err := pivot.FindOrNew(ctx, db, lvPostTags, post, tag.ID)
		require.NoError(t, err)
		assert.Equal(t, tag.ID, got.ID)
		assertPivot(t, got.Pivot, tag.ID, "")
		assert.Equal(t, 1, db.Counter.Count(), "one select: %s", db.Counter)

		// Absent, or existing but not attached: a new, blank instance.
		for _, id := range []int64{666, other.ID} {
			db.Counter.Reset()
			got, err = pivot.FindOrNew(ctx, db, lvPostTags, post, id)
			require.NoError(t, err)
			assert.Equal(t, lvTag{}, got, "id %d", id)
			assert.Equal(t, 1, db.Counter.Count(), db.Counter)
		}
		assert.Equal(t, []int64{tag.ID}, attachedTags(t, db, lvPostTags, tagID), "nothing attached")
	})
}

func TestFirstOrNewLaravel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		post := laravelSeed(t, db)
		tag := createTag(t, db, "a")
		require.NoError(t, pivot.Attach(ctx, db, lvPostTags, post, tag))

		db.Counter.Reset()
		got, err := pivot.FirstOrNew(ctx, db, lvPostTags, post, map[string]any{"id": tag.ID}, nil)
		require.NoError(t, err)
		assert.Equal(t, tag.ID, got.ID)
		assert.Nil(t, got.Pivot, "read outside the relation: no pivot")
		assert.Equal(t, 1, db.Counter.Count(), db.Counter)

		// Absent: a new, unsaved tag filled with the attributes (relkit
		// fills the key too, Laravel's guarded id stays null).
		got, err = pivot.FirstOrNew(ctx, db, lvPostTags, post, map[string]any{"id": 666}, nil)
		require.NoError(t, err)
		assert.Equal(t, lvTag{ID: 666}, got)

		// testFirstOrNewMethodWithValues.
		featured := "featured"
		got, err = pivot.FirstOrNew(ctx, db, lvPostTags, post, map[string]any{"name": "a"}, map[string]any{"type": featured})
		require.NoError(t, err)
		assert.Equal(t, tag.ID, got.ID)
		assert.Nil(t, got.Type, "values are not applied to an existing row")
		got, err = pivot.FirstOrNew(ctx, db, lvPostTags, post, map[string]any{"name": "foo"}, map[string]any{"type": featured})
		require.NoError(t, err)
		assert.Equal(t, lvTag{Name: "foo", Type: &featured}, got)
		got, err = pivot.FirstOrNew(ctx, db, lvPostTags, post, map[string]any{"name": "foo"}, map[string]any{"name": "bar"})
		require.NoError(t, err)
		assert.Equal(t, "bar", got.Name)

		// Laravel's (commented-out) testFirstOrNewUnrelatedExisting, with
		// DECISION 18.1: the whole table is searched and the row returned,
		// not attached.
		other := createTag(t, db, "unrelated")
		db.Counter.Reset()
		got, err = pivot.FirstOrNew(ctx, db, lvPostTags, post, map[string]any{"name": "unrelated"}, nil)
		require.NoError(t, err)
		assert.Equal(t, other.ID, got.ID)
		assert.Equal(t, 1, db.Counter.Count(), "no write: %s", db.Counter)
		assert.Equal(t, []int64{tag.ID}, attachedTags(t, db, lvPostTags, tagID))

		// A bad column fails before any statement.
		db.Counter.Reset()
		_, err = pivot.FirstOrNew(ctx, db, lvPostTags, post, map[string]any{"nope": 1}, nil)
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		assert.Zero(t, db.Counter.Count(), db.Counter)
	})
}

func TestFirstOrCreateLaravel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		post := laravelSeed(t, db)
		tag := createTag(t, db, "a")
		require.NoError(t, pivot.Attach(ctx, db, lvPostTags, post, tag, map[string]any{"flag": "x"}))

		// Attached: returned with its pivot, nothing written.
		db.Counter.Reset()
		got, err := pivot.FirstOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "a"}, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, tag.ID, got.ID)
		assertPivot(t, got.Pivot, tag.ID, "x")
		assert.Equal(t, 1, pivotCount(db), "one select: %s", db.Counter)

		// Absent: created and attached, with the joining attributes.
		db.Counter.Reset()
		got, err = pivot.FirstOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "wavez"}, nil, map[string]any{"flag": "new"})
		require.NoError(t, err)
		assert.Equal(t, "wavez", got.Name)
		assert.NotZero(t, got.ID)
		assert.False(t, got.CreatedAt.IsZero(), "the related row's timestamps set")
		assertPivot(t, got.Pivot, got.ID, "new")
		assert.Equal(t, 4, pivotCount(db), "select in the relation, in the table, insert, attach: %s", db.Counter)
		if locksParent(db) {
			assert.True(t, isLock(db.Counter.Statements()[0]), "the parent's lock first: %s", db.Counter)
		}
		assert.Equal(t, []int64{tag.ID, got.ID}, attachedTags(t, db, lvPostTags, tagID))

		// testFirstOrCreateUnrelatedExisting: attached, returned with the
		// pivot row written.
		other := createTag(t, db, "unrelated")
		db.Counter.Reset()
		got, err = pivot.FirstOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "unrelated"}, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, other.ID, got.ID)
		assertPivot(t, got.Pivot, other.ID, "")
		assert.Equal(t, 3, pivotCount(db), "two selects, attach: %s", db.Counter)
		assert.Contains(t, attachedTags(t, db, lvPostTags, tagID), other.ID)

		// testFirstOrCreateMethodWithValues.
		featured := "featured"
		got, err = pivot.FirstOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "a"}, map[string]any{"type": featured}, nil)
		require.NoError(t, err)
		assert.Equal(t, tag.ID, got.ID)
		assert.Nil(t, got.Type)
		got, err = pivot.FirstOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "foo"}, map[string]any{"type": featured}, nil)
		require.NoError(t, err)
		assert.Equal(t, "foo", got.Name)
		assert.Equal(t, &featured, got.Type)
		assert.NotZero(t, got.ID)
		got, err = pivot.FirstOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "qux"}, map[string]any{"name": "bar"}, nil)
		require.NoError(t, err)
		assert.Equal(t, "bar", got.Name)
		assert.NotZero(t, got.ID)

		// Attached through a row the pivot filter leaves out: found in the
		// table, attached again (no unique index on posts_tags), as
		// Laravel does.
		hidden := createTag(t, db, "hidden")
		require.NoError(t, pivot.Attach(ctx, db, lvPostTags, post, hidden, map[string]any{"flag": "exclude"}))
		got, err = pivot.FirstOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "hidden"}, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, hidden.ID, got.ID)
	})
}

func TestFirstOrCreateIgnoresAttachedElsewhere(t *testing.T) {
	// With a unique pivot, a row attached through a filtered-out pivot
	// row makes the attach fail with a unique violation: ignored, the row
	// returned without a pivot, and the transaction goes on (PostgreSQL).
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		post := laravelSeed(t, db)
		tag := createUniqueTag(t, db, "hidden")
		require.NoError(t, pivot.Attach(ctx, db, lvPostUniqueTags, post, tag, map[string]any{"flag": "exclude"}))
		for _, ex := range []func(fn func(sqlt.Executor) error) error{
			func(fn func(sqlt.Executor) error) error { return fn(db) },
			func(fn func(sqlt.Executor) error) error { return sqlt.Tx(ctx, db, fn) },
		} {
			err := ex(func(ex sqlt.Executor) error {
				got, err := pivot.FirstOrCreate(ctx, ex, lvPostUniqueTags, post, map[string]any{"name": "hidden"}, nil, nil)
				require.NoError(t, err)
				assert.Equal(t, tag.ID, got.ID)
				assert.Nil(t, got.Pivot)
				_, err = ex.Exec(ctx, "select 1")
				return err
			})
			require.NoError(t, err)
		}
	})
}

func TestCreateOrFirstLaravel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		post := laravelSeed(t, db)
		tag := createUniqueTag(t, db, "a")
		require.NoError(t, pivot.Attach(ctx, db, lvPostUniqueTags, post, tag, map[string]any{"flag": "x"}))

		// testCreateOrFirst, attached: the insert and the attach fail on
		// unique indexes, the row is read through the relation.
		db.Counter.Reset()
		got, err := pivot.CreateOrFirst(ctx, db, lvPostUniqueTags, post, map[string]any{"name": "a"}, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, tag.ID, got.ID)
		assertPivot(t, got.Pivot, tag.ID, "x")
		assert.Equal(t, 4, pivotCount(db), "insert, select, attach, select: %s", db.Counter)

		db.Counter.Reset()
		got, err = pivot.CreateOrFirst(ctx, db, lvPostUniqueTags, post, map[string]any{"name": "wavez"}, nil, map[string]any{"flag": "y"})
		require.NoError(t, err)
		assert.Equal(t, "wavez", got.Name)
		assert.NotZero(t, got.ID)
		assertPivot(t, got.Pivot, got.ID, "y")
		assert.Equal(t, 2, pivotCount(db), "insert, attach: %s", db.Counter)

		// testCreateOrFirstUnrelatedExisting.
		other := createUniqueTag(t, db, "unrelated")
		db.Counter.Reset()
		got, err = pivot.CreateOrFirst(ctx, db, lvPostUniqueTags, post, map[string]any{"name": "unrelated"}, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, other.ID, got.ID)
		assertPivot(t, got.Pivot, other.ID, "")
		assert.Equal(t, 3, pivotCount(db), "insert, select, attach: %s", db.Counter)
		assert.Contains(t, attachedTags(t, db, lvPostUniqueTags, uniqueTagID), other.ID)

		// testCreateOrFirstWithinTransaction: on PostgreSQL the violations
		// are inside savepoints, and the caller's transaction goes on.
		err = sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
			got, err := pivot.CreateOrFirst(ctx, tx, lvPostUniqueTags, post, map[string]any{"name": "a"}, nil, nil)
			if err != nil {
				return err
			}
			assert.Equal(t, tag.ID, got.ID)
			_, err = query.From[lvUniqueTag]().Create(ctx, tx, lvUniqueTag{Name: "after"})
			return err
		})
		require.NoError(t, err)
		n, err := query.From[lvUniqueTag]().Count(ctx, db)
		require.NoError(t, err)
		assert.EqualValues(t, 4, n, "a, wavez, unrelated, after")

		// Another failure is not a unique violation: returned as it is.
		_, err = pivot.CreateOrFirst(ctx, db, lvPostUniqueTags, post, map[string]any{"name": "b"}, nil, map[string]any{"no_such_column": 1})
		require.Error(t, err)
		assert.False(t, sqlt.IsUniqueViolation(err), "%v", err)
		_, err = query.From[lvUniqueTag]().WhereAttrs(map[string]any{"name": "b"}).First(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrNotFound, "the insert rolled back with the attach")
	})
}

func TestUpdateOrCreateLaravel(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		post := laravelSeed(t, db)
		tag := createTag(t, db, "a")
		require.NoError(t, pivot.Attach(ctx, db, lvPostTags, post, tag, map[string]any{"flag": "x"}))

		// testUpdateOrCreateMethod: attached, updated (not the pivot).
		db.Counter.Reset()
		got, err := pivot.UpdateOrCreate(ctx, db, lvPostTags, post, map[string]any{"id": tag.ID}, map[string]any{"name": "wavez"}, map[string]any{"flag": "ignored"})
		require.NoError(t, err)
		assert.Equal(t, "wavez", got.Name)
		assertPivot(t, got.Pivot, tag.ID, "x")
		assert.Equal(t, 2, pivotCount(db), "select, update: %s", db.Counter)
		fresh, err := query.From[lvTag]().Find(ctx, db, tag.ID)
		require.NoError(t, err)
		assert.Equal(t, "wavez", fresh.Name)

		got, err = pivot.UpdateOrCreate(ctx, db, lvPostTags, post, map[string]any{"id": 666}, map[string]any{"name": "dives"}, nil)
		require.NoError(t, err)
		assert.Equal(t, int64(666), got.ID, "relkit writes the given key")
		dives, err := query.Related(lvPostTags, post).WhereAttrs(map[string]any{"name": "dives"}).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(666), dives.ID)

		// testUpdateOrCreateUnrelatedExisting.
		foo := createTag(t, db, "foo")
		db.Counter.Reset()
		got, err = pivot.UpdateOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "foo"}, map[string]any{"name": "wavez2"}, nil)
		require.NoError(t, err)
		assert.Equal(t, foo.ID, got.ID)
		assert.Equal(t, "wavez2", got.Name)
		assertPivot(t, got.Pivot, foo.ID, "")
		assert.Equal(t, 4, pivotCount(db), "two selects, attach, update: %s", db.Counter)
		fresh, err = query.From[lvTag]().Find(ctx, db, foo.ID)
		require.NoError(t, err)
		assert.Equal(t, "wavez2", fresh.Name)
		assert.Contains(t, attachedTags(t, db, lvPostTags, tagID), foo.ID)

		// testUpdateOrCreateMethodCreate.
		featured := "featured"
		got, err = pivot.UpdateOrCreate(ctx, db, lvPostTags, post, map[string]any{"name": "wavez3"}, map[string]any{"type": featured}, nil)
		require.NoError(t, err)
		tagged, err := query.Related(lvPostTags, post).WhereAttrs(map[string]any{"type": featured}).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "wavez3", tagged.Name)
		assert.Equal(t, got.ID, tagged.ID)
	})
}

func TestSaveAndCreate(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		cy := user(3)

		// A new role: inserted, attached, with its pivot.
		db.Counter.Reset()
		ops := Role{Name: "ops"}
		require.NoError(t, pivot.Save(ctx, db, UserRoles, cy, &ops, map[string]any{"active": false}))
		assert.NotZero(t, ops.ID)
		assert.Equal(t, map[string]any{"user_id": int64(3), "role_id": ops.ID, "active": false}, ops.Pivot)
		assert.Equal(t, 2, pivotCount(db), "insert, attach: %s", db.Counter)
		assert.Equal(t, []int64{ops.ID}, roleIDs(t, db, 3))
		assert.False(t, activeOf(t, db, 3, ops.ID))

		// An existing role: updated, attached.
		admin := Role{ID: 1, Name: "root"}
		db.Counter.Reset()
		require.NoError(t, pivot.Save(ctx, db, UserRoles, cy, &admin))
		assert.Equal(t, 2, pivotCount(db), "update, attach: %s", db.Counter)
		assert.Equal(t, []int64{1, ops.ID}, roleIDs(t, db, 3))
		assert.Equal(t, map[string]any{"user_id": int64(3), "role_id": int64(1)}, admin.Pivot, "active is the database's default: not known")

		// Saving an attached role again: the attach fails on the pivot's
		// key, and the update is rolled back with it.
		admin.Name = "changed"
		err := pivot.Save(ctx, db, UserRoles, cy, &admin)
		db.RequireDriverError(t, err, testdb.PgUniqueViolation, sqlite3.ErrConstraint)
		assert.True(t, sqlt.IsUniqueViolation(err))
		assert.Equal(t, "changed", admin.Name, "*model as before the call")
		stored, err := query.From[Role]().Find(ctx, db, 1)
		require.NoError(t, err)
		assert.Equal(t, "root", stored.Name)

		// SaveMany: attrs[i] for models[i]; the pivot rows are inserted as
		// Attach does, one INSERT per set of attribute columns.
		many := []Role{{Name: "m1"}, {ID: 2, Name: "editor"}, {Name: "m3"}}
		db.Counter.Reset()
		require.NoError(t, pivot.SaveMany(ctx, db, UserRoles, user(2), many, map[string]any{"active": false}, nil))
		assert.Equal(t, 5, pivotCount(db), "insert, update, insert, attach with active, without: %s", db.Counter)
		assert.NotZero(t, many[0].ID)
		assert.NotZero(t, many[2].ID)
		assert.Equal(t, false, many[0].Pivot["active"])
		assert.NotContains(t, many[1].Pivot, "active")
		assert.Equal(t, []int64{2, 3, many[0].ID, many[2].ID}, slices.Sorted(slices.Values(roleIDs(t, db, 2))))
		assert.False(t, activeOf(t, db, 2, many[0].ID))

		// Create and CreateMany: copies, returned with keys and pivots.
		db.Counter.Reset()
		got, err := pivot.Create(ctx, db, UserRoles, cy, Role{Name: "c1"}, map[string]any{"active": true})
		require.NoError(t, err)
		assert.NotZero(t, got.ID)
		assert.Equal(t, true, got.Pivot["active"])
		assert.Equal(t, 2, pivotCount(db), db.Counter)
		in := []Role{{Name: "c2"}, {Name: "c3"}, {Name: "c4"}}
		db.Counter.Reset()
		out, err := pivot.CreateMany(ctx, db, UserRoles, cy, in, map[string]any{"active": true}, map[string]any{"active": false}, map[string]any{"active": true})
		require.NoError(t, err)
		assert.Equal(t, 2, pivotCount(db), "one INSERT of roles, one of role_user: %s", db.Counter)
		require.Len(t, out, 3)
		assert.Zero(t, in[0].ID, "the input is not modified")
		for i, r := range out {
			assert.NotZero(t, r.ID)
			assert.Equal(t, r.ID, r.Pivot["role_id"])
			assert.Equal(t, i != 1, activeOf(t, db, 3, r.ID), in[i].Name)
		}

		// Nothing to write: no statement.
		db.Counter.Reset()
		require.NoError(t, pivot.SaveMany(ctx, db, UserRoles, cy, nil))
		out, err = pivot.CreateMany(ctx, db, UserRoles, cy, []Role{})
		require.NoError(t, err)
		assert.Equal(t, []Role{}, out)
		assert.Zero(t, db.Counter.Count(), db.Counter)
	})
}

// TestWritesAreAtomic: a failing attach rolls back the related save,
// alone and inside a caller's transaction, which stays usable.
func TestWritesAreAtomic(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		cy := user(3)
		bad := map[string]any{"no_such_column": 1} // a valid name the INSERT refuses
		roles := func() int64 {
			n, err := query.From[Role]().Count(ctx, db)
			require.NoError(t, err)
			return n
		}
		before := roles()
		calls := map[string]func(ex sqlt.Executor) error{
			"save": func(ex sqlt.Executor) error {
				r := Role{Name: "s"}
				err := pivot.Save(ctx, ex, UserRoles, cy, &r, bad)
				assert.Equal(t, Role{Name: "s"}, r, "no key kept")
				return err
			},
			"save existing": func(ex sqlt.Executor) error {
				r := Role{ID: 3, Name: "renamed"}
				return pivot.Save(ctx, ex, UserRoles, cy, &r, bad)
			},
			"save many": func(ex sqlt.Executor) error {
				rs := []Role{{Name: "s1"}, {Name: "s2"}}
				err := pivot.SaveMany(ctx, ex, UserRoles, cy, rs, nil, bad)
				assert.Equal(t, []Role{{Name: "s1"}, {Name: "s2"}}, rs, "no key kept")
				return err
			},
			"create": func(ex sqlt.Executor) error {
				_, err := pivot.Create(ctx, ex, UserRoles, cy, Role{Name: "c"}, bad)
				return err
			},
			"create many": func(ex sqlt.Executor) error {
				_, err := pivot.CreateMany(ctx, ex, UserRoles, cy, []Role{{Name: "c1"}, {Name: "c2"}}, bad)
				return err
			},
			"first or create": func(ex sqlt.Executor) error {
				_, err := pivot.FirstOrCreate(ctx, ex, UserRoles, cy, map[string]any{"name": "f"}, nil, bad)
				return err
			},
			"first or create existing": func(ex sqlt.Executor) error {
				_, err := pivot.FirstOrCreate(ctx, ex, UserRoles, cy, map[string]any{"name": "viewer"}, nil, bad)
				return err
			},
			"update or create": func(ex sqlt.Executor) error {
				_, err := pivot.UpdateOrCreate(ctx, ex, UserRoles, cy, map[string]any{"name": "viewer"}, map[string]any{"name": "v2"}, bad)
				return err
			},
			"create or first": func(ex sqlt.Executor) error {
				_, err := pivot.CreateOrFirst(ctx, ex, UserRoles, cy, map[string]any{"name": "o"}, nil, bad)
				return err
			},
		}
		for name, call := range calls {
			t.Run(name, func(t *testing.T) {
				require.Error(t, call(db))
				// In a caller's transaction: the call fails, the
				// transaction goes on and commits what it wrote itself.
				err := sqlt.Tx(ctx, db, func(tx sqlt.Executor) error {
					assert.Error(t, call(tx))
					_, err := tx.Exec(ctx, "insert into roles (name) values ('kept')")
					return err
				})
				require.NoError(t, err)
				assert.Equal(t, before+1, roles(), "only the caller's row")
				assert.Empty(t, roleIDs(t, db, 3))
				viewer, err := query.From[Role]().Find(ctx, db, 3)
				require.NoError(t, err)
				assert.Equal(t, "viewer", viewer.Name, "the update rolled back")
				db.MustExec(t, "delete from roles where name = 'kept'")
			})
		}
	})
}

// TestWritesRefuseBadInput: before any statement.
func TestWritesRefuseBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		role := Role{Name: "x"}
		for name, c := range map[string]struct {
			call func() error
			want error
		}{
			"unsaved parent": {func() error { return pivot.Save(ctx, db, UserRoles, &User{}, &role) }, pivot.ErrNoKey},
			"nil parent": {func() error {
				_, err := pivot.Create(ctx, db, UserRoles, nil, role)
				return err
			}, sqlt.ErrNilValue},
			"nil model":         {func() error { return pivot.Save(ctx, db, UserRoles, user(3), nil) }, sqlt.ErrNilValue},
			"pivot key as attr": {func() error { return pivot.Save(ctx, db, UserRoles, user(3), &role, map[string]any{"user_id": 9}) }, pivot.ErrBadAttributes},
			"bad attr name":     {func() error { return pivot.Save(ctx, db, UserRoles, user(3), &role, map[string]any{"a b": 9}) }, sqlt.ErrInvalidIdentifier},
			"too many attrs": {func() error {
				_, err := pivot.CreateMany(ctx, db, UserRoles, user(3), []Role{role}, nil, nil)
				return err
			}, pivot.ErrBadAttributes},
			"bad joining": {func() error {
				_, err := pivot.FirstOrCreate(ctx, db, UserRoles, user(3), map[string]any{"name": "x"}, nil, map[string]any{"role_id": 1})
				return err
			}, pivot.ErrBadAttributes},
			"bad value column": {func() error {
				_, err := pivot.UpdateOrCreate(ctx, db, UserRoles, user(3), map[string]any{"name": "x"}, map[string]any{"nope": 1}, nil)
				return err
			}, sqlt.ErrUnknownColumn},
			"find unsaved parent": {func() error {
				_, err := pivot.FindOrNew(ctx, db, UserRoles, &User{}, 1)
				return err
			}, pivot.ErrNoKey},
		} {
			db.Counter.Reset()
			err := c.call()
			assert.ErrorIs(t, err, c.want, name)
			assert.Zero(t, db.Counter.Count(), "%s: %s", name, db.Counter)
		}
		assert.Equal(t, Role{Name: "x"}, role)
		assert.Empty(t, roleIDs(t, db, 3))
		var zero rel.BelongsToManyRelation[User, Role]
		_, err := pivot.FirstOrCreate(ctx, db, zero, user(3), nil, nil, nil)
		assert.True(t, errors.Is(err, sqlt.ErrNilValue), "%v", err)
	})
}

// TestFirstOrCreateConcurrent: goroutines asking for one tag for one post
// at the same time, on a pivot without a unique index, leave one tag and
// one pivot row (the parent's lock on PostgreSQL, the write lock of a
// SQLite file), and goroutines of different posts asking for one unique
// tag share it (CreateOrFirst's fallback after the unique violation).
func TestFirstOrCreateConcurrent(t *testing.T) {
	testdb.RunWithFile(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		laravelSeed(t, db)
		db.MustExec(t, `insert into posts (title) values ('p2'), ('p3'), ('p4')`)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, 2*n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, errs[i] = pivot.FirstOrCreate(ctx, db, lvPostTags, &lvPost{ID: 1}, map[string]any{"name": "same"}, nil, nil)
			}()
			go func() {
				defer wg.Done()
				_, errs[n+i] = pivot.CreateOrFirst(ctx, db, lvPostUniqueTags, &lvPost{ID: int64(1 + i%4)}, map[string]any{"name": "shared"}, nil, nil)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "call %d", i)
		}
		assert.Equal(t, []int64{1}, attachedTags(t, db, lvPostTags, tagID))
		tags, err := query.From[lvUniqueTag]().Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, tags, 1)
		rows, err := db.Query(ctx, "select post_id from posts_unique_tags order by post_id")
		require.NoError(t, err)
		type pair struct {
			PostID int64 `db:"post_id"`
		}
		pairs, err := sqlt.ScanAll[pair](rows)
		require.NoError(t, err)
		assert.Equal(t, []pair{{1}, {2}, {3}, {4}}, pairs, "each post attached once")
	})
}

// Laravel's test_custom_related_key: the pivot holds the related key
// (the tag's name), not its primary key.
func TestCreateCustomRelatedKey(t *testing.T) {
	byName := rel.BelongsToMany[lvPost, lvTag]("posts_tag_names", "post_id", "tag_name", "id", "name").WithPivot("flag")
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		post := laravelSeed(t, db)
		db.MustExec(t, `create table posts_tag_names (post_id bigint not null, tag_name text not null, flag text default '')`)

		tag, err := pivot.Create(ctx, db, byName, post, lvTag{Name: "go"})
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"post_id": int64(1), "tag_name": "go"}, tag.Pivot)
		first, err := query.Related(byName, post).First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "go", first.Pivot["tag_name"])

		got, err := pivot.FirstOrCreate(ctx, db, byName, post, map[string]any{"name": "go"}, nil, nil)
		require.NoError(t, err)
		assert.Equal(t, tag.ID, got.ID)
		more, err := pivot.CreateMany(ctx, db, byName, post, []lvTag{{Name: "a"}, {Name: "b"}}, map[string]any{"flag": "x"})
		require.NoError(t, err)
		assert.Equal(t, "a", more[0].Pivot["tag_name"])
		assert.Equal(t, "x", more[0].Pivot["flag"])
		assert.Equal(t, []int64{tag.ID, more[0].ID, more[1].ID}, attachedTags(t, db, byName, tagID))
	})
}

// On PostgreSQL a write through the relation takes the parent's lock once,
// first, as every pivot write does (TestPivotWritesLockTheParentOnPostgres):
// the attach inside FirstOrCreate, UpdateOrCreate and CreateOrFirst runs
// under the lock taken already, without another lock statement.
func TestWritesThroughTheRelationLockOnce(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		post := laravelSeed(t, db)
		createTag(t, db, "unrelated")
		createTag(t, db, "other")
		createTag(t, db, "third")
		name := func(n string) map[string]any { return map[string]any{"name": n} }
		for _, op := range []struct {
			name string
			run  func() error
		}{
			{"first or create, unrelated", func() error {
				_, err := pivot.FirstOrCreate(ctx, db, lvPostTags, post, name("unrelated"), nil, nil)
				return err
			}},
			{"first or create, absent", func() error {
				_, err := pivot.FirstOrCreate(ctx, db, lvPostTags, post, name("absent"), nil, nil)
				return err
			}},
			{"update or create, unrelated", func() error {
				_, err := pivot.UpdateOrCreate(ctx, db, lvPostTags, post, name("other"), map[string]any{"type": "x"}, nil)
				return err
			}},
			{"create or first, absent", func() error {
				_, err := pivot.CreateOrFirst(ctx, db, lvPostTags, post, name("new"), nil, nil)
				return err
			}},
			{"create or first, unrelated", func() error {
				_, err := pivot.CreateOrFirst(ctx, db, lvPostTags, post, name("third"), nil, nil)
				return err
			}},
		} {
			db.Counter.Reset()
			require.NoError(t, op.run(), op.name)
			locks := 0
			for _, s := range db.Counter.Statements() {
				if isLock(s) {
					locks++
				}
			}
			want := 0
			if locksParent(db) {
				want = 1
				assert.True(t, isLock(db.Counter.Statements()[0]), "%s: the lock first: %s", op.name, db.Counter)
			}
			assert.Equal(t, want, locks, "%s: %s", op.name, db.Counter)
		}
	})
}
