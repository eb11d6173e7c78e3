package rel_test

import (
	"context"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	th "github.com/relkit/relkit/internal/fixture/through"
	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

func TestThroughKeyDefaultsAndOverrides(t *testing.T) {
	m := relmeta.Of(th.CountryPosts)
	require.NoError(t, m.Err())
	assert.Equal(t, relmeta.KindHasManyThrough, m.Kind)
	assert.Equal(t, "posts", m.Name)
	assert.Equal(t, "users", m.Through.Table)
	assert.Equal(t, []string{"country_id", "user_id", "id", "id"}, []string{m.FirstKey, m.SecondKey, m.LocalKey, m.SecondLocalKey},
		"firstKey snake(P)_pk on T, secondKey snake(T)_pk on C, localKey and secondLocalKey the primary keys")

	custom := relmeta.Of(th.CountryShortPosts)
	assert.Equal(t, []string{"country_short", "email", "shortname", "email"}, []string{custom.FirstKey, custom.SecondKey, custom.LocalKey, custom.SecondLocalKey},
		"Laravel's argument order")

	one := relmeta.Of(th.CountryFirstPost)
	assert.Equal(t, relmeta.KindHasOneThrough, one.Kind)
	assert.Equal(t, "first_post", one.Name, "One takes the destination of its own shape")
	assert.Equal(t, m.FirstKey, one.FirstKey)

	composed := relmeta.Of(th.CountryPostsComposed)
	assert.Equal(t, []string{m.FirstKey, m.SecondKey, m.LocalKey, m.SecondLocalKey}, []string{composed.FirstKey, composed.SecondKey, composed.LocalKey, composed.SecondLocalKey},
		"ThroughMany takes the keys of the two relations")

	hot := relmeta.Of(th.PositionContract)
	assert.Equal(t, []string{"position_id", "user_id"}, []string{hot.FirstKey, hot.SecondKey})
	assert.Equal(t, "contract", hot.Name)

	byName, err := rel.Find[th.Country]("posts")
	require.NoError(t, err)
	assert.Equal(t, relmeta.KindHasManyThrough, relmeta.Of(byName).Kind, "registered under its name for string paths")
	assert.NoError(t, rel.Check(th.CountryPosts, th.CountryShortPosts, th.CountryFirstPost, th.CountryPostsComposed, th.PositionContract, th.UserTeamMates, th.CategorySubProducts))
}

func TestThroughComposedKeepsTheSecondRelationsConditions(t *testing.T) {
	second := th.UserPosts.Where(sq.Gt{"votes": 2})
	m := relmeta.Of(rel.ThroughMany(th.CountryUsers, second))
	require.NoError(t, m.Err())
	require.Len(t, m.Wheres, 1, "conditions on C are the through relation's")

	bad := rel.ThroughMany(th.CountryUsers.Where(sq.Eq{"email": "x"}), th.UserPosts)
	err := relmeta.Of(bad).Err()
	require.ErrorIs(t, err, rel.ErrBadRelation, "a condition on T cannot be kept: refused, not dropped")
	assert.Contains(t, err.Error(), "Where conditions on users")
}

// A through relation that cannot be declared fails every use with a
// wrapped error, before any statement.
func TestThroughDeclarationErrors(t *testing.T) {
	tooMany := rel.HasManyThrough[th.Country, th.User, th.Post]("a", "b", "c", "d", "e")
	assert.ErrorIs(t, relmeta.Of(tooMany).Err(), rel.ErrBadRelation)

	typo := rel.HasManyThrough[th.Country, th.User, th.Post]("contry_id")
	assert.ErrorIs(t, relmeta.Of(typo).Err(), sqlt.ErrUnknownColumn)
	assert.Contains(t, relmeta.Of(typo).Err().Error(), "contry_id")

	badSecond := rel.HasOneThrough[th.Position, th.User, th.Contract]("", "usr_id")
	assert.ErrorIs(t, relmeta.Of(badSecond).Err(), sqlt.ErrUnknownColumn)

	sameTable := rel.HasManyThrough[th.Team, th.User, th.User]("team_id", "team_id")
	assert.ErrorIs(t, relmeta.Of(sameTable).Err(), rel.ErrBadRelation, "the through table is the related table")

	notStruct := rel.HasManyThrough[th.Country, int, th.Post]()
	assert.ErrorIs(t, relmeta.Of(notStruct).Err(), sqlt.ErrNotStruct)

	failedLink := rel.ThroughMany(th.CountryUsers, rel.HasMany[th.User, th.Post]("nope"))
	assert.ErrorIs(t, relmeta.Of(failedLink).Err(), sqlt.ErrUnknownColumn)

	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.Counter.Reset()
		_, err := query.GetMany(ctx, db, typo, &th.Country{ID: 1})
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		_, err = query.GetMany(ctx, db, rel.HasManyThroughRelation[th.Country, th.User, th.Post]{}, &th.Country{ID: 1})
		assert.ErrorIs(t, err, rel.ErrBadRelation, "a zero relation")
		_, err = query.From[th.Country]().Where(query.Has(typo)).Get(ctx, db)
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		assert.Equal(t, 0, db.Counter.Count())
	})
}

// Only HasOne and HasMany relations chain: ThroughMany's parameters are
// the sealed HasOneOrMany, which BelongsTo and BelongsToMany do not
// implement, so passing one does not compile.
func TestOnlyHasOneAndHasManyChain(t *testing.T) {
	var links []any = []any{th.CountryUsers, th.UserPosts, rel.HasOne[th.User, th.Contract]()}
	for _, l := range links {
		_, ok := l.(rel.HasOneOrMany[th.Country, th.User])
		_, ok2 := l.(rel.HasOneOrMany[th.User, th.Post])
		_, ok3 := l.(rel.HasOneOrMany[th.User, th.Contract])
		assert.True(t, ok || ok2 || ok3, "%T chains", l)
	}
	owner := rel.BelongsTo[th.Post, th.User]()
	_, ok := any(owner).(rel.HasOneOrMany[th.Post, th.User])
	assert.False(t, ok, "a belongsTo does not chain")
	_, ok = any(th.CountryPosts).(rel.HasOneOrMany[th.Country, th.Post])
	assert.False(t, ok, "nor does a through relation")
}
