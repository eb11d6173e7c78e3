package rel_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/relkit/relkit/internal/testdb"
	"github.com/relkit/relkit/rel"
	"github.com/relkit/relkit/sqlt"
)

type checkShelf struct {
	ID     int64       `db:"id"`
	Books  []checkBook `db:"-"`
	Drafts []checkBook `db:"-"`
}

func (checkShelf) TableName() string { return "shelves" }

type checkBook struct {
	ID      int64          `db:"id"`
	ShelfID int64          `db:"shelf_id"`
	Pivot   map[string]any `db:"-"`
}

func (checkBook) TableName() string { return "books" }

// Declared in package variables, as applications do: Check finds them.
var (
	checkTypo      = rel.HasMany[checkShelf, checkBook]("shlef_id")
	checkAmbiguous = rel.HasMany[checkShelf, checkBook]("shelf_id")
	checkChosen    = rel.HasMany[checkShelf, checkBook]("shelf_id").Field("Books")
	checkPivot     = rel.BelongsToMany[checkShelf, checkBook]("book_shelf").Field("Drafts").WithPivot("note")
)

func TestCheckReportsEveryBadDeclarationAtOnce(t *testing.T) {
	err := rel.Check()
	require.Error(t, err)
	assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
	assert.ErrorIs(t, err, rel.ErrNoDestination)
	var mine []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		if strings.Contains(e.Error(), "checkShelf") {
			mine = append(mine, e.Error())
		}
	}
	require.Len(t, mine, 2, "the typo and the ambiguous destination, not the relation that chose its field: %q", mine)
	assert.Contains(t, mine[0], "shlef_id")
	assert.Contains(t, mine[1], "Books, Drafts")
}

func TestCheckOfGivenRelations(t *testing.T) {
	assert.NoError(t, rel.Check(checkChosen, checkPivot))
	err := rel.Check(checkChosen, checkTypo, checkAmbiguous)
	assert.ErrorIs(t, err, sqlt.ErrUnknownColumn)
	assert.ErrorIs(t, err, rel.ErrNoDestination)
	assert.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 2)
	var zero rel.HasManyRelation[checkShelf, checkBook]
	assert.ErrorIs(t, rel.Check(zero), rel.ErrBadRelation)
	// A relation with no field to load into still serves queries.
	assert.NoError(t, rel.Check(rel.HasOne[checkShelf, checkBook]("shelf_id")))
}

func TestCheckSchemaReportsMissingTablesAndColumns(t *testing.T) {
	ctx := context.Background()
	testdb.Run(t, func(t *testing.T, db *testdb.DB) {
		db.MustExec(t,
			`create table shelves (id {{pk}})`,
			`create table books (id {{pk}}, shelfid bigint)`)
		err := rel.CheckSchema(ctx, db, checkChosen, checkPivot)
		require.Error(t, err)
		assert.ErrorIs(t, err, rel.ErrSchemaMismatch)
		assert.Contains(t, err.Error(), "foreign key column books.shelf_id does not exist")
		assert.Contains(t, err.Error(), "table book_shelf does not exist")

		db.MustExec(t,
			`alter table books add column shelf_id bigint`,
			`create table book_shelf (check_shelf_id bigint, check_book_id bigint)`)
		err = rel.CheckSchema(ctx, db, checkChosen, checkPivot)
		require.Error(t, err)
		assert.Equal(t, 1, len(err.(interface{ Unwrap() []error }).Unwrap()), err.Error())
		assert.Contains(t, err.Error(), "pivot column book_shelf.note does not exist")

		db.MustExec(t, `alter table book_shelf add column note text`)
		assert.NoError(t, rel.CheckSchema(ctx, db, checkChosen, checkPivot))
	})
}

func TestCheckSchemaOfAnUnsupportedExecutor(t *testing.T) {
	assert.ErrorIs(t, rel.CheckSchema(context.Background(), nil), sqlt.ErrNilValue)
	assert.False(t, errors.Is(rel.Check(checkChosen), rel.ErrSchemaMismatch))
}
