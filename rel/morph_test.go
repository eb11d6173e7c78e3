package rel_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type mmPost struct {
	ID       int64       `db:"id"`
	Comments []mmComment `db:"-"`
	Tags     []mmTag     `db:"-"`
}

func (mmPost) TableName() string { return "posts" }

type mmVideo struct {
	ID       int64       `db:"id"`
	Comments []mmComment `db:"-"`
}

func (mmVideo) TableName() string  { return "videos" }
func (mmVideo) MorphClass() string { return "mm-video" }

type mmComment struct {
	ID              int64  `db:"id"`
	CommentableType string `db:"commentable_type"`
	CommentableID   int64  `db:"commentable_id"`
	Kind            string `db:"kind"`
	Ref             int64  `db:"ref"`
}

func (mmComment) TableName() string { return "comments" }

type mmTag struct {
	ID    int64    `db:"id"`
	Posts []mmPost `db:"-"`
}

func (mmTag) TableName() string { return "tags" }

// Types for the conflict cases, each used by one case only.
type (
	mmA struct {
		ID       int64       `db:"id"`
		Comments []mmComment `db:"-"`
	}
	mmB struct {
		ID       int64       `db:"id"`
		Comments []mmComment `db:"-"`
	}
	mmC struct {
		ID       int64       `db:"id"`
		Comments []mmComment `db:"-"`
	}
	mmD struct {
		ID       int64       `db:"id"`
		Comments []mmComment `db:"-"`
	}
	mmE struct {
		ID       int64       `db:"id"`
		Comments []mmComment `db:"-"`
	}
)

func (mmD) MorphClass() string { return "mm-d" }
func (mmE) MorphClass() string { return "mm-video" } // mmVideo's

var (
	_              = rel.MorphAlias[mmPost]("mm-post")
	mmPostComments = rel.MorphMany[mmPost, mmComment]("commentable")
)

// The three sources of a morph class (Laravel's morph map, getMorphClass,
// the list form keyed by table name) and the columns each constructor
// defaults to (HasRelationships::morphMany, morphToMany, morphedByMany).
func TestMorphDeclarations(t *testing.T) {
	m := relmeta.Of(mmPostComments)
	require.NoError(t, m.Err())
	assert.Equal(t, relmeta.KindHasMany, m.Kind)
	assert.Equal(t, []string{"commentable_type", "mm-post", "commentable_id", "id", "comments"}, []string{m.MorphType, m.MorphClass, m.ForeignKey, m.LocalKey, m.Name})

	m = relmeta.Of(rel.MorphMany[mmVideo, mmComment]("commentable"))
	assert.Equal(t, "mm-video", m.MorphClass, "the MorphClass method")
	m = relmeta.Of(rel.MorphOne[mmTag, mmComment]("commentable", "kind", "ref", "id"))
	require.NoError(t, m.Err())
	assert.Equal(t, []string{"kind", "tags", "ref"}, []string{m.MorphType, m.MorphClass, m.ForeignKey}, "the table name by default; custom columns")
	assert.Equal(t, relmeta.KindHasOne, m.Kind)

	m = relmeta.Of(rel.MorphToMany[mmPost, mmTag]("taggable"))
	require.NoError(t, m.Err())
	assert.Equal(t, []string{"taggables", "taggable_id", "mm_tag_id", "taggable_type", "mm-post"}, []string{m.PivotTable, m.ForeignPivotKey, m.RelatedPivotKey, m.MorphType, m.MorphClass})
	m = relmeta.Of(rel.MorphedByMany[mmTag, mmPost]("taggable"))
	require.NoError(t, m.Err())
	assert.Equal(t, []string{"taggables", "mm_tag_id", "taggable_id", "taggable_type", "mm-post"}, []string{m.PivotTable, m.ForeignPivotKey, m.RelatedPivotKey, m.MorphType, m.MorphClass}, "the related model's class")
	m = relmeta.Of(rel.MorphToMany[mmPost, mmTag]("post_label", "labels_map", "owner_id", "label_id"))
	assert.Equal(t, []string{"labels_map", "owner_id", "label_id", "post_label_type"}, []string{m.PivotTable, m.ForeignPivotKey, m.RelatedPivotKey, m.MorphType})
	assert.Equal(t, "post_labels", relmeta.Of(rel.MorphToMany[mmPost, mmTag]("post_label")).PivotTable, "the last word pluralised")

	// Declaration errors.
	for name, err := range map[string]error{
		"empty name":    relmeta.Of(rel.MorphToMany[mmPost, mmTag]("")).Err(),
		"too many keys": relmeta.Of(rel.MorphMany[mmPost, mmComment]("commentable", "a", "b", "c", "d")).Err(),
	} {
		assert.ErrorIs(t, err, rel.ErrBadRelation, name)
	}
	var unknown *sqlt.UnknownColumnError
	assert.ErrorAs(t, relmeta.Of(rel.MorphMany[mmPost, mmComment]("imageable")).Err(), &unknown)
	var bad *sqlt.InvalidIdentifierError
	assert.ErrorAs(t, relmeta.Of(rel.MorphMany[mmPost, mmComment]("a b")).Err(), &bad)

	// The type is part of the relation: a hasMany of the same name and
	// keys is another relation.
	hm := rel.HasMany[mmPost, mmComment]("commentable_id")
	_, err := rel.Find[mmPost]("comments")
	assert.ErrorIs(t, err, rel.ErrNameConflict)
	_ = hm.Named("plain_comments")
}

// Laravel's morph map rules: one alias per type and one type per alias.
func TestMorphAliasConflicts(t *testing.T) {
	require.NoError(t, rel.MorphAlias[mmA]("mm-a"))
	require.NoError(t, rel.MorphAlias[mmA]("mm-a"), "the same alias again")
	assert.Equal(t, "mm-a", relmeta.Of(rel.MorphMany[mmA, mmComment]("commentable")).MorphClass)

	assert.ErrorIs(t, rel.MorphAlias[mmA]("mm-a2"), rel.ErrBadRelation, "two aliases for one type")
	assert.Equal(t, "mm-a", relmeta.Of(rel.MorphMany[mmA, mmComment]("commentable")).MorphClass, "the type keeps its alias")

	assert.ErrorIs(t, rel.MorphAlias[mmB]("mm-post"), rel.ErrBadRelation, "one alias for two types")
	assert.ErrorIs(t, relmeta.Of(rel.MorphMany[mmB, mmComment]("commentable")).Err(), rel.ErrBadRelation, "and a type with no alias of its own is unusable")
	assert.ErrorIs(t, rel.MorphAlias[mmVideo]("other"), rel.ErrBadRelation, "differs from the MorphClass method")
	assert.ErrorIs(t, relmeta.Of(rel.MorphMany[mmE, mmComment]("commentable")).Err(), rel.ErrBadRelation, "a MorphClass method returning another type's alias")
	assert.ErrorIs(t, rel.MorphAlias[mmD]("mm-d"), nil, "the MorphClass method's own alias")

	// An alias given after a declaration used the default.
	require.NoError(t, relmeta.Of(rel.MorphMany[mmC, mmComment]("commentable")).Err())
	assert.ErrorIs(t, rel.MorphAlias[mmC]("mm-c"), rel.ErrBadRelation)
	assert.ErrorIs(t, rel.MorphAlias[mmPost](""), rel.ErrBadRelation, "an empty alias")
}

// Laravel: Relation::enforceMorphMap, ClassMorphViolationException.
func TestEnforceMorphMap(t *testing.T) {
	rel.EnforceMorphMap()
	defer rel.StopEnforcingMorphMap()
	err := relmeta.Of(rel.MorphMany[mmTag, mmComment]("commentable")).Err()
	require.ErrorIs(t, err, rel.ErrNoMorphAlias)
	assert.Contains(t, err.Error(), "mmTag")
	require.NoError(t, relmeta.Of(rel.MorphMany[mmPost, mmComment]("commentable")).Err(), "an alias")
	require.NoError(t, relmeta.Of(rel.MorphMany[mmVideo, mmComment]("commentable")).Err(), "a MorphClass method")
	assert.ErrorIs(t, relmeta.Of(rel.MorphToMany[mmTag, mmPost]("taggable")).Err(), rel.ErrNoMorphAlias, "morphToMany: the parent's class")
	assert.NoError(t, relmeta.Of(rel.MorphedByMany[mmTag, mmPost]("taggable")).Err(), "morphedByMany: the related model's class")
	assert.False(t, errors.Is(err, rel.ErrBadRelation))
}

// mmTextComment maps a text id column as a string.
type mmTextComment struct {
	ID              int64  `db:"id"`
	CommentableType string `db:"commentable_type"`
	CommentableID   string `db:"commentable_id"`
}

func (mmTextComment) TableName() string { return "comments" }

type mmTextPost struct {
	ID       int64           `db:"id"`
	Comments []mmTextComment `db:"-"`
	Tags     []mmTag         `db:"-"`
}

func (mmTextPost) TableName() string { return "text_posts" }

// A text id column: inferred from a string field against an integer key
// (morphMany, morphTo), declared with IDText for a pivot; IDText on a
// relation that is not polymorphic is a declaration error.
func TestMorphIDText(t *testing.T) {
	mm := relmeta.Of(rel.MorphMany[mmTextPost, mmTextComment]("commentable"))
	require.NoError(t, mm.Err())
	assert.True(t, mm.IDText, "a string id field for an integer key")
	assert.True(t, mm.ParentKeyText())
	assert.Equal(t, "7", mm.BindKey(int64(7)))
	assert.False(t, relmeta.Of(mmPostComments).IDText, "an integer id field")

	assert.ErrorIs(t, relmeta.Of(rel.HasMany[mmTextPost, mmTextComment]("commentable_id")).Err(), rel.ErrUnsupportedKey,
		"a plain hasMany keeps refusing the pair")

	tags := relmeta.Of(rel.MorphToMany[mmTextPost, mmTag]("taggable").IDText())
	require.NoError(t, tags.Err())
	assert.True(t, tags.ParentKeyText(), "morphToMany: the foreign pivot key is the text column")
	inv := relmeta.Of(rel.MorphedByMany[mmTag, mmTextPost]("taggable").IDText())
	require.NoError(t, inv.Err())
	assert.True(t, inv.IDText && inv.MorphInverse)
	assert.False(t, inv.ParentKeyText(), "morphedByMany: the related pivot key is the text column")
	assert.Equal(t, int64(7), inv.BindKey(int64(7)))

	assert.ErrorIs(t, relmeta.Of(rel.BelongsToMany[mmTextPost, mmTag]().IDText()).Err(), rel.ErrBadRelation)

	mt := relmeta.Of(rel.MorphTo[mmTextComment]("commentable", rel.Target[mmTextPost]()))
	require.NoError(t, mt.Err())
	assert.True(t, mt.Targets[0].IDText, "a morphTo's string id field for an integer-keyed target")
}
