package query_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/sqlt"
)

func TestBuilderReads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		rwItemsSchema(t, db)
		items := query.From[rwItem]()
		rows := []rwItem{
			{Name: "a", Price: 10}, {Name: "b", Price: 20}, {Name: "c", Price: 30},
			{Name: "d", Price: 20}, {Name: "e", Price: 50, Note: new(string)},
		}
		require.NoError(t, items.InsertMany(ctx, db, rows))
		// Distinct creation times for Latest.
		for i, r := range rows {
			_, err := items.Where(sq.Eq{"id": r.ID}).UpdateAll(ctx, db, map[string]any{"created_at": time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC)})
			require.NoError(t, err)
		}
		db.Counter.Reset()

		all, err := items.OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "b", "c", "d", "e"}, rwItemNames(all))
		assert.Contains(t, rwOnly(t, db), `select "items"."id", "items"."name", "items"."price", "items"."note", "items"."alias", "items"."payload", "items"."status", "items"."computed", "items"."created_at", "items"."updated_at" from "items" order by "items"."id" asc`)

		none, err := items.Where(sq.Eq{"name": "zzz"}).Get(ctx, db)
		require.NoError(t, err)
		assert.NotNil(t, none)
		assert.Empty(t, none)

		first, err := items.OrderByDesc("price").First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "e", first.Name)
		_, err = items.Where(sq.Eq{"name": "zzz"}).First(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
		assert.ErrorIs(t, err, sql.ErrNoRows)
		assert.True(t, query.IsNotFound(err))

		f, err := items.Find(ctx, db, rows[2].ID)
		require.NoError(t, err)
		assert.Equal(t, "c", f.Name)
		_, err = items.Find(ctx, db, 9999)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)

		fm, err := items.OrderBy("id").FindMany(ctx, db, rows[0].ID, rows[3].ID, 9999)
		require.NoError(t, err)
		assert.Equal(t, []string{"a", "d"}, rwItemNames(fm))
		fm, err = items.FindMany(ctx, db, []int64{rows[1].ID})
		require.NoError(t, err)
		assert.Equal(t, []string{"b"}, rwItemNames(fm))
		fm, err = items.FindMany(ctx, db)
		require.NoError(t, err)
		assert.Empty(t, fm)

		n, err := items.Where(sq.Eq{"price": 20}).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
		n, err = items.OrderBy("id").Limit(1).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(5), n, "count ignores limit")
		ok, err := items.Where(sq.Eq{"name": "c"}).Exists(ctx, db)
		require.NoError(t, err)
		assert.True(t, ok)
		ok, err = items.Where(sq.Eq{"name": "zzz"}).Exists(ctx, db)
		require.NoError(t, err)
		assert.False(t, ok)

		names, err := query.Pluck[string](ctx, db, items.OrderByDesc("name"), "name")
		require.NoError(t, err)
		assert.Equal(t, []string{"e", "d", "c", "b", "a"}, names)
		prices, err := query.Pluck[int64](ctx, db, items.Distinct().OrderBy("price"), "price")
		require.NoError(t, err)
		assert.Equal(t, []int64{10, 20, 30, 50}, prices)

		// Select, the Where helpers, ordering, paging.
		sel, err := items.Select("id", "name").OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "a", sel[0].Name)
		assert.Zero(t, sel[0].Price, "columns not selected stay zero")

		check := func(q *query.Query[rwItem], want ...string) {
			t.Helper()
			got, err := q.OrderBy("name").Get(ctx, db)
			require.NoError(t, err)
			assert.Equal(t, append([]string{}, want...), rwItemNames(got))
		}
		check(items.WhereIn("price", 10, 30), "a", "c")
		check(items.WhereIn("price", []int64{20, 50}), "b", "d", "e")
		check(items.WhereIn("price"))
		check(items.WhereNotIn("price", 10, 20), "c", "e")
		check(items.WhereNotIn("price"), "a", "b", "c", "d", "e")
		check(items.WhereNull("note"), "a", "b", "c", "d")
		check(items.WhereNotNull("note"), "e")
		check(items.WhereBetween("price", 15, 30), "b", "c", "d")
		check(items.WhereNotBetween("price", 15, 30), "a", "e")
		check(items.WhereOp("price", ">", 20), "c", "e")
		check(items.WhereOp("name", "like", "%c%"), "c")
		check(items.Where(sq.Eq{"price": 10}).OrWhere(sq.Eq{"price": 50}), "a", "e")
		check(items.Where(sq.Gt{"price": 15}).WhereGroup(func(g *query.Query[rwItem]) *query.Query[rwItem] {
			return g.Where(sq.Eq{"name": "a"}).OrWhere(sq.Eq{"name": "c"})
		}), "c")
		check(items.WhereRaw("price * 2 = ?", 40), "b", "d")
		check(items.WhereOp("price", "=", 20).OrWhereGroup(func(g *query.Query[rwItem]) *query.Query[rwItem] {
			return g.WhereOp("name", "=", "a")
		}), "a", "b", "d")

		latest, err := items.Latest().First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "e", latest.Name)
		oldest, err := items.Oldest().First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "a", oldest.Name)

		page, err := items.OrderBy("id").Limit(2).Offset(1).Get(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, []string{"b", "c"}, rwItemNames(page))

		// Group by / having.
		type priceCount struct {
			Price int64 `db:"price"`
			N     int64 `db:"n"`
		}
		grouped := items.Select("price").SelectRaw("count(*) as n").GroupBy("price").Having(sq.Expr("count(*) > ?", 1)).OrderBy("price")
		gs, _, err := grouped.ToSql()
		require.NoError(t, err)
		assert.Contains(t, rwNorm(gs), `select "items"."price", count(*) as n from "items" group by "items"."price" having count(*) > ? order by "items"."price" asc`)
		ds, dargs, err := grouped.SQL(db.Dialect()) // the statement in the executor's dialect
		require.NoError(t, err)
		rs, err := db.Query(ctx, ds, dargs...)
		require.NoError(t, err)
		pcs, err := sqlt.ScanAll[priceCount](rs)
		require.NoError(t, err)
		assert.Equal(t, []priceCount{{Price: 20, N: 2}}, pcs)

		ps, err := query.Pluck[int64](ctx, db, items.GroupBy("price").Having(sq.Expr("count(*) > ?", 1)), "price")
		require.NoError(t, err)
		assert.Equal(t, []int64{20}, ps)
		dn, err := items.Select("price").Distinct().Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(4), dn)

		// Iter streams, and stops early.
		var seen []string
		for it, err := range items.OrderBy("id").Iter(ctx, db) {
			require.NoError(t, err)
			seen = append(seen, it.Name)
			if len(seen) == 3 {
				break
			}
		}
		assert.Equal(t, []string{"a", "b", "c"}, seen)
		total := 0
		for _, err := range items.Iter(ctx, db) {
			require.NoError(t, err)
			total++
		}
		assert.Equal(t, 5, total)

		// Immutability: a base query is not changed by extending it.
		base := items.Where(sq.Eq{"price": 20})
		_ = base.Where(sq.Eq{"name": "b"})
		n, err = base.Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(2), n)
	})
}

func TestBuilderRejectsBadInput(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		rwItemsSchema(t, db)
		items := query.From[rwItem]()
		seed := rwItem{Name: "keep", Price: 1}
		require.NoError(t, items.Insert(ctx, db, &seed))
		db.Counter.Reset()

		// Non-struct type parameters.
		_, err := query.From[int]().Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrNotStruct)
		_, err = query.From[any]().Count(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrNotStruct)
		_, err = query.From[string]().Create(ctx, db, "x")
		assert.ErrorIs(t, err, sqlt.ErrNotStruct)
		rwNotStruct(t, db, query.From[*rwItem](), &rwItem{Name: "ptr"})
		rwNotStruct(t, db, query.From[int](), 1)
		rwNotStruct(t, db, query.From[any](), any(nil))
		rwNotStruct(t, db, query.From[[]rwItem](), []rwItem{{Name: "slice"}})
		assert.ErrorIs(t, query.Push(ctx, db, &[]rwItem{}), sqlt.ErrNotStruct)

		// No primary key where one is needed.
		nk := query.From[rwNoKey]()
		_, err = nk.Find(ctx, db, 1)
		assert.ErrorIs(t, err, sqlt.ErrNoPrimaryKey)
		assert.ErrorIs(t, nk.Update(ctx, db, &rwNoKey{Name: "x"}), sqlt.ErrNoPrimaryKey)
		assert.ErrorIs(t, nk.Delete(ctx, db, &rwNoKey{Name: "x"}), sqlt.ErrNoPrimaryKey)
		_, err = nk.FindMany(ctx, db, 1, 2)
		assert.ErrorIs(t, err, sqlt.ErrNoPrimaryKey)
		// …but a struct without a key can still be inserted and read.
		require.NoError(t, nk.Insert(ctx, db, &rwNoKey{Name: "free"}))
		nks, err := nk.Get(ctx, db)
		require.NoError(t, err)
		assert.Len(t, nks, 1)
		db.Counter.Reset()

		// Unknown columns and SQL in column strings.
		for name, q := range map[string]*query.Query[rwItem]{
			"select unknown":  items.Select("nope"),
			"order unknown":   items.OrderBy("nope"),
			"where unknown":   items.WhereOp("nope", "=", 1),
			"group unknown":   items.GroupBy("nope"),
			"in unknown":      items.WhereIn("nope", 1),
			"other table col": items.Select("users.id"),
		} {
			_, err := q.Get(ctx, db)
			assert.ErrorIs(t, err, sqlt.ErrUnknownColumn, name)
			var uc *sqlt.UnknownColumnError
			assert.True(t, errors.As(err, &uc), name)
		}
		for name, q := range map[string]*query.Query[rwItem]{
			"select sql":   items.Select("id; drop table items"),
			"order sql":    items.OrderBy("id; drop table items"),
			"order sql 2":  items.OrderBy("id desc, (select 1)"),
			"where sql":    items.WhereNull("id) or (1=1"),
			"between sql":  items.WhereBetween("price --", 1, 2),
			"group sql":    items.GroupBy("price; delete from items"),
			"not in quote": items.WhereNotIn(`"id"`, 1),
		} {
			_, err := q.Get(ctx, db)
			assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier, name)
			var ie *sqlt.InvalidIdentifierError
			assert.True(t, errors.As(err, &ie), name)
		}
		_, err = query.Pluck[string](ctx, db, items, "name; drop table items")
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		_, err = items.UpdateAll(ctx, db, map[string]any{"price = 0; --": 1})
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		_, err = items.FirstOrCreate(ctx, db, map[string]any{"name; drop table items": "x"})
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
		_, err = items.OrderBy("id", "sideways").Get(ctx, db)
		assert.ErrorIs(t, err, query.ErrBadArgument)
		_, err = items.WhereOp("id", "; drop", 1).Get(ctx, db)
		assert.ErrorIs(t, err, query.ErrBadArgument)
		_, err = items.Where(nil).Get(ctx, db)
		assert.ErrorIs(t, err, query.ErrBadArgument)
		assert.Zero(t, db.Counter.Count(), "nothing reached the database: %s", db.Counter)

		// Nil pointers and executors.
		assert.ErrorIs(t, items.Insert(ctx, db, nil), sqlt.ErrNilValue)
		assert.ErrorIs(t, items.Update(ctx, db, nil), sqlt.ErrNilValue)
		assert.ErrorIs(t, items.Save(ctx, db, nil), sqlt.ErrNilValue)
		assert.ErrorIs(t, items.Delete(ctx, db, nil), sqlt.ErrNilValue)
		_, err = items.Get(ctx, nil)
		assert.ErrorIs(t, err, sqlt.ErrNilValue)

		// A cancelled context.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = items.Get(cctx, db)
		assert.ErrorIs(t, err, context.Canceled)
		_, err = items.Find(cctx, db, seed.ID)
		assert.ErrorIs(t, err, context.Canceled)
		x := rwItem{Name: "cancelled"}
		assert.ErrorIs(t, items.Insert(cctx, db, &x), context.Canceled)
		assert.ErrorIs(t, items.InsertMany(cctx, db, []rwItem{{Name: "c1"}, {Name: "c2"}}), context.Canceled)
		seed.Price = 999
		assert.ErrorIs(t, items.Update(cctx, db, &seed), context.Canceled)
		_, err = items.UpdateAll(cctx, db, map[string]any{"price": 0})
		assert.ErrorIs(t, err, context.Canceled)
		_, err = items.DeleteAll(cctx, db)
		assert.ErrorIs(t, err, context.Canceled)

		// Find of a missing id.
		_, err = items.Find(ctx, db, 424242)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)
		assert.Contains(t, err.Error(), "items")

		// Nothing was written.
		all, err := items.Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, all, 1)
		assert.Equal(t, "keep", all[0].Name)
		assert.Equal(t, int64(1), all[0].Price)
	})
}

func TestReads(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		fixture.Seed(t, db)

		posts, err := query.From[fixture.Post]().Where(sq.Gt{"votes": 2}).OrderByDesc("votes").Get(ctx, db)
		require.NoError(t, err)
		require.Len(t, posts, 3)
		assert.Equal(t, []string{"hello", "orphan", "code tips"}, []string{posts[0].Title, posts[1].Title, posts[2].Title})
		assert.Nil(t, posts[1].UserID)
		assert.Equal(t, 2024, posts[0].CreatedAt.Year())

		none, err := query.From[fixture.Post]().Where(sq.Eq{"votes": 12345}).Get(ctx, db)
		require.NoError(t, err)
		assert.NotNil(t, none)
		assert.Empty(t, none)

		first, err := query.From[fixture.Post]().OrderBy("id").First(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, "hello", first.Title)
		_, err = query.From[fixture.Post]().Where(sq.Eq{"votes": 12345}).First(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrNotFound)

		many, err := query.From[fixture.Post]().OrderBy("id").FindMany(ctx, db, []int64{1, 3, 99})
		require.NoError(t, err)
		require.Len(t, many, 2)
		assert.Equal(t, int64(3), many[1].ID)

		n, err := query.From[fixture.Post]().Where(sq.NotEq{"user_id": nil}).Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n)
		n, err = query.From[fixture.Post]().Select("user_id").GroupBy("user_id").Count(ctx, db)
		require.NoError(t, err)
		assert.Equal(t, int64(3), n, "groups: ann, bob, NULL")

		ok, err := query.From[fixture.Post]().Where(sq.Eq{"title": "news"}).Exists(ctx, db)
		require.NoError(t, err)
		assert.True(t, ok)
		ok, err = query.From[fixture.Post]().Where(sq.Eq{"title": "nope"}).Exists(ctx, db)
		require.NoError(t, err)
		assert.False(t, ok)

		titles, err := query.Pluck[string](ctx, db, query.From[fixture.Post]().OrderBy("id"), "title")
		require.NoError(t, err)
		assert.Equal(t, []string{"hello", "code tips", "news", "orphan"}, titles)

		var seen []int64
		for p, err := range query.From[fixture.Post]().OrderBy("id").Iter(ctx, db) {
			require.NoError(t, err)
			seen = append(seen, p.ID)
			if len(seen) == 3 {
				break
			}
		}
		assert.Equal(t, []int64{1, 2, 3}, seen)

		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = query.From[fixture.Post]().Get(cctx, db)
		assert.ErrorIs(t, err, context.Canceled)
	})
}
