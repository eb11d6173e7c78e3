package rel_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func TestPathOf(t *testing.T) {
	posts := rel.HasMany[decUser, decPost]()
	author := rel.BelongsTo[decPost, decUser]()
	p, err := rel.ChainOf(posts, author, posts)
	require.NoError(t, err)
	assert.Equal(t, "posts.author.posts", p.String())

	_, err = rel.ChainOf(posts, posts)
	assert.ErrorIs(t, err, rel.ErrBadRelation, "posts does not start at decPost")
	_, err = rel.ChainOf()
	assert.ErrorIs(t, err, rel.ErrBadRelation)
	_, err = rel.ChainOf(posts, nil)
	assert.ErrorIs(t, err, sqlt.ErrNilValue)
	_, err = rel.ChainOf(rel.HasMany[decUser, decPost]("bad key"))
	assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
}
