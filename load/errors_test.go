package load_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	. "github.com/relkit/relkit/internal/fixture"
	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/load"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Lonely has no field to load posts into.
type Lonely struct {
	ID int64 `db:"id"`
}

// Team has int keys; its members have int32 ids and int64 foreign keys.
type Team struct {
	ID      int      `db:"id"`
	Name    string   `db:"name"`
	Members []Member `db:"-"`
}

// Member has a nullable mentor (another member).
type Member struct {
	ID       int32         `db:"id"`
	TeamID   int64         `db:"team_id"`
	MentorID sql.NullInt64 `db:"mentor_id"`
	Name     string        `db:"name"`
	Mentor   *Member       `db:"-"`
	Team     Team          `db:"-"`
}

// Country has a string primary key.
type Country struct {
	Code   string  `db:"code,pk"`
	Name   string  `db:"name"`
	Cities []*City `db:"-"`
}

// City points at its country by code.
type City struct {
	ID          uint32  `db:"id"`
	CountryCode *string `db:"country_code"`
	Name        string  `db:"name"`
	Country     Country `db:"-"`
}

// Gauge has a float key, which cannot relate rows.
type Gauge struct {
	ID       float64   `db:"id"`
	Readings []Reading `db:"-"`
}

// Reading belongs to a gauge.
type Reading struct {
	ID      int64 `db:"id"`
	GaugeID int64 `db:"gauge_id"`
}

var (
	LonelyPosts   = rel.HasMany[Lonely, Post]("user_id")
	TeamMembers   = rel.HasMany[Team, Member]()
	MemberMentor  = rel.BelongsTo[Member, Member]("mentor_id")
	MemberTeam    = rel.BelongsTo[Member, Team]()
	CountryCities = rel.HasMany[Country, City]("country_code", "code")
	CityCountry   = rel.BelongsTo[City, Country]("country_code", "code")
	GaugeReadings = rel.HasMany[Gauge, Reading]()
	keysSchema    = []string{
		`create table teams (id {{pk}}, name text not null)`,
		`create table members (id {{pk}}, team_id bigint not null references teams(id), mentor_id bigint references members(id), name text not null)`,
		`create table countries (code text primary key, name text not null)`,
		`create table cities (id {{pk}}, country_code text references countries(code), name text not null)`,
		`create table gauges (id double precision primary key)`,
		`create table readings (id {{pk}}, gauge_id double precision not null)`,
		`insert into teams (name) values ('red'), ('blue'), ('empty')`,
		`insert into members (team_id, mentor_id, name) values (1, null, 'r1'), (1, 1, 'r2'), (2, 1, 'b1'), (2, null, 'b2')`,
		`insert into countries (code, name) values ('fr', 'France'), ('jp', 'Japan'), ('xx', 'Nowhere')`,
		`insert into cities (country_code, name) values ('fr', 'Paris'), ('jp', 'Kyoto'), ('fr', 'Lyon'), (null, 'Atlantis')`,
		`insert into gauges (id) values (1.5)`,
	}
)

func TestKeyNormalisation(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		db.MustExec(t, keysSchema...)

		teams, err := query.From[Team]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, teams, load.Nested(TeamMembers, MemberMentor)))
		assert.Equal(t, 2, db.Counter.Count(), db.Counter.String())
		require.Len(t, teams[0].Members, 2, "int parent ids match int64 foreign keys")
		require.Len(t, teams[1].Members, 2)
		assert.NotNil(t, teams[2].Members)
		assert.Empty(t, teams[2].Members)
		for _, m := range append(teams[0].Members, teams[1].Members...) {
			if m.MentorID.Valid {
				require.NotNil(t, m.Mentor, m.Name)
				assert.Equal(t, "r1", m.Mentor.Name, "sql.NullInt64 keys match int32 ids")
			} else {
				assert.Nil(t, m.Mentor)
			}
		}

		members, err := query.From[Member]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, members, MemberTeam))
		assert.Equal(t, "red", members[0].Team.Name, "non-pointer destination gets a copy")
		assert.Equal(t, "blue", members[3].Team.Name)

		countries, err := query.From[Country]().OrderBy("code").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, countries, CountryCities))
		assert.Equal(t, 1, db.Counter.Count())
		require.Len(t, countries[0].Cities, 2)
		assert.Equal(t, "Paris", countries[0].Cities[0].Name)
		assert.Equal(t, "Lyon", countries[0].Cities[1].Name)
		assert.Equal(t, "Kyoto", countries[1].Cities[0].Name)
		assert.NotNil(t, countries[2].Cities)
		assert.Empty(t, countries[2].Cities)

		cities, err := query.From[City]().OrderBy("id").Get(ctx, db)
		require.NoError(t, err)
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, cities, CityCountry))
		assert.Equal(t, "France", cities[0].Country.Name)
		assert.Equal(t, "Japan", cities[1].Country.Name)
		assert.Zero(t, cities[3].Country, "NULL key: the zero value")

		// A key of a type that cannot relate rows: an error, no statement.
		db.Counter.Reset()
		gauges := []Gauge{{ID: 1.5}}
		err = load.With(ctx, db, gauges, GaugeReadings)
		assert.ErrorIs(t, err, rel.ErrUnsupportedKey)
		assert.Equal(t, 0, db.Counter.Count())
		assert.Nil(t, gauges[0].Readings)
	})
}

func TestBadSpecs(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)
		before := append([]User(nil), us...)
		ok := func(q *query.Query[Post]) *query.Query[Post] { return q }
		cases := []struct {
			name string
			err  error
			want error
		}{
			{"no destination", load.With(ctx, db, []Lonely{{ID: 1}}, LonelyPosts), rel.ErrNoDestination},
			{"nil spec", load.With[User](ctx, db, us, UserPosts, nil), sqlt.ErrNilValue},
			{"zero relation", load.With(ctx, db, us, rel.HasManyRelation[User, Post]{}), rel.ErrBadRelation},
			{"nil relation pointer", load.With(ctx, db, us, (*rel.HasManyRelation[User, Post])(nil)), rel.ErrBadRelation},
			{"nil relation pointer in chain", load.With(ctx, db, us, load.Nested(UserPosts, (*rel.HasManyRelation[Post, Comment])(nil))), rel.ErrBadRelation},
			{"nil relation pointer in Where", load.With(ctx, db, us, load.Where[User, Post]((*rel.HasManyRelation[User, Post])(nil), ok)), rel.ErrBadRelation},
			{"broken chain", load.With(ctx, db, us, load.Nested(UserPosts, CommentImages)), rel.ErrBadRelation},
			{"broken chain later", load.With(ctx, db, us, load.Nested(UserPosts, PostComments, PostAuthor)), rel.ErrBadRelation},
			{"nil in chain", load.With(ctx, db, us, load.Nested(UserPosts, nil)), sqlt.ErrNilValue},
			{"nil head", load.With(ctx, db, us, load.Nested[User](nil, PostComments)), sqlt.ErrNilValue},
			{"malicious column", load.With(ctx, db, us, load.Columns(UserPosts, "id; drop table posts")), sqlt.ErrInvalidIdentifier},
			{"unknown column", load.With(ctx, db, us, load.Columns(UserPosts, "nope")), sqlt.ErrUnknownColumn},
			{"other table's column", load.With(ctx, db, us, load.Columns(UserPosts, "users.id")), sqlt.ErrUnknownColumn},
			{"no columns", load.With(ctx, db, us, load.Columns(UserPosts)), query.ErrBadArgument},
			{"nil constraint", load.With(ctx, db, us, load.Where(UserPosts, nil)), sqlt.ErrNilValue},
			{"nil relation in Where", load.With(ctx, db, us, load.Where[User, Post](nil, ok)), sqlt.ErrNilValue},
			{"bad column deep in chain", load.With(ctx, db, us, load.Nested(UserPosts, load.Columns(PostComments, "x y"))), sqlt.ErrInvalidIdentifier},
			{"nil executor", load.With(ctx, nil, us, UserPosts), sqlt.ErrNilValue},
			{"nil element", load.With(ctx, db, []*User{&us[0], nil}, UserPosts), sqlt.ErrNilValue},
			{"nil pointer", load.With(ctx, db, (*User)(nil), UserPosts), sqlt.ErrNilValue},
		}
		for _, c := range cases {
			assert.ErrorIs(t, c.err, c.want, c.name)
		}
		assert.Equal(t, 0, db.Counter.Count(), "every bad spec is rejected before any statement: %s", db.Counter)
		assert.Equal(t, before, us)

		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		assert.ErrorIs(t, load.With(cancelled, db, us, UserPosts), context.Canceled)
		assert.Equal(t, 0, db.Counter.Count())

		// Constraints that fail while building: no statement for that level.
		err := load.With(ctx, db, us, load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] { return nil }))
		assert.ErrorIs(t, err, query.ErrBadArgument)
		err = load.With(ctx, db, us, load.Where(UserPosts, func(q *query.Query[Post]) *query.Query[Post] { return q.Select("nope") }))
		assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
		assert.Equal(t, 0, db.Counter.Count())
		assert.Equal(t, before, us)
	})
}

func TestFailingStatementLeavesParents(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		us := users(t, db)
		us[0].Phone = &Phone{Number: "kept"}
		db.MustExec(t, `drop table images`)
		err := load.With(ctx, db, us, UserPhone, load.Nested(UserPosts, PostComments, CommentImages))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "load posts.comments.images")
		assert.Equal(t, 4, db.Counter.Count(), "phone, posts, comments ran; images failed")
		assert.Equal(t, "kept", us[0].Phone.Number, "nothing is written unless every statement succeeds")
		for _, u := range us {
			assert.Nil(t, u.Posts)
		}
	})
}

// RoleUserPivot is a typed pivot: its columns are matched by name.
type RoleUserPivot struct {
	UserID int64 `db:"user_id"`
	RoleID int64 `db:"role_id"`
	Active bool  `db:"active"`
}

// TypedRole reads the roles table with a struct pivot.
type TypedRole struct {
	ID    int64          `db:"id"`
	Name  string         `db:"name"`
	Pivot *RoleUserPivot `db:"-"`
}

// TableName names TypedRole's table.
func (TypedRole) TableName() string { return "roles" }

// RoleHolder is a user with typed roles, by pointer.
type RoleHolder struct {
	ID    int64        `db:"id"`
	Roles []*TypedRole `db:"-"`
}

// TableName names RoleHolder's table.
func (RoleHolder) TableName() string { return "users" }

var holderRoles = rel.BelongsToMany[RoleHolder, TypedRole]("role_user", "user_id", "role_id").WithPivot("active").OrderByPivot("role_id")

func TestStructPivot(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		Seed(t, db)
		hs := []RoleHolder{{ID: 1}, {ID: 2}, {ID: 3}}
		require.NoError(t, load.With(ctx, db, hs, holderRoles))
		assert.Equal(t, 1, db.Counter.Count())
		require.Len(t, hs[0].Roles, 2)
		assert.Equal(t, "admin", hs[0].Roles[0].Name)
		assert.Equal(t, RoleUserPivot{UserID: 1, RoleID: 1, Active: true}, *hs[0].Roles[0].Pivot)
		assert.Equal(t, RoleUserPivot{UserID: 1, RoleID: 2, Active: false}, *hs[0].Roles[1].Pivot)
		require.Len(t, hs[1].Roles, 1)
		assert.Equal(t, RoleUserPivot{UserID: 2, RoleID: 3, Active: true}, *hs[1].Roles[0].Pivot)
		assert.NotNil(t, hs[2].Roles)
		assert.Empty(t, hs[2].Roles)
	})
}

// NotePivot is a typed pivot by value with nullable columns, a field of a
// type other than the parent key's for the foreign pivot key, and a field
// of a type the scanner has no typed destination for.
type NotePivot struct {
	UserID string  `db:"user_id"`
	RoleID int64   `db:"role_id"`
	Note   string  `db:"note"`
	Score  int64   `db:"score"`
	Weight float64 `db:"weight"`
	Level  int     `db:"level"`
	Seen   bool    `db:"seen"`
}

// NotedRole reads the roles table with a NotePivot.
type NotedRole struct {
	ID    int64     `db:"id"`
	Name  string    `db:"name"`
	Pivot NotePivot `db:"-"`
}

// TableName names NotedRole's table.
func (NotedRole) TableName() string { return "roles" }

// NoteHolder is a user with noted roles.
type NoteHolder struct {
	ID    int64       `db:"id"`
	Roles []NotedRole `db:"-"`
}

// TableName names NoteHolder's table.
func (NoteHolder) TableName() string { return "users" }

var noteRoles = rel.BelongsToMany[NoteHolder, NotedRole]("role_notes", "user_id", "role_id").
	WithPivot("note", "score", "weight", "level", "seen").OrderByPivot("role_id")

// seedRoleNotes seeds the shared fixture and a pivot table with a column
// of each common type: user 1 has role 1 with every value and role 2 with
// NULLs, user 2 has role 3.
func seedRoleNotes(t *testing.T, db *testdb.DB) {
	t.Helper()
	Seed(t, db)
	db.MustExec(t,
		`create table role_notes (user_id bigint not null, role_id bigint not null, note text, score bigint,
			weight double precision, level bigint, seen boolean, primary key (user_id, role_id))`,
		`insert into role_notes values (1, 1, 'first', 700, 1.5, 2, true), (1, 2, null, null, null, null, null), (2, 3, 'x', -3, 0.25, 1, false)`,
	)
}

// TestStructPivotValues: the columns of a struct pivot land in its fields
// as schema.Assign stores them, NULL as the zero value, whichever way the
// scanner reads them.
func TestStructPivotValues(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedRoleNotes(t, db)
		hs := []NoteHolder{{ID: 1}, {ID: 2}, {ID: 3}}
		db.Counter.Reset()
		require.NoError(t, load.With(ctx, db, hs, noteRoles))
		assert.Equal(t, 1, db.Counter.Count())
		require.Len(t, hs[0].Roles, 2)
		assert.Equal(t, NotedRole{ID: 1, Name: "admin", Pivot: NotePivot{UserID: "1", RoleID: 1, Note: "first", Score: 700, Weight: 1.5, Level: 2, Seen: true}}, hs[0].Roles[0])
		assert.Equal(t, NotedRole{ID: 2, Name: "editor", Pivot: NotePivot{UserID: "1", RoleID: 2}}, hs[0].Roles[1])
		require.Len(t, hs[1].Roles, 1)
		assert.Equal(t, NotedRole{ID: 3, Name: "viewer", Pivot: NotePivot{UserID: "2", RoleID: 3, Note: "x", Score: -3, Weight: 0.25, Level: 1}}, hs[1].Roles[0])
		assert.NotNil(t, hs[2].Roles)
		assert.Empty(t, hs[2].Roles)
	})
}

// MapNotedRole reads the roles table with its pivot in a map.
type MapNotedRole struct {
	ID    int64          `db:"id"`
	Pivot map[string]any `db:"-"`
}

// TableName names MapNotedRole's table.
func (MapNotedRole) TableName() string { return "roles" }

// MapNoteHolder is a user with roles whose pivot is a map.
type MapNoteHolder struct {
	ID    int64          `db:"id"`
	Roles []MapNotedRole `db:"-"`
}

// TableName names MapNoteHolder's table.
func (MapNoteHolder) TableName() string { return "users" }

var mapNoteRoles = rel.BelongsToMany[MapNoteHolder, MapNotedRole]("role_notes", "user_id", "role_id").
	WithPivot("note", "score", "weight", "level", "seen").OrderByPivot("role_id")

// TestMapPivotValues: a map pivot holds each column's value as the driver
// reads it into an any, NULL as nil.
func TestMapPivotValues(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		seedRoleNotes(t, db)
		hs := []MapNoteHolder{{ID: 1}}
		require.NoError(t, load.With(ctx, db, hs, mapNoteRoles))
		require.Len(t, hs[0].Roles, 2)
		var seen any = true
		if db.Name == "mysql" {
			seen = int64(1) // MySQL's boolean is tinyint(1), and its driver reads an integer
		}
		assert.Equal(t, map[string]any{"user_id": int64(1), "role_id": int64(1), "note": "first", "score": int64(700),
			"weight": 1.5, "level": int64(2), "seen": seen}, hs[0].Roles[0].Pivot)
		assert.Equal(t, map[string]any{"user_id": int64(1), "role_id": int64(2), "note": nil, "score": nil,
			"weight": nil, "level": nil, "seen": nil}, hs[0].Roles[1].Pivot)
	})
}
