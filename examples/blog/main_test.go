package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/relkittest"
	"github.com/relkit/relkit/sqlt"
)

// seeded opens the demo's database (SQLite in memory: the demo's schema is
// SQLite's) and runs the writes section.
func seeded(t *testing.T) (*sqlt.DB, *demo) {
	t.Helper()
	ctx := context.Background()
	base, err := sqlt.Open(ctx, "sqlite::memory:")
	require.NoError(t, err)
	t.Cleanup(func() { _ = base.Close() })
	for _, s := range schema {
		_, err := base.Exec(ctx, s)
		require.NoError(t, err)
	}
	l := &sqlLog{}
	db := base.WithHook(sqlt.HookFunc(l.hook))
	d := &demo{log: l, out: &strings.Builder{}}
	require.NoError(t, writes(ctx, db, d))
	return db, d
}

func TestDemoRuns(t *testing.T) {
	require.NoError(t, run(context.Background(), ""))
}

// The demo runs on every database (its -dsn flag): the schema in each
// one's SQL, every section's calls.
func TestDemoRunsOnEveryDatabase(t *testing.T) {
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		require.NoError(t, demoOn(context.Background(), db.DB))
	})
}

// With a server DSN the demo works in a scratch schema or database that
// it drops at the end.
func TestDemoRunsInAScratchSchemaOfAServer(t *testing.T) {
	for _, dsn := range []string{testdb.PostgresDSN(t), testdb.MySQLDSN(t)} {
		require.NoError(t, run(context.Background(), dsn))
	}
}

// The eager-loading, aggregate, existence, graph, Eloquent and owners
// sections have no N+1.
func TestDemoEagerSectionsHaveNoNPlusOne(t *testing.T) {
	db, d := seeded(t)
	ctx, db := relkittest.NoRepeats(t, db)
	require.NoError(t, eager(ctx, db, d))
	require.NoError(t, aggregates(ctx, db, d))
	require.NoError(t, existence(ctx, db, d))
	require.NoError(t, graph(ctx, db, d))
	require.NoError(t, eloquent(ctx, db, d))
	require.NoError(t, owners(ctx, db, d))
}

// The section on single-parent reads reads the phone of two users one at a
// time: the guard reports it.
func TestDemoSingleParentReadsAreFlagged(t *testing.T) {
	db, d := seeded(t)
	g := sqlt.NewRepeatGuard(sqlt.RepeatOptions{})
	ctx, scope := g.Scope(context.Background())
	require.NoError(t, relations(ctx, db.WithHook(g), d))
	err := scope.Close()
	require.ErrorIs(t, err, sqlt.ErrRepeatedQuery)
	assert.Contains(t, err.Error(), "relation User.phone read for 2 parents")
}
