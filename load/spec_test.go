package load_test

import (
	"context"
	"reflect"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
)

// Every function of query, agg and pivot that takes a relation takes
// rel.Relation or an interface (or a relation type) built on it, so a
// spec type that does not implement rel.Relation cannot be passed to
// them: query.Related(load.Where(UserPosts, fn), &u) does not compile,
// and the constraint can never be silently dropped.
func TestSpecsAreNotRelations(t *testing.T) {
	relation := reflect.TypeFor[rel.Relation]()
	for _, typ := range []reflect.Type{
		reflect.TypeOf(load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] { return q })),
		reflect.TypeOf(load.Columns(UserPosts, "title")),
		reflect.TypeOf(load.Nested(UserPosts, PostComments)),
	} {
		assert.False(t, typ.Implements(relation), "%s must not be a rel.Relation", typ)
	}
}

// A constraint given to a spec is applied wherever the spec is accepted:
// alone, wrapped again, and as a level of Nested.
func TestSpecConstraintIsKept(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		hello := func(q *query.Query[Post]) *query.Query[Post] { return q.Where(sq.Eq{"title": "hello"}) }

		us := users(t, db)
		require.NoError(t, load.With(ctx, db, us, UserPosts))
		require.Len(t, us[0].Posts, 2, "the fixture's first user has two posts")

		for name, spec := range map[string]load.Of[User]{
			"where":           load.Where(UserPosts, hello),
			"where, columns":  load.Columns(load.Where(UserPosts, hello), "title"),
			"nested":          load.Nested(load.Where(UserPosts, hello), PostComments),
			"nested, wrapped": load.Nested(load.Nested(load.Where(UserPosts, hello)), PostComments),
		} {
			us := users(t, db)
			require.NoError(t, load.With(ctx, db, us, spec), name)
			require.Len(t, us[0].Posts, 1, name)
			assert.Equal(t, "hello", us[0].Posts[0].Title, name)
		}
	})
}

// Nested takes relations and specs of this package; anything else fails
// before any statement.
func TestNestedRejectsOtherValues(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		Seed(t, db)
		us := users(t, db)
		db.Counter.Reset()
		err := load.With(context.Background(), db, us, load.Nested(UserPosts, "comments"))
		assert.ErrorIs(t, err, query.ErrBadArgument)
		assert.Zero(t, db.Counter.Count())
	})
}
