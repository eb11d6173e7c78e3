package query_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

func TestReadsKeepTheDriverError(t *testing.T) {
	ctx := context.Background()
	pgBad, liteBad := testdb.FailingCodes()
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		Seed(t, db)
		bad := func() *query.Query[Post] { return query.From[Post]().WhereRaw(db.FailingCondition("posts.votes")) }
		ann := User{ID: 1, Name: "ann"}
		failingPosts := rel.HasMany[User, Post]().Where(sq.Expr(db.FailingCondition("posts.votes")))
		reads := map[string]func() error{
			"Get":      func() error { _, err := bad().Get(ctx, db); return err },
			"First":    func() error { _, err := bad().First(ctx, db); return err },
			"Find":     func() error { _, err := bad().Find(ctx, db, 1); return err },
			"FindMany": func() error { _, err := bad().FindMany(ctx, db, 1, 2); return err },
			"Count":    func() error { _, err := bad().Count(ctx, db); return err },
			"Exists":   func() error { _, err := bad().Exists(ctx, db); return err },
			"Pluck":    func() error { _, err := query.Pluck[int64](ctx, db, bad(), "id"); return err },
			"Iter": func() error {
				for _, err := range bad().Iter(ctx, db) {
					if err != nil {
						return err
					}
				}
				return nil
			},
			"Related Get": func() error {
				_, err := query.Related(UserPosts, &ann).WhereRaw(db.FailingCondition("votes")).Get(ctx, db)
				return err
			},
			"GetMany": func() error { _, err := query.GetMany(ctx, db, failingPosts, &ann); return err },
			"Related Count": func() error {
				_, err := query.Related(failingPosts, &ann).Count(ctx, db)
				return err
			},
		}
		for name, read := range reads {
			t.Run(name, func(t *testing.T) { db.RequireDriverError(t, read(), pgBad, liteBad) })
		}
	})
}

func TestWritesKeepTheDriverError(t *testing.T) {
	ctx := context.Background()
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		Seed(t, db)
		missingUser := int64(99)
		unique := func(t *testing.T, err error) {
			db.RequireDriverError(t, err, testdb.PgUniqueViolation, sqlite3.ErrConstraint)
		}
		foreignKey := func(t *testing.T, err error) {
			db.RequireDriverError(t, err, testdb.PgForeignKeyViolation, sqlite3.ErrConstraint)
		}
		t.Run("Insert", func(t *testing.T) {
			unique(t, query.From[Role]().Insert(ctx, db, &Role{Name: "admin"}))
		})
		t.Run("InsertMany", func(t *testing.T) {
			unique(t, query.From[Role]().InsertMany(ctx, db, []Role{{Name: "new"}, {Name: "admin"}}))
		})
		t.Run("Update", func(t *testing.T) {
			p, err := query.From[Post]().Find(ctx, db, 1)
			require.NoError(t, err)
			p.UserID = &missingUser
			foreignKey(t, query.From[Post]().Update(ctx, db, &p))
		})
		t.Run("Save", func(t *testing.T) {
			p, err := query.From[Post]().Find(ctx, db, 1)
			require.NoError(t, err)
			p.UserID = &missingUser
			foreignKey(t, query.From[Post]().Save(ctx, db, &p))
			foreignKey(t, query.From[Post]().Save(ctx, db, &Post{UserID: &missingUser, Title: "new"}))
		})
		t.Run("Upsert", func(t *testing.T) {
			if db.Name == "mysql" {
				// MySQL's upsert takes a conflict on any unique index (see
				// query.Upsert), so a name that is taken updates that row;
				// the update of role 2 to the name of role 1 is a conflict
				// the table cannot take.
				unique(t, query.From[Role]().Upsert(ctx, db, &Role{ID: 2, Name: "admin"}, []string{"id"}, "name"))
				return
			}
			// No conflict on id, but the name is taken.
			unique(t, query.From[Role]().Upsert(ctx, db, &Role{ID: 50, Name: "admin"}, []string{"id"}, "name"))
		})
		t.Run("UpdateAll", func(t *testing.T) {
			_, err := query.From[Post]().Where(sq.Eq{"id": 1}).UpdateAll(ctx, db, map[string]any{"user_id": missingUser})
			foreignKey(t, err)
		})
		t.Run("DeleteAll", func(t *testing.T) {
			_, err := query.From[User]().Where(sq.Eq{"id": 1}).DeleteAll(ctx, db)
			foreignKey(t, err)
		})
	})
}
