package rel_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	sq "github.com/Masterminds/squirrel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/relmeta"
	"github.com/relkit/relkit/query"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

// Each registry test declares relations on types of its own: the registry
// is process-wide, and sharing types between tests would make them depend
// on their order.

type regWriter struct {
	ID     int64      `db:"id"`
	Name   string     `db:"name"`
	Novels []regNovel `db:"-"`
}

type regNovel struct {
	ID          int64  `db:"id"`
	RegWriterID int64  `db:"reg_writer_id"`
	EditorID    int64  `db:"editor_id"`
	Active      bool   `db:"active"`
	Title       string `db:"title"`
}

// Relations the registry tests inspect are package variables, declared
// once per process, so that the tests also pass with -count=N.
var regFirst = rel.HasMany[regWriter, regNovel]()

func TestRegistryNames(t *testing.T) {
	first := regFirst
	require.NoError(t, relmeta.Of(first).Err())
	assert.Equal(t, "novels", relmeta.Of(first).Name, "the name is the snake_case destination field")

	// The same declaration made again (a function run twice) is the same
	// relation: no conflict, and the name keeps resolving.
	again := rel.HasMany[regWriter, regNovel]()
	require.NoError(t, relmeta.Of(again).Err())

	got, err := rel.Lookup(reflect.TypeFor[regWriter](), "novels")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(first), relmeta.Of(got))
	assert.Equal(t, "reg_writer_id", relmeta.Of(got).ForeignKey)

	// A pointer type finds the same relations.
	got, err = rel.Lookup(reflect.TypeFor[*regWriter](), "novels")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(first), relmeta.Of(got))

	typed, err := rel.Find[regWriter]("novels")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(first), relmeta.Of(typed))
	key, ok, err := typed.ParentKey(&regWriter{ID: 7})
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, int64(7), key)
	_, _, err = typed.ParentKey(nil)
	assert.Error(t, err, "a nil parent is an error, not a panic")

	assert.Contains(t, rel.Names(reflect.TypeFor[regWriter]()), "novels")
	assert.Empty(t, rel.Names(reflect.TypeFor[regNovel]()), "nothing is declared on regNovel")
}

type regMember struct {
	ID    int64     `db:"id"`
	Clubs []regClub `db:"-"`
	Desk  *regDesk  `db:"-"`
}

type regClub struct {
	ID    int64          `db:"id"`
	Pivot map[string]any `db:"-"`
}

type regDesk struct {
	ID          int64  `db:"id"`
	RegMemberID int64  `db:"reg_member_id"`
	Label       string `db:"label"`
}

var (
	regClubsBare   = rel.BelongsToMany[regMember, regClub]().WithPivot("active")
	regClubs       = rel.BelongsToMany[regMember, regClub]().WithPivot("active").WithTimestamps().Named("clubs")
	regDeskPlain   = rel.HasOne[regMember, regDesk]()
	regDeskDefault = regDeskPlain.WithDefault(regDesk{Label: "spare"}).Named("desk")
)

// Only constructors, Named and Field register: options added by other
// builder methods apply by name when the declaration ends with Named (or
// Field), and a value derived from a declared relation — anywhere, at
// package level or in a function — never changes what a name means.
func TestRegistryOptionsApplyByNameThroughNamed(t *testing.T) {
	member := reflect.TypeFor[regMember]()
	clubs := regClubs
	require.NoError(t, relmeta.Of(clubs).Err())
	require.NoError(t, relmeta.Of(regClubsBare).Err())
	got, err := rel.Lookup(member, "clubs")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(clubs), relmeta.Of(got), "the named end of the chain holds the name")
	assert.Equal(t, []string{"active", "created_at", "updated_at"}, relmeta.Of(got).PivotColumns)
	assert.Equal(t, "reg_club_reg_member", relmeta.Of(got).PivotTable)

	desk, withDefault := regDeskPlain, regDeskDefault
	got, err = rel.Lookup(member, "desk")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(withDefault), relmeta.Of(got), "an explicit name wins over the constructor's default one")
	assert.NotNil(t, relmeta.Of(got).Default)

	// Derivations in a function register nothing.
	_ = clubs.WithPivot("extra").OrderByPivot("extra")
	_ = desk.WithDefault(regDesk{Label: "other"})
	got, err = rel.Lookup(member, "clubs")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(clubs), relmeta.Of(got))
	got, err = rel.Lookup(member, "desk")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(withDefault), relmeta.Of(got))

	// The ancestor itself is unchanged: builder methods return copies.
	assert.Nil(t, relmeta.Of(desk).Default)
	_, has := desk.Default(&regMember{ID: 1})
	assert.False(t, has)
	d, has := withDefault.Default(&regMember{ID: 1})
	assert.True(t, has)
	assert.Equal(t, regDesk{RegMemberID: 1, Label: "spare"}, d)
}

type regBlog struct {
	ID       int64        `db:"id"`
	Entries  []regEntry   `db:"-"`
	Drafts   []regEntry   `db:"-"`
	Sponsors []regSponsor `db:"-"`
}

type regEntry struct {
	ID        int64 `db:"id"`
	RegBlogID int64 `db:"reg_blog_id"`
	Active    bool  `db:"active"`
}

type regSponsor struct {
	ID        int64 `db:"id"`
	RegBlogID int64 `db:"reg_blog_id"`
	Active    bool  `db:"active"`
	Gold      bool  `db:"gold"`
}

var (
	regAmbiguous   = rel.HasMany[regBlog, regEntry]()
	regEntries     = rel.HasMany[regBlog, regEntry]().Field("Entries")
	regDrafts      = rel.HasMany[regBlog, regEntry]().Field("Drafts")
	regActive      = regEntries.Where(sq.Eq{"active": true}).Named("active_entries")
	regSponsors    = rel.HasMany[regBlog, regSponsor]()
	regGold        = regSponsors.Where(sq.Eq{"gold": true}).Field("Sponsors").Named("gold_sponsors")
	regBackers     = rel.HasMany[regBlog, regSponsor]("reg_blog_id").Named("backers")
	regHubSpokes   = rel.HasMany[regHub, regSpoke]().Field("Spokes")
	regHubLamp     = rel.HasOne[regHub, regLamp]()
	regHubRims     = rel.BelongsToMany[regHub, regRim]().WithPivot("size")
	regConcurrency atomic.Int64
)

func TestRegistryConstrainedOnlyUnderExplicitNames(t *testing.T) {
	blog := reflect.TypeFor[regBlog]()

	// Two candidate fields: no destination until Field picks one.
	ambiguous := regAmbiguous
	require.NoError(t, relmeta.Of(ambiguous).Err(), "an ambiguous destination fails at use, not at declaration")
	assert.ErrorIs(t, relmeta.Of(ambiguous).DestErr(), rel.ErrNoDestination)
	assert.Contains(t, relmeta.Of(ambiguous).DestErr().Error(), "Entries, Drafts")

	entries := regEntries
	require.NoError(t, relmeta.Of(entries).DestErr())
	drafts := regDrafts
	require.NoError(t, relmeta.Of(drafts).DestErr())
	got, err := rel.Lookup(blog, "entries")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(entries), relmeta.Of(got), "Field registers the field's name")
	got, err = rel.Lookup(blog, "drafts")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(drafts), relmeta.Of(got))

	// A constraint without a name of its own is not registered: "entries"
	// never silently means "active entries".
	active := entries.Where(sq.Eq{"active": true})
	require.NoError(t, relmeta.Of(active).Err())
	got, err = rel.Lookup(blog, "entries")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(entries), relmeta.Of(got))

	// Named: registered under its name, and the relation it narrows keeps
	// its own.
	namedActive := regActive
	got, err = rel.Lookup(blog, "active_entries")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(namedActive), relmeta.Of(got))
	assert.Len(t, relmeta.Of(got).Wheres, 1)
	got, err = rel.Lookup(blog, "entries")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(entries), relmeta.Of(got), "naming a constrained variant leaves the base relation registered")

	// Field on a constrained relation: the field's name.
	sponsors, gold := regSponsors, regGold
	got, err = rel.Lookup(blog, "gold_sponsors")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(gold), relmeta.Of(got))
	got, err = rel.Lookup(blog, "sponsors")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(sponsors), relmeta.Of(got))

	// A relation renamed by Named does not compete for its default name.
	renamed := regBackers
	got, err = rel.Lookup(blog, "backers")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(renamed), relmeta.Of(got))
	got, err = rel.Lookup(blog, "sponsors")
	require.NoError(t, err)
	assert.Equal(t, relmeta.Of(sponsors).Wheres, relmeta.Of(got).Wheres, "the constrained variant never holds the plain name")
	assert.Equal(t, "reg_blog_id", relmeta.Of(got).ForeignKey)

	// A failing Field does not disturb the registry.
	bad := entries.Field("Nope")
	assert.ErrorIs(t, relmeta.Of(bad).Err(), rel.ErrNoDestination)
	got, err = rel.Lookup(blog, "entries")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(entries), relmeta.Of(got))

	_, err = rel.Lookup(blog, "active")
	assert.ErrorIs(t, err, rel.ErrUnknownRelation)
}

func TestUnknownRelation(t *testing.T) {
	_, err := rel.Lookup(reflect.TypeFor[regWriter](), "poems")
	require.Error(t, err)
	assert.ErrorIs(t, err, rel.ErrUnknownRelation)
	var ue *rel.UnknownRelationError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "regWriter", ue.Type)
	assert.Equal(t, "poems", ue.Name)
	assert.Contains(t, ue.Known, "novels")
	assert.Contains(t, err.Error(), "regWriter")
	assert.Contains(t, err.Error(), `"poems"`)
	assert.Contains(t, err.Error(), "novels")

	_, err = rel.Find[regWriter]("poems")
	assert.ErrorIs(t, err, rel.ErrUnknownRelation)
	require.ErrorAs(t, err, &ue)
	assert.Contains(t, ue.Known, "novels")

	// A type without relations says so.
	_, err = rel.Find[regNovel]("writer")
	require.ErrorAs(t, err, &ue)
	assert.Empty(t, ue.Known)
	assert.Contains(t, err.Error(), "known: none")

	// Through a path, the error stays matchable.
	_, err = rel.ParsePath(reflect.TypeFor[regWriter](), "novels.chapters")
	assert.ErrorIs(t, err, rel.ErrUnknownRelation)
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "regNovel", ue.Type)

	_, err = rel.ParsePath(reflect.TypeFor[regWriter](), "novels; drop table x")
	assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
	_, err = rel.ParsePath(reflect.TypeFor[regWriter](), "novels..x")
	assert.ErrorIs(t, err, sqlt.ErrInvalidIdentifier)
	_, err = rel.ParsePath(nil, "novels")
	assert.ErrorIs(t, err, sqlt.ErrNilValue)
	_, err = rel.Lookup(nil, "novels")
	assert.ErrorIs(t, err, rel.ErrUnknownRelation)
}

type regHub struct {
	ID     int64       `db:"id"`
	Spokes []regSpoke  `db:"-"`
	Lamp   *regLamp    `db:"-"`
	Rims   []regRim    `db:"-"`
	Extra  []*regSpoke `db:"-"`
}

type regSpoke struct {
	ID       int64 `db:"id"`
	RegHubID int64 `db:"reg_hub_id"`
	Length   int64 `db:"length"`
}

type regLamp struct {
	ID       int64  `db:"id"`
	RegHubID int64  `db:"reg_hub_id"`
	Color    string `db:"color"`
}

type regRim struct {
	ID    int64          `db:"id"`
	Pivot map[string]any `db:"-"`
}

// TestRegistryConcurrency uses shared relation values and declares new ones
// from many goroutines at once; run it with -race.
func TestRegistryConcurrency(t *testing.T) {
	spokes, lamp, rims := regHubSpokes, regHubLamp, regHubRims
	hub := reflect.TypeFor[regHub]()
	run := regConcurrency.Add(1) // fresh names on every run (-count=N)
	const workers = 32
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				h := &regHub{ID: int64(i + 1)}
				// Shared values: read-only use from every goroutine.
				s, args, err := query.Related(spokes, h).Where(sq.Gt{"length": i}).OrWhere(sq.Eq{"length": 0}).ToSql()
				if err != nil {
					return err
				}
				if len(args) != 3 || args[0] != int64(i+1) {
					return fmt.Errorf("args %v for %s", args, s)
				}
				if _, _, err := query.Related(rims, h).ToSql(); err != nil {
					return err
				}
				// Derived values and fresh declarations.
				d := lamp.WithDefault(regLamp{Color: fmt.Sprint(i)})
				if v, ok := d.Default(h); !ok || v.Color != fmt.Sprint(i) || v.RegHubID != int64(i+1) {
					return fmt.Errorf("default %+v", v)
				}
				w := spokes.Where(sq.Eq{"length": i}).Named(fmt.Sprintf("spokes_%d_%d", run, i))
				if err := relmeta.Of(w).Err(); err != nil {
					return err
				}
				if err := relmeta.Of(rel.HasMany[regHub, regSpoke]().Field("Extra")).DestErr(); err != nil {
					return err
				}
				_ = rims.WherePivot("size", ">", i)
				_ = rel.BelongsToMany[regHub, regRim]().WithPivot(fmt.Sprintf("c%d", i))
				got, err := rel.Lookup(hub, fmt.Sprintf("spokes_%d_%d", run, i))
				if err != nil {
					return err
				}
				if relmeta.Of(got) != relmeta.Of(w) {
					return errors.New("lookup returned another relation")
				}
				if _, err := rel.Lookup(hub, "spokes"); err != nil {
					return err
				}
				_ = rel.Names(hub)
				if _, err := rel.ParsePath(hub, "lamp"); err != nil {
					return err
				}
				return nil
			}()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// The shared values are unchanged.
	assert.Empty(t, relmeta.Of(spokes).Wheres)
	assert.Nil(t, relmeta.Of(lamp).Default)
	assert.Equal(t, []string{"size"}, relmeta.Of(rims).PivotColumns)
	assert.Empty(t, relmeta.Of(rims).PivotWheres)
	names := rel.Names(hub)
	for i := range workers {
		assert.Contains(t, names, fmt.Sprintf("spokes_%d_%d", run, i))
	}
	got, err := rel.Lookup(hub, "spokes")
	require.NoError(t, err)
	assert.Same(t, relmeta.Of(spokes), relmeta.Of(got))
}
