package rel_test

import (
	"database/sql"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type decUser struct {
	ID      int64        `db:"id"`
	Code    string       `db:"code"`
	Name    string       `db:"name"`
	Phone   *decPhone    `db:"-"`
	Posts   []decPost    `db:"-"`
	Roles   []*decRole   `db:"-"`
	Profile decProfile   `db:"-"`
	Notes   []decNote    `db:"-"`
	Badge   *decBadge    `db:"-"`
	Stamps  []decStamp   `db:"-"`
	Extra   map[int]bool `db:"-"`
}

type decPhone struct {
	ID        int64  `db:"id"`
	DecUserID int64  `db:"dec_user_id"`
	OwnerCode string `db:"owner_code"`
	Number    string `db:"number"`
}

type decPost struct {
	ID        int64          `db:"id"`
	DecUserID sql.NullInt64  `db:"dec_user_id"`
	AuthorRef sql.NullString `db:"author_ref"`
	Author    *decUser       `db:"-"`
}

type decRole struct {
	ID    int64          `db:"id"`
	Name  string         `db:"name"`
	Pivot map[string]any `db:"-"`
}

type decProfile struct {
	ID        int64 `db:"id"`
	DecUserID int64 `db:"dec_user_id"`
}

type decNote struct {
	ID        int64  `db:"id"`
	DecUserID string `db:"dec_user_id"` // a string key against an int64 one
}

type decBadge struct {
	ID        int64   `db:"id"`
	DecUserID float64 `db:"dec_user_id"`
}

type decStamp struct {
	ID        int64 `db:"id"`
	DecUserID int64 `db:"dec_user_id"`
	Pivot     int   `db:"-"` // not a usable pivot field
}

func TestDeclareConventions(t *testing.T) {
	phone := relmeta.Of(rel.HasOne[decUser, decPhone]())
	require.NoError(t, phone.Err())
	assert.Equal(t, relmeta.KindHasOne, phone.Kind)
	assert.Equal(t, "dec_user_id", phone.ForeignKey)
	assert.Equal(t, "id", phone.LocalKey)
	assert.Equal(t, "phone", phone.Name)
	assert.Equal(t, relmeta.DestPtr, phone.DestShape)
	assert.Equal(t, "decUser", phone.Parent.Type.Name())
	assert.Equal(t, "dec_phones", phone.Related.Table)
	assert.Equal(t, "dec_user_id", phone.RelatedKeyColumn())
	assert.Equal(t, "id", phone.ParentKeyColumn())

	custom := relmeta.Of(rel.HasOne[decUser, decPhone]("owner_code", "code"))
	require.NoError(t, custom.Err())
	assert.Equal(t, "owner_code", custom.ForeignKey)
	assert.Equal(t, "code", custom.LocalKey)

	posts := relmeta.Of(rel.HasMany[decUser, decPost]())
	require.NoError(t, posts.Err())
	assert.Equal(t, "posts", posts.Name)
	assert.Equal(t, relmeta.DestSlice, posts.DestShape)
	assert.True(t, posts.Kind.ToMany())

	author := relmeta.Of(rel.BelongsTo[decPost, decUser]())
	require.NoError(t, author.Err())
	assert.Equal(t, "dec_user_id", author.ForeignKey, "snake(owner type)_ownerPK")
	assert.Equal(t, "id", author.OwnerKey)
	assert.Equal(t, "author", author.Name)
	assert.Equal(t, "dec_user_id", author.ParentKeyColumn())
	assert.Equal(t, "id", author.RelatedKeyColumn())

	byRef := relmeta.Of(rel.BelongsTo[decPost, decUser]("author_ref", "code"))
	require.NoError(t, byRef.Err(), "sql.NullString against string")
	assert.Equal(t, "author_ref", byRef.ForeignKey)
	assert.Equal(t, "code", byRef.OwnerKey)

	roles := relmeta.Of(rel.BelongsToMany[decUser, decRole]())
	require.NoError(t, roles.Err())
	assert.Equal(t, "dec_role_dec_user", roles.PivotTable)
	assert.Equal(t, "dec_user_id", roles.ForeignPivotKey)
	assert.Equal(t, "dec_role_id", roles.RelatedPivotKey)
	assert.Equal(t, "id", roles.ParentKey)
	assert.Equal(t, "id", roles.RelatedKey)
	assert.Equal(t, relmeta.DestSlicePtr, roles.DestShape)
	assert.Equal(t, "pivot", roles.PivotAs)
	assert.NotNil(t, roles.PivotDest)
	assert.Equal(t, "dec_user_id", roles.RelatedKeyColumn(), "belongsToMany matches the parent key on the pivot")

	members := relmeta.Of(rel.BelongsToMany[decUser, decRole]("members", "member_id", "group_id", "code", "name"))
	require.NoError(t, members.Err())
	assert.Equal(t, "members", members.PivotTable)
	assert.Equal(t, "member_id", members.ForeignPivotKey)
	assert.Equal(t, "group_id", members.RelatedPivotKey)
	assert.Equal(t, "code", members.ParentKey)
	assert.Equal(t, "name", members.RelatedKey)
	assert.Equal(t, `"members"."member_id"`, sqlt.SQLite.Rebind(members.PivotColumn("member_id")))
	assert.Equal(t, `"x"."y"`, sqlt.SQLite.Rebind(members.PivotColumn("x.y")))

	profile := relmeta.Of(rel.HasOne[decUser, decProfile]())
	require.NoError(t, profile.DestErr())
	assert.Equal(t, relmeta.DestValue, profile.DestShape)
	assert.Contains(t, profile.String(), "hasOne decUser.profile")
}

func TestDeclareBadInput(t *testing.T) {
	t.Run("malicious key", func(t *testing.T) {
		for _, m := range []*relmeta.Meta{
			relmeta.Of(rel.HasMany[decUser, decPost]("x; drop table y")),
			relmeta.Of(rel.HasMany[decUser, decPost]("dec_user_id", `id" or 1=1 --`)),
			relmeta.Of(rel.HasOne[decUser, decPhone]("dec_user_id)")),
			relmeta.Of(rel.BelongsTo[decPost, decUser]("dec_user_id", "id;")),
			relmeta.Of(rel.BelongsToMany[decUser, decRole]("role_user; drop table users")),
			relmeta.Of(rel.BelongsToMany[decUser, decRole]("role_user", "user_id", "role id")),
		} {
			err := m.Err()
			require.Error(t, err)
			assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
			var ie *sqlt.InvalidIdentifierError
			assert.ErrorAs(t, err, &ie)
		}
	})
	t.Run("unknown key column", func(t *testing.T) {
		err := relmeta.Of(rel.HasMany[decUser, decPost]("owner_id")).Err()
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		assert.Contains(t, err.Error(), "owner_id")
		err = relmeta.Of(rel.BelongsTo[decPost, decUser]("dec_user_id", "nope")).Err()
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		err = relmeta.Of(rel.BelongsToMany[decUser, decRole]("p", "a", "b", "nope")).Err()
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
	})
	t.Run("too many keys", func(t *testing.T) {
		err := relmeta.Of(rel.HasMany[decUser, decPost]("dec_user_id", "id", "x")).Err()
		assert.ErrorIs(t, err, rel.ErrBadRelation)
	})
	t.Run("mismatched key types", func(t *testing.T) {
		err := relmeta.Of(rel.HasMany[decUser, decNote]()).Err()
		require.Error(t, err, "int64 against string")
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		assert.Contains(t, err.Error(), "decUser.id")
		assert.Contains(t, err.Error(), "decNote.dec_user_id")
		err = relmeta.Of(rel.HasOne[decUser, decPhone]("owner_code")).Err()
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey, "string fk against int64 id")
		err = relmeta.Of(rel.BelongsTo[decPost, decUser]("dec_user_id", "code")).Err()
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey, "sql.NullInt64 against string")
	})
	t.Run("unsupported key type", func(t *testing.T) {
		err := relmeta.Of(rel.HasOne[decUser, decBadge]()).Err()
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey, "a float64 foreign key")
		assert.Contains(t, err.Error(), "float64")
	})
	t.Run("destination", func(t *testing.T) {
		err := relmeta.Of(rel.HasMany[decUser, decPost]().Field("Name")).Err()
		assert.ErrorIs(t, err, rel.ErrNoDestination, "a string field cannot hold posts")
		assert.Contains(t, err.Error(), "decUser.Name")
		err = relmeta.Of(rel.HasMany[decUser, decPost]().Field("Phone")).Err()
		assert.ErrorIs(t, err, rel.ErrNoDestination, "a *decPhone field cannot hold posts")
		err = relmeta.Of(rel.HasOne[decUser, decPhone]().Field("Posts")).Err()
		assert.ErrorIs(t, err, rel.ErrNoDestination, "a to-one relation needs a C or *C field")
		err = relmeta.Of(rel.HasMany[decUser, decPost]().Field("Missing")).Err()
		assert.ErrorIs(t, err, rel.ErrNoDestination)
		assert.Contains(t, err.Error(), "no field Missing")

		// No field at all: declared, fails when used for loading.
		m := relmeta.Of(rel.HasMany[decPhone, decPost]("dec_user_id"))
		require.NoError(t, m.Err())
		assert.ErrorIs(t, m.DestErr(), rel.ErrNoDestination)
		assert.Nil(t, m.Dest)
	})
	t.Run("pivot field of the wrong type", func(t *testing.T) {
		err := relmeta.Of(rel.BelongsToMany[decUser, decStamp]()).Err()
		assert.ErrorIs(t, err, rel.ErrBadRelation)
		err = relmeta.Of(rel.BelongsToMany[decUser, decRole]().As("membership")).Err()
		assert.ErrorIs(t, err, rel.ErrNoDestination, "As names a field the related type lacks")
		err = relmeta.Of(rel.BelongsToMany[decUser, decRole]().As("x y")).Err()
		assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
	})
	t.Run("builder arguments", func(t *testing.T) {
		roles := rel.BelongsToMany[decUser, decRole]()
		assert.ErrorIs(t, relmeta.Of(roles.WithPivot("a; b")).Err(), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, relmeta.Of(roles.WherePivot("active", "; drop", 1)).Err(), rel.ErrBadRelation)
		assert.ErrorIs(t, relmeta.Of(roles.WherePivot("active")).Err(), rel.ErrBadRelation)
		assert.ErrorIs(t, relmeta.Of(roles.WherePivot("x)y", 1)).Err(), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, relmeta.Of(roles.OrderByPivot("created_at", "sideways")).Err(), rel.ErrBadRelation)
		assert.ErrorIs(t, relmeta.Of(roles.WithTimestamps("only_one")).Err(), rel.ErrBadRelation)
		assert.ErrorIs(t, relmeta.Of(roles.Named("bad name")).Err(), sqlt.ErrInvalidIdentifier)
		assert.ErrorIs(t, relmeta.Of(rel.HasMany[decUser, decPost]().Where(nil)).Err(), rel.ErrBadRelation)
		assert.ErrorIs(t, relmeta.Of(rel.HasOne[decUser, decPhone]().WithDefault(decPhone{}, decPhone{})).Err(), rel.ErrBadRelation)
		// A broken relation stays broken through further builder calls.
		broken := rel.HasMany[decUser, decPost]("bad key")
		assert.ErrorIs(t, relmeta.Of(broken.Where(sq.Eq{"a": 1}).Named("ok")).Err(), sqlt.ErrInvalidIdentifier)
	})
	t.Run("not a struct", func(t *testing.T) {
		err := relmeta.Of(rel.HasMany[decUser, int]()).Err()
		assert.ErrorIs(t, err, sqlt.ErrNotStruct)
		err = relmeta.Of(rel.HasMany[string, decPost]()).Err()
		assert.ErrorIs(t, err, sqlt.ErrNotStruct)
	})
	t.Run("zero relation value", func(t *testing.T) {
		var zero rel.HasManyRelation[decUser, decPost]
		assert.ErrorIs(t, relmeta.Of(zero).Err(), rel.ErrBadRelation)
		assert.ErrorIs(t, relmeta.Of(zero).DestErr(), rel.ErrBadRelation)
	})
}
