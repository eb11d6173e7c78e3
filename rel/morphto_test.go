package rel_test

import (
	"reflect"
	"testing"

	sq "github.com/Masterminds/squirrel"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// mtComment points at an mmPost or an mmVideo.
type mtComment struct {
	ID              int64    `db:"id"`
	CommentableType string   `db:"commentable_type"`
	CommentableID   *int64   `db:"commentable_id"`
	Kind            string   `db:"kind"`
	Ref             int64    `db:"ref"`
	Post            *mmPost  `db:"-"`
	Video           mmVideo  `db:"-"`
	Other           *mmVideo `db:"-"`
	Any             any      `db:"-"`
	Str             stringer `db:"-"`
}

type stringer interface{ String() string }

func (mtComment) TableName() string { return "mt_comments" }

// mtPlain has no destination fields.
type mtPlain struct {
	ID              int64  `db:"id"`
	CommentableType string `db:"commentable_type"`
	CommentableID   int64  `db:"commentable_id"`
}

// mtSame maps the posts table too: its default alias is mmPost's.
type mtSame struct {
	ID int64 `db:"id"`
}

func (mtSame) TableName() string { return "posts" }

type mtSame2 struct {
	ID int64 `db:"id"`
}

func (mtSame2) TableName() string { return "posts" }

// mtSameRef points at an mtSame or an mtSame2 (one alias: "posts").
type mtSameRef struct {
	ID              int64    `db:"id"`
	CommentableType string   `db:"commentable_type"`
	CommentableID   int64    `db:"commentable_id"`
	A               *mtSame  `db:"-"`
	B               *mtSame2 `db:"-"`
}

func TestMorphToDeclaration(t *testing.T) {
	r := rel.MorphTo[mtComment]("commentable", rel.Target[mmPost](), rel.Target[mmVideo]().Field("Video"))
	require.NoError(t, rel.Check(r))
	m := relmeta.Of(r)
	assert.Equal(t, "morphTo mtComment.commentable → mmPost|mmVideo", r.String())
	require.Len(t, m.Targets, 2)
	assert.Equal(t, "mm-post", m.Targets[0].MorphClass, "the alias")
	assert.Equal(t, "mm-video", m.Targets[1].MorphClass, "the MorphClass method")
	assert.Equal(t, "commentable_id", m.Targets[1].ForeignKey)
	assert.Equal(t, relmeta.DestValue, m.Targets[1].DestShape)

	found, err := rel.Lookup(reflect.TypeFor[mtComment](), "commentable")
	require.NoError(t, err)
	assert.Same(t, m, relmeta.Of(found), "registered under its name")

	c := mtComment{}
	v := mmVideo{ID: 7}
	require.NoError(t, rel.AssociateMorph(r, &c, &v))
	assert.Equal(t, "mm-video", c.CommentableType)
	require.NotNil(t, c.CommentableID)
	assert.Equal(t, int64(7), *c.CommentableID)
	assert.Equal(t, v, c.Video)
	key, ok, err := r.ParentKey(&c)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, int64(7), key)
	require.NoError(t, rel.AssociateMorph(r, &c, &mmPost{ID: 2}))
	assert.Equal(t, "mm-post", c.CommentableType)
	assert.Zero(t, c.Video, "the other target is cleared")
	require.NoError(t, r.Dissociate(&c))
	assert.Equal(t, mtComment{}, c)
	assert.ErrorIs(t, rel.AssociateMorph(r, &c, &mmTag{ID: 1}), rel.ErrBadRelation, "not a target")

	// Other columns, a constraint on every target, the interface field.
	o := r.Columns("kind", "ref").Named("by_kind")
	require.NoError(t, rel.Check(o))
	assert.Equal(t, "ref", relmeta.Of(o).Targets[0].ForeignKey)
	w := r.Where(sq.Eq{"id": 1})
	require.NoError(t, rel.Check(w))
	assert.Len(t, relmeta.Of(w).Targets[1].Wheres, 1)
	assert.Empty(t, m.Targets[1].Wheres, "the original is unchanged")
	a := r.Field("Any")
	require.NoError(t, rel.Check(a))
	assert.Equal(t, "any", relmeta.Of(a).Name)
}

func TestMorphToDeclarationErrors(t *testing.T) {
	for name, r := range map[string]rel.Relation{
		"unknown type column": rel.MorphTo[mtComment]("about", rel.Target[mmPost]()),
		"bad Columns":         rel.MorphTo[mtComment]("commentable", rel.Target[mmPost]()).Columns("nope", "ref"),
		"target twice":        rel.MorphTo[mtComment]("commentable", rel.Target[mmPost](), rel.Target[mmPost]()),
		"one alias":           rel.MorphTo[mtSameRef]("commentable", rel.Target[mtSame](), rel.Target[mtSame2]()),
		"no target":           rel.MorphTo[mtComment]("commentable"),
		"bad owner key":       rel.MorphTo[mtComment]("commentable", rel.Target[mmPost]("nope")),
	} {
		assert.ErrorIs(t, rel.Check(r), rel.ErrBadRelation, name)
	}
	assert.ErrorIs(t, rel.Check(rel.MorphTo[mtComment]("about", rel.Target[mmPost]())), sqlt.ErrUnknownColumn)
	assert.ErrorIs(t, rel.Check(rel.MorphTo[mtComment]("commentable", rel.Target[mmPost]()).Field("Str")), rel.ErrNoDestination)
	assert.ErrorIs(t, rel.Check(rel.MorphTo[mtComment]("commentable", rel.Target[mmVideo]())), rel.ErrNoDestination, "two *mmVideo or mmVideo fields")
	assert.ErrorIs(t, relmeta.Of(rel.MorphTo[mtPlain]("commentable", rel.Target[mmPost]())).DestErr(), rel.ErrNoDestination)

	rel.EnforceMorphMap()
	defer rel.StopEnforcingMorphMap()
	err := rel.Check(rel.MorphTo[mtComment]("commentable", rel.Target[mmTag]().Field("Any")))
	assert.ErrorIs(t, err, rel.ErrNoMorphAlias)
	assert.ErrorIs(t, err, rel.ErrBadRelation)
}
