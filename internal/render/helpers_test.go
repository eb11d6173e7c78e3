package render_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/fixture"
	th "github.com/relkit/relkit/internal/fixture/through"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/rel"
)

// Node is a self-relation: a node has child nodes (parent_id).
type Node struct {
	ID       int64  `db:"id"`
	ParentID *int64 `db:"parent_id"`
	Children []Node `db:"-"`
}

func (Node) TableName() string { return "nodes" }

var nodeChildren = rel.HasMany[Node, Node]("parent_id")

// Relations of the fixture, one per kind.
var (
	hasOne        = relmeta.Of(fixture.UserPhone)
	hasMany       = relmeta.Of(fixture.UserPosts)
	belongsTo     = relmeta.Of(fixture.PostAuthor)
	belongsToMany = relmeta.Of(fixture.UserRoles)
	// hasManyThrough is countries → users → posts.
	hasManyThrough = relmeta.Of(th.CountryPosts)
)

// text is s (neutral text) as the Bracketed dialect sends it: marked
// identifiers in brackets, placeholders as "?".
func text(s string) string { return testdb.Bracketed.Rebind(s) }

// sqlOf renders s and returns its text under the Bracketed dialect and
// its arguments.
func sqlOf(t *testing.T, s sq.Sqlizer) (string, []any) {
	t.Helper()
	q, args, err := s.ToSql()
	require.NoError(t, err)
	return text(q), args
}

// ids runs s on db and returns the first column of every row (the
// others, such as a belongsToMany level's pivot columns, are read and
// dropped).
func ids(t *testing.T, db *testdb.DB, s sq.Sqlizer) []int64 {
	t.Helper()
	q, args, err := s.ToSql()
	require.NoError(t, err)
	rows, err := db.Query(context.Background(), q, args...)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []int64
	for rows.Next() {
		var id int64
		dest := []any{&id}
		for range cols[1:] {
			dest = append(dest, new(any))
		}
		require.NoError(t, rows.Scan(dest...))
		out = append(out, id)
	}
	require.NoError(t, rows.Err())
	return out
}
