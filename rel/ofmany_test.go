package rel_test

import (
	"reflect"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	th "github.com/relkit/relkit/internal/fixture/through"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func ofManyColumns(r rel.Relation) []relmeta.OfManyColumn {
	return relmeta.Of(r).OfMany.Columns
}

// DECISION 16.1: Laravel's tie rules.
func TestOfManyColumnsAndTieBreak(t *testing.T) {
	base := rel.HasOne[Writer, Post]("user_id")
	col := func(c, f string) relmeta.OfManyColumn { return relmeta.OfManyColumn{Column: c, Func: f} }
	assert.Equal(t, []relmeta.OfManyColumn{col("id", "max")}, ofManyColumns(base.LatestOfMany()))
	assert.Equal(t, []relmeta.OfManyColumn{col("id", "min")}, ofManyColumns(base.OldestOfMany()))
	assert.Equal(t, []relmeta.OfManyColumn{col("title", "min"), col("id", "max")}, ofManyColumns(base.OldestOfMany("title")),
		"shortcut: the key gets MAX")
	assert.Equal(t, []relmeta.OfManyColumn{col("title", "min"), col("id", "min")}, ofManyColumns(base.OfMany("title", rel.Min)),
		"string form: the key gets the same aggregate")
	assert.Equal(t, []relmeta.OfManyColumn{col("title", "max"), col("id", "min")},
		ofManyColumns(base.OfManyBy([]rel.OfManyColumn{{Column: "title", Aggregate: rel.Max}, {Column: "id", Aggregate: rel.Min}})),
		"array form keeps a given key")
	assert.Nil(t, relmeta.Of(base).OfMany, "the receiver is unchanged")

	through := th.CountryFirstPost.OfMany("votes", rel.Max)
	require.NoError(t, relmeta.Of(through).Err())
	assert.Equal(t, []relmeta.OfManyColumn{col("votes", "max"), col("id", "max")}, ofManyColumns(through))
}

func TestOfManyDeclarationErrors(t *testing.T) {
	base := rel.HasOne[Writer, Post]("user_id")
	for name, r := range map[string]rel.HasOneRelation[Writer, Post]{
		"unknown column": base.LatestOfMany("published_at"),
		"string form":    base.OfMany("nope", rel.Max),
		"by":             base.OfManyBy([]rel.OfManyColumn{{Column: "nope", Aggregate: rel.Max}}),
	} {
		err := relmeta.Of(r).Err()
		assert.ErrorIs(t, err, rel.ErrBadRelation, name)
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn, name)
	}
	for name, r := range map[string]rel.HasOneRelation[Writer, Post]{
		"zero aggregate": base.OfMany("title", rel.Aggregate{}),
		"no column":      base.OfManyBy(nil),
		"twice":          base.OfManyBy([]rel.OfManyColumn{{Column: "title", Aggregate: rel.Max}, {Column: "title", Aggregate: rel.Min}}),
		"nil filter":     base.OfManyBy([]rel.OfManyColumn{{Column: "id", Aggregate: rel.Max}}, nil),
		"bad identifier": base.OfMany("id; drop table posts", rel.Max),
	} {
		assert.ErrorIs(t, relmeta.Of(r).Err(), rel.ErrBadRelation, name)
	}
	unsafe := base.OfManyBy([]rel.OfManyColumn{{Column: "id", Aggregate: rel.Max}}, sq.Expr("1 = 1 --"))
	assert.ErrorIs(t, relmeta.Of(unsafe).Err(), sqlt.ErrUnsafeFragment)
	assert.ErrorIs(t, relmeta.Of(rel.HasOne[Writer, Keyless]("user_id").LatestOfMany()).Err(), sqlt.ErrNoPrimaryKey)
}

// Keyless has no primary key: a one-of-many relation needs one.
type Keyless struct {
	UserID int64 `db:"user_id"`
}

// The registry tells declarations apart by their one-of-many options.
func TestOfManyRegistrySignature(t *testing.T) {
	writer := reflect.TypeFor[Writer]()
	a := rel.HasOne[Writer, Post]("user_id").LatestOfMany().Named("om_sig_post")
	again := rel.HasOne[Writer, Post]("user_id").LatestOfMany().Named("om_sig_post")
	got, err := rel.Lookup(writer, "om_sig_post")
	require.NoError(t, err, "the same declaration twice is one relation")
	assert.Same(t, relmeta.Of(a), relmeta.Of(got))
	_ = again

	rel.HasOne[Writer, Post]("user_id").OldestOfMany().Named("om_sig_post")
	_, err = rel.Lookup(writer, "om_sig_post")
	assert.ErrorIs(t, err, rel.ErrNameConflict, "declarations differing only in one-of-many are different relations")
	assert.Contains(t, err.Error(), "of many")

	rel.HasOne[Writer, Post]("user_id").OfManyBy([]rel.OfManyColumn{{Column: "id", Aggregate: rel.Max}}, sq.Eq{"title": "a"}).Named("om_sig_filter")
	rel.HasOne[Writer, Post]("user_id").OfManyBy([]rel.OfManyColumn{{Column: "id", Aggregate: rel.Max}}, sq.Eq{"title": "b"}).Named("om_sig_filter")
	_, err = rel.Lookup(writer, "om_sig_filter")
	assert.ErrorIs(t, err, rel.ErrNameConflict, "filters are part of the signature")
}

// HasMany(...).One() is a HasOne on the same keys, named by its field.
func TestHasManyOne(t *testing.T) {
	one := rel.HasMany[Writer, Post]("user_id").Where(sq.Eq{"title": "x"}).One()
	m := relmeta.Of(one)
	require.NoError(t, m.Err())
	assert.Equal(t, relmeta.KindHasOne, m.Kind)
	assert.Equal(t, "latest_post", m.Name)
	assert.Equal(t, "user_id", m.ForeignKey)
	assert.Len(t, m.Wheres, 1)
}
