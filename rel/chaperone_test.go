package rel_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type chapPost struct {
	ID       int64         `db:"id"`
	Comments []chapComment `db:"-"`
	Notes    []chapNote    `db:"-"`
	Orphans  []chapOrphan  `db:"-"`
	Cover    *chapCover    `db:"-"`
}

type chapComment struct {
	ID         int64     `db:"id"`
	ChapPostID int64     `db:"chap_post_id"`
	OtherID    int64     `db:"other_id"`
	Post       *chapPost `db:"-" json:"-"`
}

// chapNote holds its post by value: a back-reference would copy it.
type chapNote struct {
	ID         int64    `db:"id"`
	ChapPostID int64    `db:"chap_post_id"`
	Post       chapPost `db:"-"`
}

// chapOrphan has no field for its post.
type chapOrphan struct {
	ID         int64 `db:"id"`
	ChapPostID int64 `db:"chap_post_id"`
}

type chapCover struct {
	ID         int64     `db:"id"`
	ChapPostID int64     `db:"chap_post_id"`
	Post       *chapPost `db:"-"`
}

// A chaperone whose inverse cannot hold the parent is a declaration error:
// rel.Check reports it, and every use returns it before any statement.
func TestChaperoneDeclarationErrors(t *testing.T) {
	cases := map[string]struct {
		r    rel.HasManyRelation[chapPost, chapComment]
		want error
	}{
		"other keys":   {rel.HasMany[chapPost, chapComment]().Chaperone(rel.BelongsTo[chapComment, chapPost]("other_id")), rel.ErrBadRelation},
		"zero inverse": {rel.HasMany[chapPost, chapComment]().Chaperone(rel.BelongsToRelation[chapComment, chapPost]{}), rel.ErrBadRelation},
		"nil function": {rel.HasMany[chapPost, chapComment]().ChaperoneFunc(nil), rel.ErrBadRelation},
		"bad inverse":  {rel.HasMany[chapPost, chapComment]().Chaperone(rel.BelongsTo[chapComment, chapPost]("no_such_column")), sqlt.ErrUnknownColumn},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			require.ErrorIs(t, rel.Check(c.r), c.want)
			assert.ErrorIs(t, query.Related(c.r, &chapPost{ID: 1}).Err(), c.want)
		})
	}

	byValue := rel.HasMany[chapPost, chapNote]().Chaperone(rel.BelongsTo[chapNote, chapPost]())
	err := rel.Check(byValue)
	require.ErrorIs(t, err, rel.ErrBadRelation)
	assert.Contains(t, err.Error(), "chapNote.Post must be *chapPost")
	assert.ErrorIs(t, rel.Check(), rel.ErrBadRelation, "Check with no argument finds it too")

	noField := rel.HasMany[chapPost, chapOrphan]().Chaperone(rel.BelongsTo[chapOrphan, chapPost]())
	assert.ErrorIs(t, rel.Check(noField), rel.ErrBadRelation)

	ok := rel.HasOne[chapPost, chapCover]().Chaperone(rel.BelongsTo[chapCover, chapPost]())
	assert.NoError(t, rel.Check(ok))
}

// Chaperone registers nothing (registry rule: only constructors, Named and
// Field do), and it survives Named, Field, Where and WithDefault.
func TestChaperoneRegistry(t *testing.T) {
	inv := rel.BelongsTo[chapComment, chapPost]()
	plain := rel.HasMany[chapPost, chapComment]().Named("chap_plain")
	_ = plain.Chaperone(inv)
	got, err := rel.Find[chapPost]("chap_plain")
	require.NoError(t, err)
	assert.Nil(t, relmeta.Of(got).Chaperone, "Chaperone registered nothing")

	named := rel.HasMany[chapPost, chapComment]().Chaperone(inv).Named("chap_named")
	got, err = rel.Find[chapPost]("chap_named")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(named), relmeta.Of(got))
	assert.NotNil(t, relmeta.Of(got).Chaperone, "the chaperone survives Named")
	assert.NotNil(t, relmeta.Of(named.Field("Comments")).Chaperone)

	one := rel.HasOne[chapPost, chapCover]().Chaperone(rel.BelongsTo[chapCover, chapPost]()).WithDefault()
	p := &chapPost{ID: 3}
	d, has := one.Default(p)
	require.True(t, has)
	assert.Same(t, p, d.Post, "a default value gets the back-reference")
	assert.Equal(t, int64(3), d.ChapPostID)
}
